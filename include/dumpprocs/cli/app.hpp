#pragma once
// The command-line front end: parses arguments, runs the requested mode, maps results to exit
// codes (exit_codes.hpp).

#include "dumpprocs/cli/exit_codes.hpp"

namespace dumpprocs::cli {

int run(int argc, char** argv);

} // namespace dumpprocs::cli
