#pragma once
// The Process type object (_OBJECT_TYPE named "Process") and the kernel's own counts of its
// objects and handles: a witness no list edit changes, since every process object, linked or not,
// is counted in TotalNumberOfObjects until it is freed.

#include <cstdint>
#include <string>

#include "dumpprocs/kernel/kernel_context.hpp"

namespace dumpprocs::kernel {

struct ProcessTypeCounts {
    std::uint64_t type_object = 0;   // the _OBJECT_TYPE
    std::uint64_t index_table = 0;   // nt!ObTypeIndexTable
    std::uint32_t total_objects = 0; // TotalNumberOfObjects
    std::uint32_t total_handles = 0; // TotalNumberOfHandles
    std::string source;              // how nt!ObTypeIndexTable was found
};

// nt!ObTypeIndexTable from the symbol data when it names it, else from its shape in the kernel
// image's .data (slot 0 null, slot 1 Windows' 0xbad0b0b0, then _OBJECT_TYPEs whose Index is their
// slot); then the slot whose type is named "Process". Fails saying why it cannot be found (no
// kernel image, the members missing from the profile, no table of that shape).
Expected<ProcessTypeCounts> findProcessTypeCounts(const KernelContext& k);

} // namespace dumpprocs::kernel
