#pragma once
// The named scenarios behind the sample dumps in testdata/ (see testdata/README.md).

#include <string>
#include <vector>

#include "dumpgen/scenario.hpp"

namespace dumpgen {

std::vector<Scenario> allScenarios();
// The machines of the damaged-dump property test (tests/property): DKOM and pool-scan machines of
// twelve layouts from 7601 to 26100, each as a full dump (DumpType 1) and a bitmap dump (5 or
// 6). None is a sample in testdata/; the test writes and damages them itself.
std::vector<Scenario> damagedCorpusScenarios();
// FILETIME of a UTC date and time.
std::uint64_t filetime(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                       unsigned second, unsigned millisecond);

} // namespace dumpgen
