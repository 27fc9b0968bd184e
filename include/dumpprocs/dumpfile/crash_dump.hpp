#pragma once
// CrashDump: a Windows x64 crash dump, memory-mapped read-only. Opening parses and checks the
// whole DUMP_HEADER64 against the file and builds the physical page map; the dump is never written.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/dumpfile/page_map.hpp"
#include "dumpprocs/dumpfile/triage_dump.hpp"
#include "dumpprocs/memory/physical_memory.hpp"

namespace dumpprocs::dumpfile {

// "full (complete memory dump)", "bitmap kernel", ..., "unknown dump type 0x2a".
std::string dumpTypeName(std::uint32_t code);

struct ContextRecord {
    std::uint32_t context_flags = 0;
    std::uint32_t mx_csr = 0, flt_save_mx_csr = 0;
    std::uint16_t seg_cs = 0, seg_ds = 0, seg_es = 0, seg_fs = 0, seg_gs = 0, seg_ss = 0;
    std::uint32_t eflags = 0;
    std::uint64_t rip = 0, rsp = 0, rbp = 0;
};

struct ExceptionRecord {
    std::uint32_t code = 0, flags = 0;
    std::uint64_t address = 0;
};

// Decoded DUMP_HEADER64. Fields Windows left as the "PAGE" filler are nullopt ("absent").
struct HeaderInfo {
    std::uint32_t major_version = 0, minor_version = 0; // minor = NT build number
    std::uint64_t directory_table_base = 0;             // raw: may carry PCID bits in 11:0
    std::optional<std::uint64_t> pfn_database, ps_loaded_module_list, ps_active_process_head,
        kd_debugger_data_block;
    std::uint32_t machine_image_type = 0, number_processors = 0, bugcheck_code = 0;
    std::array<std::uint64_t, 4> bugcheck_parameters{};
    std::uint32_t dump_type = 0;
    std::optional<std::uint64_t> required_dump_space, system_time, system_uptime;
    std::string comment, version_user;
    std::optional<std::uint32_t> mini_dump_fields, secondary_data_state, product_type, suite_mask,
        writer_status, attributes, boot_id;
    std::optional<std::uint8_t> kd_secondary_version;
    ContextRecord context;
    ExceptionRecord exception;
};

class MappedFile;
class PageCache;

// A file shorter than its header says: a copy cut short, or a writer that stopped early (the
// page file was too small: WinDbg's "dump file is incomplete").
struct Truncation {
    std::uint64_t file_size = 0;
    std::uint64_t expected_size = 0; // where the last page the header lists ends
    std::uint64_t pages = 0;         // pages the page map (runs, bitmap, RDMP ranges) lists
    std::uint64_t missing_pages = 0; // of them, those past the end of the file
    // One line: how much is missing in bytes, pages and per cent, and what follows from it.
    std::string describe() const;
};

class CrashDump final : public PhysicalMemory {
  public:
    static Expected<std::unique_ptr<CrashDump>> open(const std::filesystem::path& path);
    ~CrashDump() override;

    const HeaderInfo& header() const { return header_; }
    const std::filesystem::path& path() const { return path_; }
    std::uint64_t fileSize() const;
    ByteView fileBytes() const;
    bool hasPhysicalMemory() const { return page_map_ != nullptr; }
    std::vector<PhysicalRun> runs() const;
    // The file's problems, the truncation (when there is one) first.
    const std::vector<std::string>& warnings() const { return warnings_; }
    const std::optional<Truncation>& truncation() const { return truncation_; }
    const std::optional<TriageInfo>& triage() const { return triage_; }
    // The virtual memory a triage dump saved (nullptr for other types).
    const TriageMemory* triageMemory() const { return triage_memory_.get(); }

    Expected<ByteView> page(std::uint64_t pfn) const override;
    // Served from a small page cache filled with pread(2), not from the mapping (page_cache.hpp).
    Expected<void> copyFromPage(std::uint64_t pfn, std::size_t offset,
                                std::span<std::byte> out) const override;
    // The pages not cached yet that the dump holds whole, read in file-offset order (adjacent
    // ones with one preadv); absent or cut-off pages are skipped.
    void prefetchPages(std::span<const std::uint64_t> pfns) const override;
    std::uint64_t pageSpan() const override;
    // Page cache figures and size, for the tests and benchmarks: reads, hits, evictions.
    struct PageCacheStats {
        std::uint64_t hits = 0, misses = 0, pages_read = 0, read_calls = 0, evictions = 0;
        std::size_t slots = 0;
    };
    PageCacheStats pageCacheStats() const;
    // Replaces the page cache by an empty one of `slots` pages (tests: eviction under a tiny
    // cache).
    void resetPageCache(std::size_t slots);
    std::uint64_t presentPageCount() const override;
    void forEachPresentRange(
        const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const override;
    ByteView scanBytes(const ByteView& range, std::span<std::byte> buffer) const override;

  private:
    CrashDump() = default;
    Expected<void> parse();
    Expected<void> parsePageMap();
    Expected<void> parseRuns();
    Expected<void> parseBitmap();
    Expected<void> parseRdmp();
    Expected<std::unique_ptr<PhysicalPageMap>> bitmapPageMap(std::uint64_t bitmap_at,
                                                             std::uint64_t bit_count,
                                                             std::uint64_t first_page_offset);
    Expected<void> readBitmapWords(std::uint64_t at, std::span<std::uint64_t> words) const;
    Expected<std::uint64_t> pageFileOffset(std::uint64_t pfn) const;

    std::filesystem::path path_;
    std::unique_ptr<MappedFile> file_;
    std::unique_ptr<PageCache> pages_; // what copyFromPage() serves from
    HeaderInfo header_;
    std::unique_ptr<PhysicalPageMap> page_map_;
    std::vector<std::uint64_t> bitmap_words_; // types 5/6 with many runs: the whole bitmap
    std::vector<std::string> warnings_;
    std::optional<Truncation> truncation_;
    void noteTruncation(std::uint64_t pages, std::uint64_t first_page_offset);
    std::optional<TriageInfo> triage_;
    std::unique_ptr<TriageMemory> triage_memory_;
};

} // namespace dumpprocs::dumpfile
