#pragma once
// --dt: a structure at a virtual address, shown the way WinDbg's `dt nt!_EPROCESS addr` does,
// from what kernel::dumpType read (this renders; it reads no memory).

#include <string>

#include "dumpprocs/kernel/type_dump.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

// One line per member, an embedded struct's members indented under it.
std::string renderDt(const kernel::TypeDump& dump, OutputFormat format = OutputFormat::Text);

} // namespace dumpprocs::report
