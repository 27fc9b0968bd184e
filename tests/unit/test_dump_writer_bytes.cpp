// The dump writer checked at raw byte offsets taken from dump-format.md, not through the reader,
// so that one misunderstanding cannot hide in both.
#include <bit>
#include <catch2/catch.hpp>

#include "test_support_files.hpp"

using testfiles::rawAt;

TEST_CASE("dumpgen type-1 dump: header fields at the spec's offsets", "[dumpgen][format]") {
    const auto d = testfiles::scenarioBytes("win7sp1_7601_article");
    REQUIRE(d.size() > 0x2000);
    CHECK(rawAt<std::uint32_t>(d, 0x000) == 0x45474150); // PAGE
    CHECK(rawAt<std::uint32_t>(d, 0x004) == 0x34365544); // DU64
    CHECK(rawAt<std::uint32_t>(d, 0x008) == 0xF);
    CHECK(rawAt<std::uint32_t>(d, 0x00C) == 7601);
    CHECK((rawAt<std::uint64_t>(d, 0x010) & 0xFFF) == 0);
    CHECK(rawAt<std::uint64_t>(d, 0x020) == 0xfffff80003c98890ULL); // PsLoadedModuleList
    CHECK(rawAt<std::uint32_t>(d, 0x030) == 0x8664);
    CHECK(rawAt<std::uint32_t>(d, 0x034) == 8);
    CHECK(rawAt<std::uint32_t>(d, 0x03C) == 0);        // padding zeroed
    CHECK(rawAt<std::uint32_t>(d, 0xF98) == 1);        // DumpType full
    CHECK(rawAt<std::uint64_t>(d, 0xFA0) == d.size()); // RequiredDumpSpace in bytes
    // CONTEXT at 0x348: MxCsr (0x37C) equals FltSave.MxCsr (0x460); selectors non-zero.
    CHECK(rawAt<std::uint32_t>(d, 0x37C) == rawAt<std::uint32_t>(d, 0x460));
    CHECK(rawAt<std::uint16_t>(d, 0x348 + 0x38) != 0);
    // Runs: NumberOfRuns at 0x88, NumberOfPages (u64) at 0x90 = sum of PageCount, runs from 0x98.
    const auto runs = rawAt<std::uint32_t>(d, 0x88);
    REQUIRE(runs >= 1);
    REQUIRE(runs <= 42);
    std::uint64_t pages = 0, previous_end = 0;
    for (std::uint32_t i = 0; i < runs; ++i) {
        const auto base = rawAt<std::uint64_t>(d, 0x98 + 16 * i);
        const auto count = rawAt<std::uint64_t>(d, 0xA0 + 16 * i);
        CHECK(base >= previous_end); // ascending, not overlapping
        previous_end = base + count;
        pages += count;
    }
    CHECK(rawAt<std::uint64_t>(d, 0x90) == pages);
    CHECK(d.size() == 0x2000 + pages * 0x1000);
}

TEST_CASE("dumpgen type-5 dump: SUMMARY_DUMP64 bitmap at 0x2000", "[dumpgen][format]") {
    const auto d = testfiles::scenarioBytes("win7sp1_7601_article_bitmap");
    REQUIRE(d.size() > 0x3000);
    CHECK(rawAt<std::uint32_t>(d, 0xF98) == 5);
    const auto sig = rawAt<std::uint32_t>(d, 0x2000);
    CHECK((sig == 0x504D4446 || sig == 0x504D4453));      // FDMP or SDMP
    CHECK(rawAt<std::uint32_t>(d, 0x2004) == 0x504D5544); // DUMP
    const auto header_size = rawAt<std::uint64_t>(d, 0x2020);
    const auto pages = rawAt<std::uint64_t>(d, 0x2028);
    const auto bits = rawAt<std::uint64_t>(d, 0x2030);
    CHECK(header_size % 0x1000 == 0);
    CHECK(bits % 64 == 0);
    std::uint64_t popcount = 0;
    for (std::uint64_t w = 0; w < bits / 64; ++w)
        popcount +=
            static_cast<std::uint64_t>(std::popcount(rawAt<std::uint64_t>(d, 0x2038 + 8 * w)));
    CHECK(popcount == pages);
    CHECK(0x2038 + bits / 8 + 4 <= header_size); // room for readers that over-read a u32
    CHECK(d.size() == header_size + pages * 0x1000);
    CHECK(rawAt<std::uint64_t>(d, 0xFA0) == d.size());
}

TEST_CASE("dumpgen pages are stored at the offsets the spec's formulas give", "[dumpgen][format]") {
    // The 2 MiB fixture's frames carry "DPFX" + their index: find frame 0x40005 both ways.
    const auto full = testfiles::scenarioBytes("win7sp1_7601_article");
    const auto runs = rawAt<std::uint32_t>(full, 0x88);
    std::uint64_t before = 0, offset = 0;
    for (std::uint32_t i = 0; i < runs; ++i) {
        const auto base = rawAt<std::uint64_t>(full, 0x98 + 16 * i);
        const auto count = rawAt<std::uint64_t>(full, 0xA0 + 16 * i);
        if (0x40005 >= base && 0x40005 < base + count)
            offset = 0x2000 + 0x1000 * (before + 0x40005 - base);
        before += count;
    }
    REQUIRE(offset != 0);
    CHECK(rawAt<std::uint32_t>(full, offset) == 0x58465044);
    CHECK(rawAt<std::uint32_t>(full, offset + 4) == 5);

    const auto bmp = testfiles::scenarioBytes("win7sp1_7601_article_bitmap");
    std::uint64_t rank = 0;
    for (std::uint64_t pfn = 0; pfn < 0x40005; ++pfn)
        rank += (bmp[0x2038 + pfn / 8] >> (pfn % 8)) & 1;
    REQUIRE(((bmp[0x2038 + 0x40005 / 8] >> (0x40005 % 8)) & 1) == 1);
    const auto at = rawAt<std::uint64_t>(bmp, 0x2020) + 0x1000 * rank;
    CHECK(rawAt<std::uint32_t>(bmp, at) == 0x58465044);
    CHECK(rawAt<std::uint32_t>(bmp, at + 4) == 5);
}
