#pragma once
// --read: the bytes read, like WinDbg's db; the first byte that could not be read says why.

#include <string>

#include "dumpprocs/analysis/read.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

std::string renderRead(const analysis::ReadResult& result, OutputFormat format);

} // namespace dumpprocs::report
