#pragma once
// The named scenarios behind the sample dumps in testdata/ (see testdata/README.md).

#include <string>
#include <vector>

#include "dumpgen/scenario.hpp"

namespace dumpgen {

std::vector<Scenario> allScenarios();
// FILETIME of a UTC date and time.
std::uint64_t filetime(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                       unsigned second, unsigned millisecond);

} // namespace dumpgen
