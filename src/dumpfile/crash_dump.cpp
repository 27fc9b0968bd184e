#include "dumpprocs/dumpfile/crash_dump.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "dumpprocs/formats/crash_dump.hpp"
#include "dumpprocs/support/text.hpp"
#include "mapped_file.hpp"
#include "page_cache.hpp"

namespace dumpprocs::dumpfile {

using namespace formats;

namespace {

constexpr std::uint32_t kFiller32 = kSignaturePage;

template <typename T> std::optional<T> unlessFiller(T value) {
    if constexpr (sizeof(T) == 8)
        return value == kPageFiller64 ? std::nullopt : std::optional<T>(value);
    else
        return value == kFiller32 ? std::nullopt : std::optional<T>(value);
}

// Up to the first NUL, other bytes than printable ASCII escaped (the filler counts as absent too).
std::string headerText(const char* text, std::size_t size) {
    std::string out = escapeBytes(std::string_view(text, size));
    if (out.rfind("PAGEPAGE", 0) == 0)
        return {};
    return out;
}

std::string firstBytes(ByteView file) {
    std::string out;
    const std::size_t n = std::min<std::size_t>(file.size(), 16);
    for (std::size_t i = 0; i < n; ++i)
        out += fmt::format("{}{:02x}", i ? " " : "", static_cast<unsigned>(file.data()[i]));
    return out;
}

ContextRecord decodeContext(const DumpHeader64& h) {
    Context64Prefix c;
    std::memcpy(&c, h.ContextRecord, sizeof(c));
    ContextRecord r;
    r.context_flags = c.ContextFlags;
    r.mx_csr = c.MxCsr;
    r.flt_save_mx_csr = c.FltSaveMxCsr;
    r.seg_cs = c.SegCs;
    r.seg_ds = c.SegDs;
    r.seg_es = c.SegEs;
    r.seg_fs = c.SegFs;
    r.seg_gs = c.SegGs;
    r.seg_ss = c.SegSs;
    r.eflags = c.EFlags;
    r.rip = c.Rip;
    r.rsp = c.Rsp;
    r.rbp = c.Rbp;
    return r;
}

HeaderInfo decodeHeader(const DumpHeader64& h) {
    HeaderInfo i;
    i.major_version = h.MajorVersion;
    i.minor_version = h.MinorVersion;
    i.directory_table_base = h.DirectoryTableBase;
    i.pfn_database = unlessFiller(h.PfnDataBase);
    i.ps_loaded_module_list = unlessFiller(h.PsLoadedModuleList);
    i.ps_active_process_head = unlessFiller(h.PsActiveProcessHead);
    i.kd_debugger_data_block = unlessFiller(h.KdDebuggerDataBlock);
    i.machine_image_type = h.MachineImageType;
    i.number_processors = h.NumberProcessors;
    i.bugcheck_code = h.BugCheckCode;
    for (int k = 0; k < 4; ++k)
        i.bugcheck_parameters[static_cast<std::size_t>(k)] = h.BugCheckParameter[k];
    i.dump_type = h.DumpType;
    i.required_dump_space = unlessFiller(static_cast<std::uint64_t>(h.RequiredDumpSpace));
    i.system_time = unlessFiller(h.SystemTime);
    i.system_uptime = unlessFiller(h.SystemUpTime);
    i.comment = headerText(h.Comment, sizeof(h.Comment));
    i.version_user = headerText(h.VersionUser, sizeof(h.VersionUser));
    i.mini_dump_fields = unlessFiller(h.MiniDumpFields);
    i.secondary_data_state = unlessFiller(h.SecondaryDataState);
    i.product_type = unlessFiller(h.ProductType);
    i.suite_mask = unlessFiller(h.SuiteMask);
    i.writer_status = unlessFiller(h.WriterStatus);
    i.attributes = unlessFiller(h.Attributes);
    i.boot_id = unlessFiller(h.BootId);
    if (h.KdSecondaryVersion != 'A' || h.Unused1 != 'G') // "PAGE" bytes at 0x104C..0x104F
        i.kd_secondary_version = h.KdSecondaryVersion;
    i.context = decodeContext(h);
    i.exception = {h.Exception.ExceptionCode, h.Exception.ExceptionFlags,
                   h.Exception.ExceptionAddress};
    return i;
}

} // namespace

std::string dumpTypeName(std::uint32_t code) {
    switch (code) {
    case 1:
        return "full (complete memory dump)";
    case 2:
        return "summary (legacy kernel dump)";
    case 3:
        return "header only";
    case 4:
        return "triage (mini kernel dump)";
    case 5:
        return "bitmap full";
    case 6:
        return "bitmap kernel";
    case 7:
        return "automatic";
    case 8:
        return "kernel memory (RDMP)";
    case 9:
        return "kernel and user memory (RDMP)";
    case 0xA:
        return "complete memory (RDMP)";
    default:
        return fmt::format("unknown dump type {:#x}", code);
    }
}

CrashDump::~CrashDump() = default;

Expected<std::unique_ptr<CrashDump>> CrashDump::open(const std::filesystem::path& path) {
    std::unique_ptr<CrashDump> dump(new CrashDump());
    dump->path_ = path;
    DP_TRY(dump->file_, MappedFile::open(path));
    dump->pages_ = std::make_unique<PageCache>(*dump->file_);
    if (auto r = dump->parse(); !r)
        return r.error().context(path.string());
    return dump;
}

std::uint64_t CrashDump::fileSize() const {
    return file_->size();
}
ByteView CrashDump::fileBytes() const {
    return file_->view();
}

Expected<void> CrashDump::parse() {
    const ByteView file = file_->view();
    auto signature = file.read<std::uint32_t>(0);
    auto valid = file.read<std::uint32_t>(4);
    if (signature && *signature == kMinidumpMagic)
        return makeError(ErrorCode::NotADump,
                         "a user-mode minidump (MDMP), not a kernel crash dump");
    if (!signature || *signature != kSignaturePage || !valid)
        return makeError(ErrorCode::NotADump, "not a Windows crash dump: first bytes {}",
                         firstBytes(file));
    if (*valid == kValidDump32)
        return makeError(ErrorCode::Unsupported,
                         "32-bit (PAGEDUMP) crash dumps are not supported; this tool reads "
                         "64-bit (PAGEDU64) dumps");
    if (*valid != kValidDump64)
        return makeError(ErrorCode::NotADump,
                         "not a Windows crash dump: PAGE followed by {:#010x}, not DU64; first "
                         "bytes {}",
                         *valid, firstBytes(file));
    DP_TRY(const auto raw, file.read<DumpHeader64>(0));
    header_ = decodeHeader(raw);
    DP_CHECK(parsePageMap());
    // Only a page map says which bytes must be there: a triage dump's RequiredDumpSpace is not
    // always its size (Windows writes some smaller), so for it a mismatch stays a plain warning.
    if (truncation_) {
        warnings_.insert(warnings_.begin(), truncation_->describe());
    } else if (header_.required_dump_space && *header_.required_dump_space != fileSize()) {
        warnings_.push_back(fmt::format("RequiredDumpSpace (header 0xfa0) is {:#x} but the file "
                                        "has {:#x} bytes",
                                        *header_.required_dump_space, fileSize()));
    }
    return {};
}

std::string Truncation::describe() const {
    const auto percent = [](std::uint64_t part, std::uint64_t whole) {
        return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
    };
    const std::uint64_t missing = expected_size > file_size ? expected_size - file_size : 0;
    return fmt::format(
        "file truncated: {} of {} bytes are missing ({:.1f}%): the file ends at {:#x} "
        "but its pages run to {:#x}; {:#x} of the {:#x} pages the header lists "
        "({:.1f}%) lie past the end. What lay there is reported as not in the "
        "dump, and no verdict rests on it",
        missing, expected_size, percent(missing, expected_size), file_size, expected_size,
        missing_pages, pages, percent(missing_pages, pages));
}

// Records that the page map holds `pages` pages from `first_page_offset` but the file ends
// before the last of them.
void CrashDump::noteTruncation(std::uint64_t pages, std::uint64_t first_page_offset) {
    const std::uint64_t capacity =
        fileSize() > first_page_offset ? (fileSize() - first_page_offset) / 0x1000 : 0;
    if (pages <= capacity)
        return;
    truncation_ =
        Truncation{fileSize(), first_page_offset + pages * 0x1000, pages, pages - capacity};
}

Expected<void> CrashDump::parsePageMap() {
    switch (header_.dump_type) {
    case 1:
        return parseRuns();
    case 5:
    case 6:
        return parseBitmap();
    case 8:
    case 9:
    case 0xA:
        return parseRdmp();
    case 4:
        if ((triage_ = parseTriage(file_->view(), warnings_)))
            triage_memory_ = std::make_unique<TriageMemory>(file_->view(), *triage_,
                                                            header_.kd_debugger_data_block);
        return {};
    case 3:
        return {};
    case 2:
        return makeError(ErrorCode::Unsupported,
                         "legacy summary dump (DumpType 2) is not supported: no reader documents "
                         "its x64 layout");
    default:
        return makeError(ErrorCode::Unsupported,
                         "unsupported dump type {:#x} ({}) at file "
                         "offset 0xf98",
                         header_.dump_type, dumpTypeName(header_.dump_type));
    }
}

// Type 1: PHYSICAL_MEMORY_DESCRIPTOR64 at 0x88, pages packed from 0x2000 (§2.1).
Expected<void> CrashDump::parseRuns() {
    const ByteView file = file_->view();
    DP_TRY(const auto count, file.read<std::uint32_t>(kRunDescriptorOffset));
    DP_TRY(const auto declared_pages, file.read<std::uint64_t>(kRunDescriptorPagesOffset));
    if (count == kSignaturePage || declared_pages == kPageFiller64)
        return makeError(ErrorCode::Corrupt, "full dump whose run descriptor at file offset 0x88 "
                                             "is still the PAGE filler: no physical memory runs");
    if (count > kMaxRunsInHeader)
        return makeError(ErrorCode::Corrupt,
                         "NumberOfRuns {} at file offset 0x88: at most {} runs fit before the "
                         "CONTEXT at 0x348",
                         count, kMaxRunsInHeader);
    std::vector<PhysicalRun> runs;
    std::uint64_t total = 0;
    const std::uint64_t capacity = (fileSize() - kHeaderSize) / 0x1000;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint64_t at = runOffset(i);
        DP_TRY(const auto run, file.read<PhysicalMemoryRun64>(at));
        if (run.PageCount == 0)
            continue;
        if (run.BasePage > (std::uint64_t{1} << 40) || run.PageCount > (std::uint64_t{1} << 40))
            return makeError(ErrorCode::Corrupt,
                             "run {} at file offset {:#x}: base page {:#x} / "
                             "count {:#x} is absurd",
                             i, at, run.BasePage, run.PageCount);
        if (!runs.empty() && run.BasePage < runs.back().base_page + runs.back().page_count)
            return makeError(ErrorCode::Corrupt,
                             "run {} at file offset {:#x} (PFN {:#x}) overlaps or precedes the "
                             "previous run",
                             i, at, run.BasePage);
        if (total > capacity)
            return makeError(ErrorCode::Corrupt,
                             "run {} at file offset {:#x} starts past the end of the file ({:#x} "
                             "bytes)",
                             i, at, fileSize());
        runs.push_back({run.BasePage, run.PageCount});
        total += run.PageCount;
    }
    if (total != declared_pages)
        warnings_.push_back(fmt::format("NumberOfPages at file offset 0x90 is {:#x} but the runs "
                                        "add up to {:#x}",
                                        declared_pages, total));
    noteTruncation(total, kHeaderSize);
    page_map_ = std::make_unique<RunPageMap>(std::move(runs), kHeaderSize);
    return {};
}

