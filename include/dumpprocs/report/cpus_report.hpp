#pragma once
// --cpus: per processor, its KPRCB, idle thread and the idle thread's process.

#include <string>

#include "dumpprocs/kernel/cpus.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

std::string renderCpus(const kernel::CpuList& cpus, OutputFormat format);

} // namespace dumpprocs::report
