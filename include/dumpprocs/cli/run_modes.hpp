#pragma once
// Runs the mode the options ask for and returns the process exit code.

#include "dumpprocs/cli/options.hpp"

namespace dumpprocs::cli {

int runMode(const Options& options);

} // namespace dumpprocs::cli
