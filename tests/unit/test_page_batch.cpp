// The batched read path: PhysicalMemory::prefetchPages (CrashDump: pages sorted by file offset,
// adjacent ones with one preadv), X64AddressSpace::prefetch (the page tables level by level, then
// the data pages) and the bounded page cache (CLOCK). A prefetch is a hint: every read after it
// gives the same bytes, and every failure the same error, as without it.
#include <catch2/catch.hpp>

#include <cstring>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "test_support_files.hpp"

using dumpprocs::ErrorCode;
using dumpprocs::X64AddressSpace;
using dumpprocs::dumpfile::CrashDump;

namespace {

std::unique_ptr<CrashDump> openSample(const char* name) {
    auto dump = CrashDump::open(testfiles::sample(name));
    REQUIRE(dump);
    return std::move(*dump);
}

// Every pfn of every run, plus the pages just past each run (absent).
std::vector<std::uint64_t> pagesOf(const CrashDump& dump) {
    std::vector<std::uint64_t> pfns;
    for (const auto& run : dump.runs()) {
        for (std::uint64_t pfn = run.base_page; pfn < run.base_page + run.page_count; ++pfn)
            pfns.push_back(pfn);
        pfns.push_back(run.base_page + run.page_count);
    }
    return pfns;
}

// copyFromPage of two slices of `pfn`, as text: the bytes, or the error's code and message.
std::string readPage(const CrashDump& dump, std::uint64_t pfn) {
    std::array<std::byte, 24> a{}, b{};
    auto ra = dump.copyFromPage(pfn, 0, a);
    auto rb = dump.copyFromPage(pfn, 0x1000 - b.size(), b);
    if (!ra || !rb) {
        const auto& e = ra ? rb.error() : ra.error();
        return "error " + std::to_string(static_cast<int>(e.code)) + ": " + e.message;
    }
    return std::string(reinterpret_cast<const char*>(a.data()), a.size()) +
           std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

} // namespace

TEST_CASE("a prefetch changes no byte and no error, absent pages included", "[dumpfile][batch]") {
    for (const char* name : {"win7sp1_7601_article.dmp", "win7sp1_7601_article_bitmap.dmp"}) {
        INFO(name);
        auto plain = openSample(name);
        auto batched = openSample(name);
        auto pfns = pagesOf(*batched);
        pfns.push_back(0x7fff0);     // far outside the RAM
        pfns.push_back(~0ULL >> 12); // the highest frame number
        batched->prefetchPages(pfns);
        const auto stats = batched->pageCacheStats();
        CHECK(stats.pages_read > 0);
        // Adjacent pages in the file came in one preadv each: fewer calls than pages.
        CHECK(stats.read_calls < stats.pages_read);
        for (const std::uint64_t pfn : pfns)
            REQUIRE(readPage(*batched, pfn) == readPage(*plain, pfn));
        auto absent = batched->copyFromPage(0x7fff0, 0, std::span<std::byte>());
        REQUIRE_FALSE(absent);
        CHECK(absent.error().code == ErrorCode::PageNotInDump);
    }
}

TEST_CASE("a tiny page cache evicts and still reads every page right", "[dumpfile][batch]") {
    auto plain = openSample("win7sp1_7601_article.dmp");
    auto tiny = openSample("win7sp1_7601_article.dmp");
    tiny->resetPageCache(8);
    REQUIRE(tiny->pageCacheStats().slots == 8);
    const auto pfns = pagesOf(*tiny);
    REQUIRE(pfns.size() > 64);
    // A batch fills at most half the cache, so it never evicts its own pages.
    tiny->prefetchPages(pfns);
    CHECK(tiny->pageCacheStats().pages_read == 4);
    // One page read again and again between the others stays in the cache (CLOCK use counts):
    // read it between every two pages and count its misses.
    const std::uint64_t hot = pfns.front();
    std::size_t hot_misses = 0;
    for (std::size_t i = 1; i < 200 && i + 3 < pfns.size(); ++i) {
        REQUIRE(readPage(*tiny, pfns[i]) == readPage(*plain, pfns[i]));
        const auto before = tiny->pageCacheStats().misses;
        REQUIRE(readPage(*tiny, hot) == readPage(*plain, hot));
        hot_misses += tiny->pageCacheStats().misses - before;
        tiny->prefetchPages(std::span(pfns).subspan(i + 1, 3));
    }
    CHECK(hot_misses == 0);
    CHECK(tiny->pageCacheStats().evictions > 100);
    // Every page read whole, in any order, after all that churn.
    for (auto it = pfns.rbegin(); it != pfns.rend(); ++it)
        REQUIRE(readPage(*tiny, *it) == readPage(*plain, *it));
}

TEST_CASE("a dump cut in the middle of a page: the batch reads up to the cut, the cut page "
          "fails as before",
          "[dumpfile][batch]") {
    auto bytes = testfiles::scenarioBytes("win7sp1_7601c_mm428");
    REQUIRE(testfiles::rawAt<std::uint32_t>(bytes, 0x88) == 1);
    auto whole_path = testfiles::writeTemp("batch_whole", bytes);
    auto whole = CrashDump::open(whole_path);
    std::filesystem::remove(whole_path);
    REQUIRE(whole);
    // Cut 40 pages and a half before the end: the last page kept whole, one straddling the end.
    bytes.resize(bytes.size() - 40 * 0x1000 - 0x800);
    auto path = testfiles::writeTemp("batch_cut", bytes);
    auto cut = CrashDump::open(path);
    std::filesystem::remove(path);
    REQUIRE(cut);
    auto plain_path = testfiles::writeTemp("batch_cut_plain", bytes);
    auto plain = CrashDump::open(plain_path);
    std::filesystem::remove(plain_path);
    REQUIRE(plain);
    const auto pfns = pagesOf(**whole);
    (*cut)->resetPageCache(64);
    for (std::size_t i = 0; i < pfns.size(); i += 32)
        (*cut)->prefetchPages(
            std::span(pfns).subspan(i, std::min<std::size_t>(32, pfns.size() - i)));
    std::size_t truncated = 0, read = 0;
    for (const std::uint64_t pfn : pfns) {
        const std::string got = readPage(**cut, pfn);
        REQUIRE(got == readPage(**plain, pfn));
        if (got.rfind("error " + std::to_string(static_cast<int>(ErrorCode::Truncated)), 0) == 0)
            ++truncated;
        else if (got.rfind("error", 0) != 0) {
            ++read;
            REQUIRE(got == readPage(**whole, pfn));
        }
    }
    CHECK(truncated == 41); // the straddling page and the 40 after it
    CHECK(read > 0);
}

TEST_CASE("X64AddressSpace::prefetch: translations and reads unchanged, failures included",
          "[addrspace][batch]") {
    auto plain = openSample("win7sp1_7601_article.dmp");
    auto batched = openSample("win7sp1_7601_article.dmp");
    batched->resetPageCache(16);
    const auto& h = plain->header();
    X64AddressSpace a(*plain, h.directory_table_base);
    X64AddressSpace b(*batched, h.directory_table_base);
    REQUIRE(h.ps_active_process_head);
    REQUIRE(h.ps_loaded_module_list);
    std::vector<std::uint64_t> vas{*h.ps_active_process_head, *h.ps_loaded_module_list,
                                   0xFFFFF80000000000ULL,     0xFFFF800000001000ULL,
                                   0x0000800000000000ULL,     0x10000ULL};
    // The list's nodes, as a walker would know them.
    std::uint64_t node = *h.ps_active_process_head;
    for (int i = 0; i < 40; ++i) {
        auto next = a.read<std::uint64_t>(node);
        if (!next)
            break;
        node = *next;
        vas.push_back(node);
        vas.push_back(node + 0x2000);
    }
    std::vector<dumpprocs::VirtualRange> ranges;
    for (const auto va : vas)
        ranges.push_back({va - 0x30, 0x600});
    ranges.push_back({~0ULL - 8, 64}); // wraps: ignored
    b.prefetch(ranges);
    CHECK(batched->pageCacheStats().pages_read > 0);
    for (const auto va : vas) {
        INFO(std::hex << va);
        std::array<std::byte, 0x600> x{}, y{};
        auto rx = a.read(va - 0x30, x);
        auto ry = b.read(va - 0x30, y);
        REQUIRE(rx.has_value() == ry.has_value());
        if (rx)
            REQUIRE(std::memcmp(x.data(), y.data(), x.size()) == 0);
        else
            REQUIRE(rx.error().message == ry.error().message);
    }
}
