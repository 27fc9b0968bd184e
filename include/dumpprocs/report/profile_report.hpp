#pragma once
// --show-profile: the structure layout in use, why it was chosen, and its fallbacks.

#include <string>

#include "dumpprocs/kernel/profile_selector.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

// The profile in use and why it was chosen: the members the tool reads (the manifest's); with
// `all_fields`, every member the profile has.
std::string renderShowProfile(const kernel::ProfileChoice& choice, OutputFormat format,
                              bool all_fields = false);

} // namespace dumpprocs::report
