#pragma once
// PhysicalMemory: what the address-space layer and the scanners need from a source of physical
// pages (a crash dump's run list or bitmap, a raw image). The memory floor: implemented by the
// dumpfile layer (and addrspace's FlatPhysicalMemory), used by addrspace and kernel.

#include <cstdint>
#include <functional>
#include <span>

#include "dumpprocs/formats/x64_paging.hpp"
#include "dumpprocs/support/byte_view.hpp"

namespace dumpprocs {

using formats::kPageShift;
using formats::kPageSize;

class PhysicalMemory {
  public:
    virtual ~PhysicalMemory() = default;

    // The 4 KiB page with frame number `pfn`, straight from the mapping (no copy). Fails with
    // PageNotInDump when the dump does not hold it, naming the physical address.
    virtual Expected<ByteView> page(std::uint64_t pfn) const = 0;

    // Copies bytes [offset, offset+out.size()) of page `pfn`; offset + size must not pass 4 KiB.
    // Fails as page() does. The default copies out of page(); a source may serve small reads
    // from a cache instead (X64AddressSpace reads every page-table entry and value this way).
    virtual Expected<void> copyFromPage(std::uint64_t pfn, std::size_t offset,
                                        std::span<std::byte> out) const;

    // Asks the source to bring pages `pfns` into its cache in few reads (a file-backed source
    // sorts them by file offset and reads adjacent ones with one preadv(2)), because a walker
    // knows them before it reads them. Only a hint: it changes no result and reports nothing; a
    // page the source does not hold is skipped, and the read that needs it fails as it would
    // have. The default does nothing.
    virtual void prefetchPages(std::span<const std::uint64_t> /*pfns*/) const {}

    // One past the highest frame number the source can hold (bitmap span, last run end).
    virtual std::uint64_t pageSpan() const = 0;

    // Number of pages actually present.
    virtual std::uint64_t presentPageCount() const = 0;

    // Calls `visit(first_pfn, page_count, bytes)` for every maximal run of present pages whose
    // bytes are contiguous in the source, in ascending PFN order. Used by scanners.
    virtual void forEachPresentRange(
        const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const = 0;

    // The bytes a scanner should read for `range` (a part of what forEachPresentRange handed
    // out): by default `range` itself. A file-backed source copies them into `buffer` (at least
    // range.size() bytes) with pread(2) and returns a view of the copy with the same base: on the
    // benchmark machine scanning a file mapping runs at 2 GB/s (a TLB miss and a fault per 4 KiB
    // page), a copy into a huge-page buffer at 11 GB/s, and the process does not grow by the size
    // of the dump. Falls back to `range` when the copy fails.
    virtual ByteView scanBytes(const ByteView& range, std::span<std::byte> /*buffer*/) const {
        return range;
    }
};

// Copies physical bytes [pa, pa+out.size()) that may cross page boundaries.
Expected<void> readPhysical(const PhysicalMemory& memory, std::uint64_t pa,
                            std::span<std::byte> out);

} // namespace dumpprocs
