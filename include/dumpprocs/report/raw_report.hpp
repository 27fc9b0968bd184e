#pragma once
// --info for a raw physical image: what the scans found and how.

#include <string>

#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/loaded_modules.hpp"
#include "dumpprocs/kernel/raw_discovery.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::dumpfile {
class RawImage;
}

namespace dumpprocs::report {

// `discovery` or `kernel` may be null when that step failed (the reason is in `problem`).
std::string renderRawInfo(const dumpfile::RawImage& image, const kernel::Discovery* discovery,
                          const kernel::KernelContext* kernel, const std::string& problem,
                          OutputFormat format, const kernel::ModuleList* modules = nullptr);

} // namespace dumpprocs::report
