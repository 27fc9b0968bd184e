#pragma once
// The big synthetic machines of the benchmarks: a Windows Server 2022 kernel (built-in profile
// 20348) with a given amount of RAM and number of processes, written as a sparse dump.

#include <cstdint>
#include <string>

#include "dumpgen/scenario.hpp"

namespace dumpgen {

struct BigMachineSpec {
    std::uint64_t ram_gib = 64;
    unsigned processes = 1000;   // besides System
    unsigned cid_levels = 2;     // PspCidTable levels: 2, or 3 with one PID past 256*512 handles
    std::uint32_t dump_type = 5; // 5: bitmap (complete dump), 1: run list
};

Scenario bigMachine(const BigMachineSpec& spec);

// "bench_64g_1000p_cid2_t5": the file name the benchmarks use for a spec.
std::string bigMachineName(const BigMachineSpec& spec);

} // namespace dumpgen
