#include "dumpprocs/cli/app.hpp"

#include <cstdio>

namespace dumpprocs::cli {

int run(int, char**) {
    std::fputs("dumpprocs: not implemented yet\n", stderr);
    return kExitUsage;
}

} // namespace dumpprocs::cli
