#pragma once
// X64AddressSpace: x64 four-level translation of kernel virtual addresses over PhysicalMemory,
// rooted at a DirectoryTableBase, with typed reads that say exactly which address failed and why.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dumpprocs/memory/physical_memory.hpp"
#include "dumpprocs/memory/virtual_memory.hpp"

namespace dumpprocs {

inline bool isCanonical(std::uint64_t va) noexcept {
    const std::uint64_t top = va >> 47;
    return top == 0 || top == 0x1FFFF;
}
inline bool isKernelAddress(std::uint64_t va) noexcept {
    return (va >> 47) == 0x1FFFF;
}

class X64AddressSpace final : public VirtualMemory {
  public:
    // `directory_table_base` may carry PCID bits in 11:0; they are masked off.
    X64AddressSpace(const PhysicalMemory& memory, std::uint64_t directory_table_base);

    std::uint64_t directoryTableBase() const noexcept { return dtb_; }
    const PhysicalMemory& physical() const noexcept { return *memory_; }

    // Errors: NonCanonical, NotMapped (names the level and entry), PagedOut, Prototype,
    // PageNotInDump (a page table is absent from the dump). The data page itself is not looked
    // up: read() fails when it is absent.
    Expected<Translation> translate(std::uint64_t va) const override;

    // Reads [va, va+out.size()) across page boundaries; the error names the first failing address.
    Expected<void> read(std::uint64_t va, std::span<std::byte> out) const override;
    using VirtualMemory::read;

    // Translates the ranges' pages level by level, each level's table pages asked for in one
    // batch, then asks for the data pages (at most kMaxPrefetchPages pages per call).
    void prefetch(std::span<const VirtualRange> ranges) const override;
    static constexpr std::size_t kMaxPrefetchPages = 1024;

  private:
    const PhysicalMemory* memory_;
    std::uint64_t dtb_;
    // Small direct-mapped cache of page translations (virtual page -> physical page); reads walk
    // the same pages again and again while following lists.
    struct CacheSlot {
        std::uint64_t vpage = ~0ULL;
        std::uint64_t ppage = 0;
        std::uint64_t page_size = 0;
        Translation::Via via = Translation::Via::Hardware;
    };
    static constexpr std::size_t kCacheSlots = 1024;
    mutable std::vector<CacheSlot> cache_;
};

} // namespace dumpprocs
