#pragma once
// The modes that ask the kernel one question: --cpus, --validate-list and --dt.

#include <cstdint>
#include <string>

#include "dumpprocs/kernel/cpus.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/kernel/type_dump.hpp"

namespace dumpprocs::analysis {

// --cpus: each processor's KPRCB, idle thread and its process.
kernel::CpuList cpus(const kernel::KernelContext& kernel);

// --validate-list: the LIST_ENTRY ring at `head`, walked both ways (bounded).
kernel::ListValidation validateList(const kernel::KernelContext& kernel, std::uint64_t head);

// --dt TYPE ADDR [PATTERN]: the type's members read at `address`. With a PDB every type the kernel
// has is known, so embedded structs are opened as WinDbg's dt -r does; other profiles give their
// members only.
Expected<kernel::TypeDump> dumpType(const kernel::KernelContext& kernel, const std::string& type,
                                    std::uint64_t address, const std::string& pattern);

} // namespace dumpprocs::analysis