// Types 5/6: SUMMARY_DUMP64 at 0x2000, bitmap at 0x2038 (§2.2).
Expected<void> CrashDump::parseBitmap() {
    const ByteView file = file_->view();
    DP_TRY(const auto s, file.read<SummaryDump64>(kHeaderSize));
    if ((s.Signature != kSummarySignature && s.Signature != kFullSignature) ||
        s.ValidDump != kValidDump32)
        return makeError(ErrorCode::Corrupt,
                         "bitmap dump without its SDMP/FDMP + DUMP header at file offset 0x2000 "
                         "(found {:#010x} {:#010x})",
                         s.Signature, s.ValidDump);
    const std::uint64_t bitmap_at = kHeaderSize + sizeof(SummaryDump64);
    const std::uint64_t bitmap_bytes = (s.BitmapSize / 64 + (s.BitmapSize % 64 ? 1 : 0)) * 8;
    if (s.BitmapSize == 0 || s.BitmapSize > (std::uint64_t{1} << 40) ||
        !file.contains(bitmap_at, bitmap_bytes))
        return makeError(ErrorCode::Corrupt,
                         "bitmap of {:#x} bits (file offset 0x2030) does not fit in the file "
                         "({:#x} bytes)",
                         s.BitmapSize, fileSize());
    if (s.HeaderSize < bitmap_at + bitmap_bytes || s.HeaderSize % 0x1000 != 0 ||
        s.HeaderSize > fileSize())
        return makeError(ErrorCode::Corrupt,
                         "first page offset {:#x} (file offset 0x2020) is not page aligned after "
                         "the bitmap, or lies past the end of the file",
                         s.HeaderSize);
    DP_TRY(page_map_, bitmapPageMap(bitmap_at, s.BitmapSize, s.HeaderSize));
    if (page_map_->presentPages() != s.Pages)
        return makeError(ErrorCode::Corrupt,
                         "the bitmap has {:#x} bits set but the header (file offset 0x2028) says "
                         "{:#x} pages",
                         page_map_->presentPages(), s.Pages);
    noteTruncation(s.Pages, s.HeaderSize);
    return {};
}

