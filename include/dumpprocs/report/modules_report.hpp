#pragma once
// The loaded-module list (--modules) as text, JSON or CSV; the JSON shape is in
// docs/json-output.md.

#include <string>

#include "dumpprocs/kernel/loaded_modules.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

std::string renderModules(const kernel::ModuleList& modules, OutputFormat format);

} // namespace dumpprocs::report
