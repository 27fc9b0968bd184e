#pragma once
// _HANDLE_TABLE walking (kernel-structures.md §8): 1, 2 or 3 levels selected by TableCode's low
// bits, 16-byte entries, object pointers decoded per era.

#include <cstdint>
#include <string>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/layout.hpp"

namespace dumpprocs::kernel {

struct HandleEntry {
    std::uint64_t handle = 0;        // handle value (= PID/TID in PspCidTable)
    std::uint64_t object = 0;        // decoded pointer (object body in PspCidTable)
    std::uint64_t entry_address = 0; // where the entry lies
};

struct HandleTableWalk {
    std::uint64_t table = 0;
    std::uint64_t table_code = 0;
    unsigned levels = 0; // 1, 2 or 3
    std::vector<HandleEntry> entries;
    std::vector<std::string> warnings; // unreadable pages, undecodable entries
    bool complete = true;
    // Why it is not: each page of the table that could not be read or cannot be trusted (the
    // warnings above may be capped; these are not, up to one per page).
    std::vector<std::string> gaps;
};

// Decodes one entry's first quadword per era; 0 for a free entry.
std::uint64_t decodeHandleEntry(std::uint64_t low_value, HandleEntryEra era);

// Fails when the table header cannot be read or its level code is not 0..2.
Expected<HandleTableWalk> walkHandleTable(const VirtualMemory& as, std::uint64_t table,
                                          const HandleTableLayout& layout);

} // namespace dumpprocs::kernel
