#pragma once
// KernelReverseMap: physical page -> kernel virtual address, for a chosen set of physical pages,
// found by walking the kernel half (PML4 entries 256..511) of the page tables once. A page is
// found through a valid entry (4 KiB, 2 MiB or 1 GiB) or through a transition PTE, which still
// names its frame (the forward translation reads through both). The walk skips
// the self-reference entry (it maps the tables themselves), visits each table page at most once
// and stops after a bounded number of tables, so it terminates on any bytes.

#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "dumpprocs/memory/physical_memory.hpp"

namespace dumpprocs {

struct ReverseMapLimits {
    std::uint64_t max_tables = 1ULL << 18; // 1 GiB of page tables read at most
};

class KernelReverseMap {
  public:
    // `wanted`: the page frame numbers to find a virtual address for.
    static KernelReverseMap build(const PhysicalMemory& memory, std::uint64_t directory_table_base,
                                  const std::set<std::uint64_t>& wanted,
                                  const ReverseMapLimits& limits = {});

    enum class Via { Valid, Transition };
    struct Mapping {
        std::uint64_t virtual_address = 0;
        Via via = Via::Valid;
    };
    // The kernel virtual address of physical address `pa`, when its page was wanted and mapped,
    // and the kind of entry that maps it. A page mapped at several addresses gives the lowest
    // one mapped by a valid entry, else the lowest one mapped by a transition PTE.
    std::optional<Mapping> lookup(std::uint64_t pa) const;
    std::optional<std::uint64_t> virtualOf(std::uint64_t pa) const; // lookup()'s address

    std::uint64_t tablesRead() const { return tables_read_; }
    std::uint64_t tablesMissing() const { return tables_missing_; } // present entries, absent page
    bool truncated() const { return truncated_; }                   // the table budget ran out
    std::size_t size() const { return pages_.size(); }

  private:
    void walk(std::uint64_t table_pa, int level, std::uint64_t va_base);
    void leaf(std::uint64_t first_pfn, std::uint64_t pages, std::uint64_t va, Via via);

    const PhysicalMemory* memory_ = nullptr;
    const std::set<std::uint64_t>* wanted_ = nullptr;
    ReverseMapLimits limits_;
    std::uint64_t self_pfn_ = 0;
    std::set<std::uint64_t> visited_tables_;
    std::map<std::uint64_t, Mapping> pages_; // pfn -> virtual page address
    std::uint64_t tables_read_ = 0, tables_missing_ = 0;
    bool truncated_ = false;
};

} // namespace dumpprocs
