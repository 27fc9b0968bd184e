#pragma once
// Runs the mode the options ask for and returns the process exit code.

#include "dumpprocs/addrspace/physical_memory.hpp"
#include "dumpprocs/cli/options.hpp"

namespace dumpprocs::kernel {
class KernelContext;
}

namespace dumpprocs::cli {

int runMode(const Options& options);

// The modes that need only the kernel (--cpus, --validate-list, --show-profile, --dt, --diff,
// --view), whatever the memory came from.
int runWithKernel(const kernel::KernelContext& kernel, const Options& options);

// --read; `physical` is null when the input has no physical memory, `kernel` when it has no
// readable kernel (then only --physical works).
int runReadWith(const PhysicalMemory* physical, const kernel::KernelContext* kernel,
                const Options& options);

} // namespace dumpprocs::cli
