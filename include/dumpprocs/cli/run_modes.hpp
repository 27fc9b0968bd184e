#pragma once
// Runs the mode the options ask for and returns the process exit code.

#include <cstdio>
#include <string>
#include <vector>

#include "dumpprocs/cli/options.hpp"
#include "dumpprocs/memory/physical_memory.hpp"

namespace dumpprocs::kernel {
class KernelContext;
struct KernelOptions;
} // namespace dumpprocs::kernel

namespace dumpprocs::cli {

// What a run found that a batch summary needs beyond the exit code.
struct RunSummary {
    std::vector<std::string> hidden; // "rootkit.exe (pid 996, 0xffff...)" for every HIDDEN process
};

// The kernel options the command line gives; `damage` names what the input is known to lack.
kernel::KernelOptions kernelOptionsFor(const Options& options, std::string damage = "");

// Writes to the current run's result sink: stdout, or a batch run's per-dump buffer.
void printResult(const std::string& text);

// Runs one dump; results go to `out` (stdout by default), logs to spdlog.
int runMode(const Options& options, std::FILE* out = stdout, RunSummary* summary = nullptr);

// The modes that need only the kernel (--cpus, --validate-list, --show-profile, --dt, --diff,
// --view), whatever the memory came from.
int runWithKernel(const kernel::KernelContext& kernel, const Options& options);

// --read; `physical` is null when the input has no physical memory, `kernel` when it has no
// readable kernel (then only --physical works).
int runReadWith(const PhysicalMemory* physical, const kernel::KernelContext* kernel,
                const Options& options);

} // namespace dumpprocs::cli
