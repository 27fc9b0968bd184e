#pragma once
// The modes that ask the kernel one question: --cpus and --validate-list.

#include <cstdint>

#include "dumpprocs/kernel/cpus.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/list_walker.hpp"

namespace dumpprocs::analysis {

// --cpus: each processor's KPRCB, idle thread and its process.
kernel::CpuList cpus(const kernel::KernelContext& kernel);

// --validate-list: the LIST_ENTRY ring at `head`, walked both ways (bounded).
kernel::ListValidation validateList(const kernel::KernelContext& kernel, std::uint64_t head);

} // namespace dumpprocs::analysis
