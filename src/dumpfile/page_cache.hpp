#pragma once
// PageCache: a fixed set of page-sized slots that X64AddressSpace's small reads are served from.
// A miss reads the whole 4 KiB page into its slot with one pread(2); a hit is a memcpy.
//
// Why not read from the mapping: the pages a kernel walk touches lie far apart in a big dump (on
// a 1 TiB machine nearly every EPROCESS is in its own 2 MiB of the file), and the first touch of
// a mapped page costs a page fault, a page-table page and, at unmap, its teardown. On the
// benchmark machine (docs/performance.md) that is ~140 us per page, against a few us for a pread
// into memory that is already resident. The slots are one region, asked for with huge pages, so
// they fault in a few 2 MiB steps, and they are reused: memory does not grow with the dump.
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
    static constexpr std::size_t kSlots = 4096;  // 16 MiB, direct-mapped by PFN

    explicit PageCache(const MappedFile& file);
    ~PageCache();
    PageCache(const PageCache&) = delete;
    PageCache& operator=(const PageCache&) = delete;

    // Copies [offset, offset+out.size()) of page `pfn` if it is cached; false otherwise.
    bool copyCached(std::uint64_t pfn, std::size_t offset, std::span<std::byte> out) const;
    // Reads page `pfn` from `file_offset` (inside the file: the caller checked) into its slot,
    // then copies as copyCached; false when the read fails.
    bool readAndCopy(std::uint64_t pfn, std::uint64_t file_offset, std::size_t offset,
                     std::span<std::byte> out);

private:
    std::byte* slot(std::size_t index) const { return storage_ + index * kPageBytes; }

    const MappedFile& file_;
    std::byte* storage_ = nullptr;  // kSlots pages, anonymous mapping
    std::vector<std::uint64_t> tags_;  // PFN held by each slot, kEmpty when none
    mutable std::mutex mutex_;
};

} // namespace dumpprocs::dumpfile
