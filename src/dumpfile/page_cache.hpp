#pragma once
// PageCache: a fixed set of page-sized slots that X64AddressSpace's small reads are served from.
// A miss reads the whole 4 KiB page into its slot with one pread(2); a hit is a memcpy.
//
// Why not read from the mapping: the pages a kernel walk touches lie far apart in a big dump (on
// a 1 TiB machine nearly every EPROCESS is in its own 2 MiB of the file), and the first touch of
// a mapped page costs a page fault, a page-table page and, at unmap, its teardown. On the
// benchmark machine (docs/performance.md) that is ~140 us per page, against a few us for a pread
// into memory that is already resident. Slots are handed out in order, so only as much memory
// becomes resident as pages were read; when all are used the cache starts over (a walk of a
// machine with more pages than slots then reads some pages twice, and memory stays bounded).
// page() still hands out views of the mapping, for callers that keep them or scan whole runs.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

namespace dumpprocs::dumpfile {

class MappedFile;

class PageCache {
  public:
    static constexpr std::size_t kPageBytes = 0x1000;
    static constexpr std::size_t kSlots = 16384;  // 64 MiB at most
    static constexpr std::size_t kIndexBits = 15; // open-addressing index, 2x the slots
    static constexpr std::size_t kIndexSize = std::size_t{1} << kIndexBits;

    explicit PageCache(const MappedFile& file);
    ~PageCache();
    PageCache(const PageCache&) = delete;
    PageCache& operator=(const PageCache&) = delete;

    // Copies [offset, offset+out.size()) of page `pfn` if it is cached; false otherwise.
    bool copyCached(std::uint64_t pfn, std::size_t offset, std::span<std::byte> out) const;
    // Reads page `pfn` from `file_offset` (inside the file: the caller checked) into a slot,
    // then copies as copyCached; false when the read fails.
    bool readAndCopy(std::uint64_t pfn, std::uint64_t file_offset, std::size_t offset,
                     std::span<std::byte> out);

  private:
    std::byte* slot(std::size_t index) const { return storage_ + index * kPageBytes; }
    // The index position holding `pfn`, or the empty one where it would go.
    std::size_t position(std::uint64_t pfn) const;

    const MappedFile& file_;
    std::byte* storage_ = nullptr;         // kSlots pages, anonymous mapping; null: no cache
    std::vector<std::uint64_t> index_pfn_; // kIndexSize entries, kEmpty when free
    std::vector<std::uint32_t> index_slot_;
    std::size_t used_ = 0; // slots handed out
    mutable std::mutex mutex_;
};

} // namespace dumpprocs::dumpfile
