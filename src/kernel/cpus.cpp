#include "dumpprocs/kernel/cpus.hpp"

namespace dumpprocs::kernel {

CpuList readCpus(const KernelContext& k) {
    const auto& as = k.addressSpace();
    const auto& prcb = k.layout().prcb;
    const auto& thread = k.layout().thread;
    // Older rows have no _KPRCB.IdleThread; KDBG carries its offset.
    std::optional<std::uint32_t> idle_offset = prcb.idle_thread;
    if (!idle_offset && k.kdbg())
        idle_offset = k.kdbg()->offset_prcb_idle_thread;
    CpuList list;
    list.problem = k.prcbProblem();
    for (std::size_t i = 0; i < k.prcbs().size(); ++i) {
        CpuRecord c;
        c.number = static_cast<unsigned>(i);
        c.prcb = k.prcbs()[i];
        if (prcb.current_thread)
            c.current_thread = as.read<std::uint64_t>(c.prcb + *prcb.current_thread).value_or(0);
        if (!idle_offset) {
            c.problem = "the profile has no _KPRCB.IdleThread";
            list.cpus.push_back(c);
            continue;
        }
        auto idle = as.read<std::uint64_t>(c.prcb + *idle_offset);
        if (!idle) {
            c.problem = idle.error().message;
            list.cpus.push_back(c);
            continue;
        }
        c.idle_thread = *idle;
        if (auto p = as.read<std::uint64_t>(*idle + thread.process))
            c.idle_process = *p;
        if (thread.state)
            if (auto s = as.read<std::uint8_t>(*idle + *thread.state))
                c.state = *s;
        if (thread.priority)
            if (auto p = as.read<std::int8_t>(*idle + *thread.priority))
                c.priority = *p;
        if (thread.wait_time)
            if (auto w = as.read<std::uint32_t>(*idle + *thread.wait_time))
                c.wait_time = *w;
        list.cpus.push_back(c);
    }
    return list;
}

} // namespace dumpprocs::kernel
