#include "dumpprocs/addrspace/kernel_reverse_map.hpp"

namespace dumpprocs {
namespace {

// dump-format.md §5: entry bits and frame masks.
constexpr std::uint64_t kPresent = 1ULL << 0;
constexpr std::uint64_t kLargePage = 1ULL << 7;
constexpr std::uint64_t kFrameMask = 0x000FFFFFFFFFF000ULL;
constexpr std::uint64_t k2MFrameMask = 0x000FFFFFFFE00000ULL;
constexpr std::uint64_t k1GFrameMask = 0x000FFFFFC0000000ULL;
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
    const std::uint64_t pml4 = directory_table_base & kFrameMask;
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
    ++tables_read_;
    const unsigned shift = 39 - 9 * static_cast<unsigned>(level);
    for (unsigned i = level == 0 ? kKernelHalfFirstEntry : 0; i < 512; ++i) {
        const auto entry = page->readUnchecked<std::uint64_t>(i * 8ULL);
        if (!(entry & kPresent))
            continue;
        const std::uint64_t va = signExtend(va_base | (std::uint64_t{i} << shift));
        if (level == 0 && ((entry & kFrameMask) >> kPageShift) == self_pfn_)
            continue; // the self-reference entry maps the page tables, not data
        if (level == 1 && (entry & kLargePage))
            leaf((entry & k1GFrameMask) >> kPageShift, 1ULL << 18, va);
        else if (level == 2 && (entry & kLargePage))
            leaf((entry & k2MFrameMask) >> kPageShift, 512, va);
        else if (level == 3)
            leaf((entry & kFrameMask) >> kPageShift, 1, va);
        else if (!(entry & kLargePage))
            walk(entry & kFrameMask, level + 1, va);
    }
}

void KernelReverseMap::leaf(std::uint64_t first_pfn, std::uint64_t pages, std::uint64_t va) {
    for (auto it = wanted_->lower_bound(first_pfn); it != wanted_->end() && *it < first_pfn + pages;
         ++it)
        pages_.emplace(*it, va + ((*it - first_pfn) << kPageShift)); // keeps the first (lowest)
}

std::optional<std::uint64_t> KernelReverseMap::virtualOf(std::uint64_t pa) const {
    auto it = pages_.find(pa >> kPageShift);
    if (it == pages_.end())
        return std::nullopt;
    return it->second | (pa & (kPageSize - 1));
}

} // namespace dumpprocs