// The bitmap is read in chunks through one small buffer (never mapped: on a 1 TiB dump it is
// 32 MiB, and touching that much new memory costs more than everything else the views do). Most
// bitmaps are a few runs of RAM, which a RunPageMap answers with the same file offsets; only a
// fragmented one (a kernel dump's) is kept whole, with its rank index.
Expected<std::unique_ptr<PhysicalPageMap>>
CrashDump::bitmapPageMap(std::uint64_t bitmap_at, std::uint64_t bit_count,
                         std::uint64_t first_page_offset) {
    constexpr std::size_t kChunkWords = 32768; // 256 KiB
    constexpr std::size_t kMaxRuns = 65536;
    const std::uint64_t word_count = (bit_count + 63) / 64;
    std::vector<std::uint64_t> chunk(
        static_cast<std::size_t>(std::min<std::uint64_t>(word_count, kChunkWords)));
    std::vector<PhysicalRun> runs;
    bool few_runs = true;
    for (std::uint64_t first = 0; first < word_count && few_runs; first += kChunkWords) {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(kChunkWords, word_count - first));
        const auto words = std::span(chunk).first(n);
        DP_CHECK(readBitmapWords(bitmap_at + first * 8, words));
        few_runs = appendBitmapRuns(words, first, bit_count, runs, kMaxRuns);
    }
    if (few_runs)
        return std::unique_ptr<PhysicalPageMap>(
            std::make_unique<RunPageMap>(std::move(runs), first_page_offset));
    bitmap_words_.resize(static_cast<std::size_t>(word_count));
    DP_CHECK(readBitmapWords(bitmap_at, bitmap_words_));
    return std::unique_ptr<PhysicalPageMap>(
        std::make_unique<BitmapPageMap>(bitmap_words_, bit_count, first_page_offset));
}

