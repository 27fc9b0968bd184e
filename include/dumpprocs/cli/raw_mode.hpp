#pragma once
// Memory without a usable header: raw physical images (--raw, or a file that is not a crash dump)
// and crash dumps whose header the memory contradicts.

#include <cstdio>
#include <filesystem>

#include "dumpprocs/cli/options.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"

namespace dumpprocs::dumpfile {
class CrashDump;
}

namespace dumpprocs::cli {

// Not a crash dump or minidump, and shaped like physical memory (whole pages, at least 1 MiB).
bool looksLikeRawImage(const std::filesystem::path& path);

// Runs any mode on a raw physical image.
// Results go where runMode sends them (printResult).
int runRawImage(const Options& options);

// The header's facts, or, where the memory contradicts them (the header DTB does not reach the
// System process through PsActiveProcessHead), the values found by scanning, with a warning.
kernel::DumpFacts reconcileHeaderWithMemory(const dumpfile::CrashDump& dump,
                                            kernel::DumpFacts header);

} // namespace dumpprocs::cli
