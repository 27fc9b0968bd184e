#pragma once
// VirtualMemory: what the kernel and view layers read kernel virtual memory through. The memory
// floor: implemented by addrspace's X64AddressSpace (page tables over physical memory) and by
// dumpfile's TriageMemory (a triage dump's saved virtual ranges, which have no page tables).

#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "dumpprocs/support/expected.hpp"

namespace dumpprocs {

struct Translation {
    enum class Via { Hardware, Transition, Saved };
    std::uint64_t physical = 0;  // physical address of the byte asked for (Saved: file offset)
    std::uint64_t page_size = 0; // 0x1000, 0x200000 or 0x40000000 (Saved: the block's size)
    Via via = Via::Hardware;
};

// [va, va+length): a range a walker will read soon (VirtualMemory::prefetch).
struct VirtualRange {
    std::uint64_t va = 0;
    std::uint64_t length = 0;
};

class VirtualMemory {
  public:
    virtual ~VirtualMemory() = default;

    // Where `va` lies; the error says why it cannot be read.
    virtual Expected<Translation> translate(std::uint64_t va) const = 0;

    // Reads [va, va+out.size()); the error names the first failing address.
    virtual Expected<void> read(std::uint64_t va, std::span<std::byte> out) const = 0;

    // Asks for the pages of `ranges`, and the page tables that map them, to be brought into the
    // physical source's cache in as few reads as it can (PhysicalMemory::prefetchPages), before
    // a walker reads them one by one. Only a hint: it changes no result and reports nothing; a
    // range that cannot be translated or read is skipped and fails later exactly as it would
    // have. The default does nothing.
    virtual void prefetch(std::span<const VirtualRange> /*ranges*/) const {}

    // True when `va` is backed by physical memory (false for a triage dump's saved ranges).
    virtual bool hasPhysicalBacking() const { return true; }

    Expected<std::vector<std::byte>> readBytes(std::uint64_t va, std::size_t length) const {
        std::vector<std::byte> bytes(length);
        DP_CHECK(read(va, bytes));
        return bytes;
    }

    template <typename T> Expected<T> read(std::uint64_t va) const {
        static_assert(std::is_trivially_copyable_v<T>);
        T value;
        DP_CHECK(read(va, std::span<std::byte>(reinterpret_cast<std::byte*>(&value), sizeof(T))));
        return value;
    }

    bool isReadable(std::uint64_t va) const { return translate(va).has_value(); }
};

} // namespace dumpprocs
