#pragma once
// --show-profile: the structure layout in use, why it was chosen, and its fallbacks.

#include <string>

#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

std::string renderShowProfile(const kernel::KernelContext& kernel, OutputFormat format);

} // namespace dumpprocs::report