Expected<void> CrashDump::readBitmapWords(std::uint64_t at, std::span<std::uint64_t> words) const {
    if (!file_->readAt(at, std::as_writable_bytes(words)))
        return makeError(ErrorCode::Io,
                         "cannot read {:#x} bytes of the bitmap at file offset {:#x}",
                         words.size_bytes(), at);
    return {};
}

// Types 8/9/0xA: RDMP header and {StartPfn, NumberOfPages} ranges (§2.4).
Expected<void> CrashDump::parseRdmp() {
    const ByteView file = file_->view();
    DP_TRY(const auto r, file.read<RdmpHeader64>(kHeaderSize));
    if (r.Signature != kRdmpSignature || r.ValidDump != kValidDump32)
        return makeError(ErrorCode::Corrupt, "DumpType {:#x} without its RDMP header at 0x2000",
                         header_.dump_type);
    if (r.MetadataSize < 0x20 || r.FirstPageOffset < 0x2040 ||
        r.MetadataSize - 0x20 != r.FirstPageOffset - 0x2040 || r.FirstPageOffset > fileSize())
        return makeError(ErrorCode::Corrupt,
                         "RDMP header: MetadataSize {:#x} and FirstPageOffset {:#x} disagree",
                         r.MetadataSize, r.FirstPageOffset);
    std::uint64_t total_limit = ~std::uint64_t{0};
    if (header_.dump_type == 0xA) {
        DP_TRY(total_limit, file.read<std::uint64_t>(0x2028));
    }
    std::vector<PhysicalRun> runs;
    std::uint64_t total = 0;
    for (std::uint64_t at = kRdmpRangesOffset; at + 16 <= kHeaderSize + r.MetadataSize; at += 16) {
        DP_TRY(const auto range, file.read<PhysicalMemoryRun64>(at));
        if (range.BasePage == 0 || total >= total_limit)
            break;
        // Same bound as type-1 runs: 2^40 pages is 4 PiB, and keeps every sum below 2^64.
        if (range.BasePage > (std::uint64_t{1} << 40) || range.PageCount > (std::uint64_t{1} << 40))
            return makeError(ErrorCode::Corrupt,
                             "RDMP range at file offset {:#x}: base page {:#x} "
                             "/ count {:#x} is absurd",
                             at, range.BasePage, range.PageCount);
        if (!runs.empty() && range.BasePage < runs.back().base_page + runs.back().page_count)
            return makeError(ErrorCode::Corrupt, "RDMP range at file offset {:#x} overlaps", at);
        runs.push_back({range.BasePage, range.PageCount});
        total += range.PageCount;
    }
    noteTruncation(total, r.FirstPageOffset);
    page_map_ = std::make_unique<RunPageMap>(std::move(runs), r.FirstPageOffset);
    return {};
}

