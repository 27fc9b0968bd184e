#pragma once
// x64 paging (dump-format.md §5): the page size, the one page-table entry type with its bits and
// frame masks, in one place for everything that reads page tables forwards (X64AddressSpace),
// backwards (KernelReverseMap) or finds their root (a DirectoryTableBase from a dump header, an
// _EPROCESS or a raw-image scan).

#include <cstdint>
#include <optional>

namespace dumpprocs::formats {

inline constexpr std::uint64_t kPageSize = 0x1000;
inline constexpr unsigned kPageShift = 12;
static_assert(kPageSize == 1ULL << kPageShift);

namespace pte {

inline constexpr unsigned kEntriesPerTable = 512;
inline constexpr std::uint64_t kPresent = 1ULL << 0;
inline constexpr std::uint64_t kUser = 1ULL << 2;
inline constexpr std::uint64_t kLargePage = 1ULL << 7;
inline constexpr std::uint64_t kPrototype = 1ULL << 10;
inline constexpr std::uint64_t kTransition = 1ULL << 11;
inline constexpr std::uint64_t kFrameMask = 0x000FFFFFFFFFF000ULL;           // bits 12..51
inline constexpr std::uint64_t kTransitionFrameMask = 0x00001FFFFFFFF000ULL; // 12..44 (45: flag)
inline constexpr std::uint64_t k2MFrameMask = 0x000FFFFFFFE00000ULL;
inline constexpr std::uint64_t k1GFrameMask = 0x000FFFFFC0000000ULL;

// One entry of any of the four levels (PML4E, PDPTE, PDE, PTE), as the tables store it.
struct Entry {
    std::uint64_t raw;

    constexpr bool present() const noexcept { return raw & kPresent; }
    constexpr bool user() const noexcept { return raw & kUser; }
    constexpr bool largePage() const noexcept { return raw & kLargePage; }
    constexpr std::uint64_t frame() const noexcept { return raw & kFrameMask; }
};
static_assert(sizeof(Entry) == 8);

// A DirectoryTableBase (CR3 as the kernel stores it, in the dump header and in every
// _KPROCESS) may carry a PCID in bits 0..11 on any build that uses PCIDs: 8.1 dumps have been
// seen with one in every process, 10+ ones in the header. The table is always the frame.
inline constexpr std::uint64_t kDirectoryTableBaseFrameMask = kFrameMask;
inline constexpr std::uint64_t directoryTableFrame(std::uint64_t directory_table_base) noexcept {
    return directory_table_base & kDirectoryTableBaseFrameMask;
}

// The physical page a not-present leaf PTE still names: a transition PTE (P=0, Prototype=0,
// Transition=1) keeps its frame in RAM, on the standby or modified list, with the data intact.
inline std::optional<std::uint64_t> transitionFrame(std::uint64_t entry) noexcept {
    if ((entry & kPresent) || (entry & kPrototype) || !(entry & kTransition))
        return std::nullopt;
    return entry & kTransitionFrameMask;
}

} // namespace pte
} // namespace dumpprocs::formats
