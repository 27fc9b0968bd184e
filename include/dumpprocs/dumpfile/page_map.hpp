#pragma once
// PhysicalPageMap: where each physical page of a dump lies in the file. One implementation per
// storage scheme: packed runs (type 1, RDMP ranges) and a bitmap with a rank index (types 5/6).
// Lookups are O(log runs) or O(1); nothing is sized by the amount of RAM beyond the bitmap.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace dumpprocs::dumpfile {

struct PhysicalRun {
    std::uint64_t base_page = 0;
    std::uint64_t page_count = 0;
};

class PhysicalPageMap {
  public:
    virtual ~PhysicalPageMap() = default;
    // File offset of page `pfn`, or nullopt when the dump does not store it.
    virtual std::optional<std::uint64_t> fileOffset(std::uint64_t pfn) const = 0;
    // Maximal runs of stored pages, ascending; each run is contiguous in the file.
    virtual std::vector<PhysicalRun> runs() const = 0;
    virtual std::uint64_t presentPages() const = 0;
    virtual std::uint64_t pageSpan() const = 0;
};

// Runs packed back to back from `first_page_offset` (type 1 at 0x2000, RDMP at FirstPageOffset).
class RunPageMap final : public PhysicalPageMap {
  public:
    RunPageMap(std::vector<PhysicalRun> runs, std::uint64_t first_page_offset);
    std::optional<std::uint64_t> fileOffset(std::uint64_t pfn) const override;
    std::vector<PhysicalRun> runs() const override { return runs_; }
    std::uint64_t presentPages() const override { return total_; }
    std::uint64_t pageSpan() const override;

  private:
    std::vector<PhysicalRun> runs_;          // ascending, non-overlapping (checked by the caller)
    std::vector<std::uint64_t> first_index_; // pages stored before run i
    std::uint64_t first_page_offset_;
    std::uint64_t total_ = 0;
};

// Bit n set <=> PFN n stored; stored pages follow each other from `first_page_offset` in PFN
// order. The rank index keeps the number of set bits before every block of 8 words.
class BitmapPageMap final : public PhysicalPageMap {
  public:
    // `words` points into the mapped file and must outlive the map.
    BitmapPageMap(std::span<const std::uint64_t> words, std::uint64_t bit_count,
                  std::uint64_t first_page_offset);
    std::optional<std::uint64_t> fileOffset(std::uint64_t pfn) const override;
    std::vector<PhysicalRun> runs() const override;
    std::uint64_t presentPages() const override { return total_; }
    std::uint64_t pageSpan() const override { return bits_; }

  private:
    std::uint64_t word(std::size_t i) const;
    static std::uint64_t bitsSet(std::uint64_t w);
    static constexpr std::size_t kWordsPerBlock = 8;
    std::span<const std::uint64_t> words_;
    std::uint64_t bits_;
    std::uint64_t first_page_offset_;
    std::vector<std::uint64_t> block_rank_;
    std::uint64_t total_ = 0;
};

// Appends the runs of set bits of `words` (words[0] holds bits first_word*64 .. +63) to `runs`,
// extending its last run when they touch; bits at or past `bit_count` are ignored. Returns false,
// leaving `runs` partial, once more than `max_runs` runs would be needed. Lets a bitmap dump be
// read in chunks into a RunPageMap when its RAM is a few runs, as a complete dump's is.
bool appendBitmapRuns(std::span<const std::uint64_t> words, std::uint64_t first_word,
                      std::uint64_t bit_count, std::vector<PhysicalRun>& runs,
                      std::size_t max_runs);

} // namespace dumpprocs::dumpfile