std::vector<PhysicalRun> CrashDump::runs() const {
    return page_map_ ? page_map_->runs() : std::vector<PhysicalRun>{};
}

Expected<std::uint64_t> CrashDump::pageFileOffset(std::uint64_t pfn) const {
    const std::uint64_t pa = pfn * 0x1000;
    if (!page_map_)
        return makeError(ErrorCode::PageNotInDump,
                         "physical address {:#x}: this dump type holds no physical memory", pa);
    auto offset = page_map_->fileOffset(pfn);
    if (!offset)
        return makeError(ErrorCode::PageNotInDump, "physical page {:#x} is not in the dump", pa);
    if (!file_->view().contains(*offset, 0x1000))
        return makeError(ErrorCode::Truncated,
                         "physical page {:#x} is not in the dump: file truncated at {:#x} (page "
                         "would be at file offset {:#x})",
                         pa, fileSize(), *offset);
    return *offset;
}

Expected<ByteView> CrashDump::page(std::uint64_t pfn) const {
    DP_TRY(const std::uint64_t offset, pageFileOffset(pfn));
    return ByteView(file_->view().data() + offset, 0x1000, pfn * 0x1000, "physical address");
}

Expected<void> CrashDump::copyFromPage(std::uint64_t pfn, std::size_t offset,
                                       std::span<std::byte> out) const {
    if (offset > 0x1000 || out.size() > 0x1000 - offset)
        return makeError(ErrorCode::OutOfBounds,
                         "read of {} bytes at offset {:#x} of physical page "
                         "{:#x} runs past the page",
                         out.size(), offset, pfn * 0x1000);
    if (pages_->copyCached(pfn, offset, out))
        return {};
    DP_TRY(const std::uint64_t file_offset, pageFileOffset(pfn));
    if (!pages_->readAndCopy(pfn, file_offset, offset, out)) // I/O error: try the mapping
        std::memcpy(out.data(), file_->view().data() + file_offset + offset, out.size());
    return {};
}

void CrashDump::prefetchPages(std::span<const std::uint64_t> pfns) const {
    std::vector<PageCache::PageRead> reads;
    reads.reserve(pfns.size());
    for (const std::uint64_t pfn : pfns) {
        if (pages_->contains(pfn))
            continue;
        if (auto offset = pageFileOffset(pfn))
            reads.push_back({pfn, *offset});
    }
    pages_->readBatch(reads);
}

CrashDump::PageCacheStats CrashDump::pageCacheStats() const {
    const PageCache::Stats s = pages_->stats();
    return {s.hits, s.misses, s.pages_read, s.read_calls, s.evictions, pages_->slots()};
}

void CrashDump::resetPageCache(std::size_t slots) {
    pages_ = std::make_unique<PageCache>(*file_, slots);
}

std::uint64_t CrashDump::pageSpan() const {
    return page_map_ ? page_map_->pageSpan() : 0;
}

std::uint64_t CrashDump::presentPageCount() const {
    return page_map_ ? page_map_->presentPages() : 0;
}

void CrashDump::forEachPresentRange(
    const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const {
    for (const auto& run : runs()) {
        auto first = page_map_->fileOffset(run.base_page);
        if (!first)
            continue;
        const std::uint64_t available = (fileSize() - std::min(fileSize(), *first)) / 0x1000;
        const std::uint64_t pages = std::min(run.page_count, available);
        if (pages == 0)
            continue;
        auto bytes = file_->view().slice(*first, pages * 0x1000);
        if (bytes)
            visit(
                run.base_page, pages,
                ByteView(bytes->data(), bytes->size(), run.base_page * 0x1000, "physical address"));
    }
}

ByteView CrashDump::scanBytes(const ByteView& range, std::span<std::byte> buffer) const {
    return file_->copyOf(range, buffer);
}

} // namespace dumpprocs::dumpfile
