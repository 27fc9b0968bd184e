#pragma once
// --info: the container's header and the kernel facts, like WinDbg's vertarget and dumpchk; for
// a raw image, what the scans found and how. Renders the façade's model only.

#include <cstdint>
#include <string>

#include "dumpprocs/analysis/info.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

// "Windows 7 Kernel Version 7601 (Service Pack 1) MP (8 procs) Free x64", as WinDbg's vertarget;
// the last word is the header's machine (x64, ARM64).
std::string windowsVersionText(std::uint32_t build, std::uint32_t processors,
                               std::uint32_t major_version, std::uint32_t product_type,
                               std::uint32_t machine);

std::string renderInfo(const analysis::InfoModel& info, OutputFormat format);

} // namespace dumpprocs::report
