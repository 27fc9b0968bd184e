#pragma once
// --cpus: per processor, its KPRCB, the idle thread and the idle thread's process, read from the
// kernel's KPRCB list. A value that could not be read is nullopt; a processor that could not be
// read at all says why.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/kernel/kernel_context.hpp"

namespace dumpprocs::kernel {

struct CpuRecord {
    unsigned number = 0;
    std::uint64_t prcb = 0;
    std::optional<std::uint64_t> idle_thread, current_thread, idle_process;
    std::optional<std::uint8_t> state;
    std::optional<std::int8_t> priority;
    std::optional<std::uint32_t> wait_time;
    std::string problem;
};

struct CpuList {
    std::vector<CpuRecord> cpus;
    std::string problem; // why the KPRCBs are unknown, when they are
};

CpuList readCpus(const KernelContext& kernel);

} // namespace dumpprocs::kernel
