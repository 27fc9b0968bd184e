#pragma once
// Runs the mode the options ask for and returns the process exit code.

#include <cstdio>
#include <string>
#include <vector>

#include "dumpprocs/cli/options.hpp"

namespace dumpprocs::cli {

// What a run found that a batch summary needs beyond the exit code.
struct RunSummary {
    std::vector<std::string> hidden;  // "rootkit.exe (pid 996, 0xffff...)" for every HIDDEN process
};

// Runs one dump; results go to `out` (stdout by default), logs to spdlog.
int runMode(const Options& options, std::FILE* out = stdout, RunSummary* summary = nullptr);

} // namespace dumpprocs::cli
