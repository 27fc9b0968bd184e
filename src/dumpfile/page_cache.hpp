#pragma once
// PageCache: a bounded set of page-sized slots that X64AddressSpace's small reads are served from.
// A miss reads the whole 4 KiB page into a slot with one pread(2); a hit is a memcpy. A batch
// (readBatch, what PhysicalMemory::prefetchPages asks for) reads many pages sorted by file offset,
// pages that follow each other in the file with one preadv(2).
//
// Why not read from the mapping: the pages a kernel walk touches lie far apart in a big dump (on
// a 1 TiB machine nearly every EPROCESS is in its own 2 MiB of the file), and the first touch of
// a mapped page costs a page fault, a page-table page and, at unmap, its teardown. On the
// benchmark machine (docs/performance.md) that is ~140 us per page, against a few us for a pread
// into memory that is already resident. Slots are handed out in order, so only as much memory
// becomes resident as pages were read. When all are used a slot is taken back by CLOCK with a
// small use count (each hit adds one, up to 3; the hand takes one off as it passes): pages read
// again and again, the page tables above all, stay; pages read once leave first.
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
    static constexpr std::size_t kDefaultSlots = 2048; // 8 MiB at most

    struct PageRead {
        std::uint64_t pfn = 0;
        std::uint64_t file_offset = 0; // inside the file: the caller checked
    };
    struct Stats {
        std::uint64_t hits = 0, misses = 0; // copyCached / readAndCopy calls
        std::uint64_t pages_read = 0;       // pages read from the file, batches included
        std::uint64_t read_calls = 0;       // pread/preadv calls
        std::uint64_t evictions = 0;
    };

    explicit PageCache(const MappedFile& file, std::size_t slots = kDefaultSlots);
    ~PageCache();
    PageCache(const PageCache&) = delete;
    PageCache& operator=(const PageCache&) = delete;

    std::size_t slots() const { return slots_; }
    bool contains(std::uint64_t pfn) const;

    // Copies [offset, offset+out.size()) of page `pfn` if it is cached; false otherwise.
    bool copyCached(std::uint64_t pfn, std::size_t offset, std::span<std::byte> out) const;
    // Reads page `pfn` from `file_offset` (inside the file: the caller checked) into a slot,
    // then copies as copyCached; false when the read fails.
    bool readAndCopy(std::uint64_t pfn, std::uint64_t file_offset, std::size_t offset,
                     std::span<std::byte> out);
    // Reads the pages not cached yet, in file-offset order, runs of adjacent pages with one
    // preadv(2). At most half the slots are filled by one call (the rest are left out), so a batch
    // never evicts its own pages. A page whose read fails is left out: the read that needs it
    // later fails or falls back exactly as without the batch.
    void readBatch(std::span<const PageRead> pages);

    Stats stats() const;

  private:
    std::byte* slot(std::size_t index) const { return storage_ + index * kPageBytes; }
    // The index position holding `pfn`, or the empty one where it would go.
    std::size_t position(std::uint64_t pfn) const;
    std::size_t home(std::uint64_t pfn) const;
    // A free slot: a fresh one while there are any, else the CLOCK victim (unindexed).
    std::size_t takeSlot();
    void erase(std::size_t at);
    void install(std::uint64_t pfn, std::size_t slot_index);

    const MappedFile& file_;
    std::size_t slots_;
    std::size_t index_bits_;
    std::byte* storage_ = nullptr;         // slots_ pages, anonymous mapping; null: no cache
    std::vector<std::uint64_t> index_pfn_; // open addressing, 2x the slots, kEmpty when free
    std::vector<std::uint32_t> index_slot_;
    std::vector<std::uint64_t> slot_pfn_;         // what each slot holds (kEmpty: nothing)
    mutable std::vector<std::uint8_t> slot_uses_; // CLOCK use count, 0..3
    std::size_t used_ = 0;                        // slots handed out
    std::size_t hand_ = 0;
    mutable Stats stats_;
    mutable std::mutex mutex_;
};

} // namespace dumpprocs::dumpfile
