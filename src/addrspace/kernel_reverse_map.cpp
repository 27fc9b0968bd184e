#include "dumpprocs/addrspace/kernel_reverse_map.hpp"

#include <array>

#include "dumpprocs/formats/x64_paging.hpp"

namespace dumpprocs {
namespace {

constexpr unsigned kKernelHalfFirstEntry = 256;

std::uint64_t signExtend(std::uint64_t va) {
    return (va & (1ULL << 47)) ? (va | 0xFFFF000000000000ULL) : va;
}

} // namespace

KernelReverseMap KernelReverseMap::build(const PhysicalMemory& memory,
                                         std::uint64_t directory_table_base,
                                         const std::set<std::uint64_t>& wanted,
                                         const ReverseMapLimits& limits) {
    KernelReverseMap map;
    map.memory_ = &memory;
    map.wanted_ = &wanted;
    map.limits_ = limits;
    const std::uint64_t pml4 = formats::pte::directoryTableFrame(directory_table_base);
    map.self_pfn_ = pml4 >> kPageShift;
    if (!wanted.empty())
        map.walk(pml4, 0, 0);
    map.wanted_ = nullptr;
    return map;
}

void KernelReverseMap::walk(std::uint64_t table_pa, int level, std::uint64_t va_base) {
    if (!visited_tables_.insert(table_pa >> kPageShift).second)
        return;
    if (tables_read_ >= limits_.max_tables) {
        truncated_ = true;
        return;
    }
    auto page = memory_->page(table_pa >> kPageShift);
    if (!page) {
        ++tables_missing_;
        return;
    }
    std::array<std::uint64_t, formats::pte::kEntriesPerTable> entries;
    if (!page->readArray(0, std::span(entries))) {
        ++tables_missing_;
        return;
    }
    ++tables_read_;
    const unsigned shift = 39 - 9 * static_cast<unsigned>(level);
    for (unsigned i = level == 0 ? kKernelHalfFirstEntry : 0; i < formats::pte::kEntriesPerTable;
         ++i) {
        const std::uint64_t entry = entries[i];
        const std::uint64_t va = signExtend(va_base | (std::uint64_t{i} << shift));
        if (!(entry & formats::pte::kPresent)) {
            // A transition PTE still names its frame, and X64AddressSpace translates through it
            // (only at the last level, as the translation does): the page's data is in RAM.
            if (level == 3)
                if (auto frame = formats::pte::transitionFrame(entry))
                    leaf(*frame >> kPageShift, 1, va, Via::Transition);
            continue;
        }
        if (level == 0 && ((entry & formats::pte::kFrameMask) >> kPageShift) == self_pfn_)
            continue; // the self-reference entry maps the page tables, not data
        if (level == 1 && (entry & formats::pte::kLargePage))
            leaf((entry & formats::pte::k1GFrameMask) >> kPageShift, 1ULL << 18, va, Via::Valid);
        else if (level == 2 && (entry & formats::pte::kLargePage))
            leaf((entry & formats::pte::k2MFrameMask) >> kPageShift, 512, va, Via::Valid);
        else if (level == 3)
            leaf((entry & formats::pte::kFrameMask) >> kPageShift, 1, va, Via::Valid);
        else if (!(entry & formats::pte::kLargePage))
            walk(entry & formats::pte::kFrameMask, level + 1, va);
    }
}

// Keeps the first (lowest) address of a page, except that a valid mapping replaces one through a
// transition PTE: the valid one is what the kernel uses now.
void KernelReverseMap::leaf(std::uint64_t first_pfn, std::uint64_t pages, std::uint64_t va,
                            Via via) {
    for (auto it = wanted_->lower_bound(first_pfn); it != wanted_->end() && *it < first_pfn + pages;
         ++it) {
        const Mapping m{va + ((*it - first_pfn) << kPageShift), via};
        auto [at, inserted] = pages_.emplace(*it, m);
        if (!inserted && at->second.via == Via::Transition && via == Via::Valid)
            at->second = m;
    }
}

std::optional<KernelReverseMap::Mapping> KernelReverseMap::lookup(std::uint64_t pa) const {
    auto it = pages_.find(pa >> kPageShift);
    if (it == pages_.end())
        return std::nullopt;
    return Mapping{it->second.virtual_address | (pa & (kPageSize - 1)), it->second.via};
}

std::optional<std::uint64_t> KernelReverseMap::virtualOf(std::uint64_t pa) const {
    if (auto m = lookup(pa))
        return m->virtual_address;
    return std::nullopt;
}

} // namespace dumpprocs
