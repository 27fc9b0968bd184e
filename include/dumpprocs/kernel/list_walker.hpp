#pragma once
// Bounded, defensive LIST_ENTRY ring walks shared by every list view and --validate-list.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/formats/nt.hpp"

namespace dumpprocs::kernel {

struct ListWalk {
    std::vector<std::uint64_t> nodes;    // LIST_ENTRY addresses after `start`, in Flink order
    bool closed = false;                 // the walk came back to `start`
    std::size_t recovered_backwards = 0; // nodes found by walking Blink after a break
    std::vector<std::string> warnings;   // each names the address where something was wrong
    // Every member of the ring is known, so a node the walk does not list is not on the ring:
    // the Flink walk closed with every Blink pointing back, or it broke and the Blink walk from
    // `start` came back to the last node it reached (or stopped at the same unreadable node,
    // which is then listed among `nodes` although it could not be read).
    bool exhaustive = false;
    // When not exhaustive: where each direction stopped and why, for the evidence of verdicts.
    std::string gap;
};

struct ListWalkOptions {
    std::size_t max_nodes = 1u << 20; // a cap, reported when hit
    bool recover_backwards = true;    // after a broken Flink, walk Blink from `start` too
    // The LIST_ENTRY at an address as an earlier read of the same memory decoded it (the process
    // catalog's objects), or nullopt: the walk then reads it. Saves reading a page again that a
    // bounded page cache has let go; it must give only what a read would.
    std::function<std::optional<formats::ListEntry64>(std::uint64_t entry)> known_links;
};

// Follows Flink from `start` until it comes back. Stops at an unreadable or non-canonical Flink,
// a cycle that does not pass through `start`, or the cap; warns when a Blink does not point back.
ListWalk walkList(const VirtualMemory& as, std::uint64_t start,
                  const ListWalkOptions& options = {});

struct ListValidation {
    std::size_t forward_entries = 0;  // entries reached by Flink before the end or a break
    std::size_t backward_entries = 0; // by Blink
    bool forward_closed = false, backward_closed = false;
    std::vector<std::string> problems;
};

// WinDbg's !validatelist: walks the ring both ways and reports its length or where it breaks.
ListValidation validateList(const VirtualMemory& as, std::uint64_t head, std::size_t max_nodes);

} // namespace dumpprocs::kernel
