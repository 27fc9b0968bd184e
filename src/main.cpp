// dumpprocs: thin entry point; everything lives in libdumpprocs (src/cli).
#include "dumpprocs/cli/app.hpp"

int main(int argc, char** argv) {
    return dumpprocs::cli::run(argc, argv);
}
