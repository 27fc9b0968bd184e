#pragma once
// --dt: a structure at a virtual address, shown the way WinDbg's `dt nt!_EPROCESS addr` does.

#include <cstdint>
#include <string>
#include <string_view>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

// Case-insensitive wildcard match ('*' and '?') of a member name, as dt's field filter.
bool wildcardMatch(std::string_view pattern, std::string_view text);

// One line per member whose name matches `pattern` (empty = all). Fails (Usage) when the profile
// has no such type.
Expected<std::string> renderDt(const kernel::Profile& profile, std::string_view type_name,
                               std::uint64_t address, const VirtualMemory& as,
                               std::string_view pattern, OutputFormat format = OutputFormat::Text);

} // namespace dumpprocs::report
