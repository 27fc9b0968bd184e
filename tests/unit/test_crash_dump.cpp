// The crash-dump reader: header fields, both page-map schemes, and the errors for files that are
// not (usable) dumps, each naming what was wrong.
#include <catch2/catch.hpp>

#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "test_support_files.hpp"

using dumpprocs::ErrorCode;
using dumpprocs::dumpfile::CrashDump;
using testfiles::putAt;

namespace {

std::string openError(std::vector<std::uint8_t> bytes, const std::string& stem) {
    auto path = testfiles::writeTemp(stem, bytes);
    auto dump = CrashDump::open(path);
    std::filesystem::remove(path);
    return dump ? std::string() : dump.error().message;
}

} // namespace

TEST_CASE("CrashDump parses the Windows 7 article header", "[dumpfile]") {
    auto dump = CrashDump::open(testfiles::sample("win7sp1_7601_article.dmp"));
    REQUIRE(dump);
    const auto& h = (*dump)->header();
    CHECK(h.minor_version == 7601);
    CHECK(h.machine_image_type == 0x8664);
    CHECK(h.number_processors == 8);
    CHECK(h.dump_type == 1);
    CHECK(h.ps_loaded_module_list == 0xfffff80003c98890ULL);
    CHECK(h.context.mx_csr == h.context.flt_save_mx_csr);
    CHECK((*dump)->hasPhysicalMemory());
    // The page count the header itself declares at 0x90 (NumberOfPages, dump-format.md §1.1).
    std::ifstream raw(testfiles::sample("win7sp1_7601_article.dmp"), std::ios::binary);
    std::vector<std::uint8_t> header(0x98);
    raw.read(reinterpret_cast<char*>(header.data()), static_cast<std::streamsize>(header.size()));
    CHECK((*dump)->presentPageCount() == testfiles::rawAt<std::uint64_t>(header, 0x90));
}

TEST_CASE("run and bitmap dumps of one machine hold the same pages", "[dumpfile]") {
    auto full = CrashDump::open(testfiles::sample("win7sp1_7601_article.dmp"));
    auto bitmap = CrashDump::open(testfiles::sample("win7sp1_7601_article_bitmap.dmp"));
    REQUIRE(full);
    REQUIRE(bitmap);
    CHECK((*full)->presentPageCount() == (*bitmap)->presentPageCount());
    const auto runs = (*full)->runs();
    CHECK(runs.size() == (*bitmap)->runs().size());
    for (const auto& run : runs)
        for (std::uint64_t pfn = run.base_page; pfn < run.base_page + run.page_count; ++pfn) {
            auto a = (*full)->page(pfn);
            auto b = (*bitmap)->page(pfn);
            REQUIRE(a);
            REQUIRE(b);
            REQUIRE(std::memcmp(a->data(), b->data(), 0x1000) == 0);
        }
    auto absent = (*bitmap)->page(0x7fff0);
    REQUIRE_FALSE(absent);
    CHECK(absent.error().code == ErrorCode::PageNotInDump);
    CHECK(absent.error().message.find("0x7fff0000") != std::string::npos);
}

TEST_CASE("files that are not usable dumps get a message that names the problem", "[dumpfile]") {
    const auto good = testfiles::scenarioBytes("win7sp1_7601c_mm428");
    REQUIRE(good.size() > 0x3000);

    auto not_dump = good;
    putAt<std::uint32_t>(not_dump, 0, 0x464c457f); // ELF
    CHECK(openError(not_dump, "elf").find("not a Windows crash dump") != std::string::npos);

    auto dump32 = good;
    putAt<std::uint32_t>(dump32, 4, 0x504D5544); // "DUMP": 32-bit PAGEDUMP
    CHECK(openError(dump32, "dump32").find("32-bit") != std::string::npos);

    auto unknown = good;
    putAt<std::uint32_t>(unknown, 0xF98, 0x2a);
    CHECK(openError(unknown, "type2a").find("0x2a") != std::string::npos);

    auto overlapping = good;
    putAt<std::uint32_t>(overlapping, 0x88, 2);
    putAt<std::uint64_t>(overlapping, 0xA8, 0x101); // run 1 starts inside run 0
    putAt<std::uint64_t>(overlapping, 0xB0, 1);
    CHECK(openError(overlapping, "overlap").find("overlaps") != std::string::npos);

    auto absurd = good;
    putAt<std::uint64_t>(absurd, 0xA0, 0xFFFFFFFFFFFFFF00ULL);
    CHECK(openError(absurd, "absurd").find("absurd") != std::string::npos);

    auto truncated = std::vector<std::uint8_t>(good.begin(), good.begin() + 0x1000);
    CHECK_FALSE(openError(truncated, "short").empty());

    CHECK_FALSE(openError({}, "empty").empty());
}

