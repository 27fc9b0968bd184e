#pragma once
// --validate-list: a LIST_ENTRY ring walked both ways, like WinDbg's !validatelist.

#include <cstdint>
#include <string>

#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

std::string renderValidateList(std::uint64_t head, const kernel::ListValidation& v,
                               OutputFormat format);

} // namespace dumpprocs::report