TEST_CASE("runs that reach past the end of the file: a truncated dump, read as far as it goes",
          "[dumpfile]") {
    auto bytes = testfiles::scenarioBytes("win7sp1_7601c_mm428");
    REQUIRE(testfiles::rawAt<std::uint32_t>(bytes, 0x88) == 1);
    const auto pages = testfiles::rawAt<std::uint64_t>(bytes, 0xA0);
    putAt<std::uint64_t>(bytes, 0xA0, pages + 0x1000); // 16 MiB more than the file holds
    auto path = testfiles::writeTemp("truncated", bytes);
    auto dump = CrashDump::open(path);
    std::filesystem::remove(path);
    REQUIRE(dump);
    bool warned = false;
    for (const auto& w : (*dump)->warnings())
        warned = warned || w.find("file truncated") != std::string::npos;
    CHECK(warned);
    const auto base = testfiles::rawAt<std::uint64_t>(bytes, 0x98);
    CHECK((*dump)->page(base + pages - 1));
    auto past = (*dump)->page(base + pages + 1);
    REQUIRE_FALSE(past);
    CHECK(past.error().code == ErrorCode::Truncated);
    CHECK(isMissingMemory(past.error().code));
}

TEST_CASE("header-only, legacy-summary and minidump files are named for what they are",
          "[dumpfile]") {
    const auto good = testfiles::scenarioBytes("win7sp1_7601c_mm428");
    auto header_only = std::vector<std::uint8_t>(good.begin(), good.begin() + 0x2000);
    putAt<std::uint32_t>(header_only, 0xF98, 3);
    auto path = testfiles::writeTemp("type3", header_only);
    auto dump = CrashDump::open(path);
    std::filesystem::remove(path);
    REQUIRE(dump);
    CHECK_FALSE((*dump)->hasPhysicalMemory());
    CHECK((*dump)->header().minor_version == 7601);

    auto summary = good;
    putAt<std::uint32_t>(summary, 0xF98, 2);
    CHECK(openError(summary, "type2").find("legacy summary dump (DumpType 2)") !=
          std::string::npos);

    auto minidump = good;
    putAt<std::uint32_t>(minidump, 0, 0x504D444D); // "MDMP"
    CHECK(openError(minidump, "mdmp").find("user-mode minidump") != std::string::npos);
}

TEST_CASE("the real Windows-written triage dumps parse, PAGE filler read as absent",
          "[dumpfile][real]") {
    auto x64 = CrashDump::open(testfiles::sample("real/triage_x64.dmp"));
    REQUIRE(x64);
    const auto& h = (*x64)->header();
    CHECK(h.dump_type == 4);
    CHECK(h.machine_image_type == 0x8664);
    CHECK(h.minor_version == 19041);
    CHECK((h.directory_table_base & 0xFFFFFFFFFFFFF000ULL) == 0x1ad000);
    CHECK_FALSE((*x64)->hasPhysicalMemory());
    REQUIRE((*x64)->triage().has_value());
    CHECK_FALSE((*x64)->triage()->data_blocks.empty());

    auto arm = CrashDump::open(testfiles::sample("real/triage_arm64.dmp"));
    REQUIRE(arm);
    CHECK((*arm)->header().machine_image_type == 0xAA64);
}
