// x64 translation over the sample dumps' page tables: the translation fixtures written by dumpgen
// (dumpgen/scenario.hpp TranslationFixtures) cover every case of dump-format.md §5.
#include <catch2/catch.hpp>

#include "dumpgen/scenario.hpp"
#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "test_support_files.hpp"

using dumpgen::TranslationFixtures;
using dumpprocs::ErrorCode;
using dumpprocs::X64AddressSpace;
using dumpprocs::dumpfile::CrashDump;

namespace {

struct Opened {
    std::unique_ptr<CrashDump> dump;
    std::unique_ptr<X64AddressSpace> as;
};

Opened open(const std::string& name) {
    auto dump = CrashDump::open(testfiles::sample(name));
    REQUIRE(dump);
    Opened o{std::move(*dump), nullptr};
    o.as = std::make_unique<X64AddressSpace>(*o.dump, o.dump->header().directory_table_base);
    return o;
}

} // namespace

TEST_CASE("2 MiB pages ignore the PAT bit and reach the right frame", "[addrspace]") {
    auto o = open("win7sp1_7601_article.dmp");
    auto t = o.as->translate(TranslationFixtures::kLarge2M + 0x5123);
    REQUIRE(t);
    CHECK(t->physical == TranslationFixtures::kLarge2MPhys + 0x5123);
    CHECK(t->page_size == 0x200000);
    // A read across a frame boundary inside the large page.
    auto v = o.as->read<std::uint64_t>(TranslationFixtures::kLarge2M + 0x2000);
    REQUIRE(v);
    CHECK(*v == (0x58465044ULL | (2ULL << 32)));
}

TEST_CASE("1 GiB pages translate; their frames absent from the dump are reported", "[addrspace]") {
    auto o = open("win7sp1_7601_article.dmp");
    auto t = o.as->translate(TranslationFixtures::kLarge1G + 0x12345678);
    REQUIRE(t);
    CHECK(t->physical == TranslationFixtures::kLarge1GPhys + 0x12345678);
    CHECK(t->page_size == 0x40000000);
    auto missing = o.as->read<std::uint64_t>(TranslationFixtures::kLarge1G + 0x1000);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::PageNotInDump);
}

TEST_CASE("transition PTEs are followed; bit 45 is masked from 1909 on", "[addrspace]") {
    for (const char* name : {"win7sp1_7601_article.dmp", "dkom_19041.dmp"}) {
        auto o = open(name);
        auto t = o.as->translate(TranslationFixtures::kTransition);
        REQUIRE(t);
        CHECK(t->via == dumpprocs::Translation::Via::Transition);
        auto v = o.as->read<std::uint64_t>(TranslationFixtures::kTransition);
        REQUIRE(v);
        CHECK(*v == (0x58465044ULL | (7ULL << 32)));
    }
}

TEST_CASE("pages that are not in the dump fail with the reason", "[addrspace]") {
    auto o = open("win7sp1_7601_article.dmp");
    auto proto = o.as->read<std::uint8_t>(TranslationFixtures::kPrototype);
    REQUIRE_FALSE(proto);
    CHECK(proto.error().code == ErrorCode::Prototype);
    auto paged = o.as->read<std::uint8_t>(TranslationFixtures::kPagedOut);
    REQUIRE_FALSE(paged);
    CHECK(paged.error().code == ErrorCode::PagedOut);
    auto absent = o.as->read<std::uint8_t>(TranslationFixtures::kFrameAbsent);
    REQUIRE_FALSE(absent);
    CHECK(absent.error().code == ErrorCode::PageNotInDump);
    auto noncanonical = o.as->read<std::uint8_t>(0x0000900000000000ULL);
    REQUIRE_FALSE(noncanonical);
    CHECK(noncanonical.error().code == ErrorCode::NonCanonical);
    auto unmapped = o.as->read<std::uint8_t>(0xfffff8a0dead0000ULL);
    REQUIRE_FALSE(unmapped);
    CHECK(unmapped.error().code == ErrorCode::NotMapped);
    CHECK(unmapped.error().message.find("0xfffff8a0dead0000") != std::string::npos);
}

TEST_CASE("reads cross 4 KiB page boundaries into a different frame", "[addrspace]") {
    auto o = open("win7sp1_7601_article_bitmap.dmp");
    std::array<std::byte, 16> buf{};
    REQUIRE(o.as->read(TranslationFixtures::kCrossPage + 0xff8, buf));
    std::uint64_t a, b;
    std::memcpy(&a, buf.data(), 8);
    std::memcpy(&b, buf.data() + 8, 8);
    CHECK(a == 0x1122334455667788ULL);
    CHECK(b == (0x58465044ULL | (0x101ULL << 32)));
}

TEST_CASE("PCID bits in the header DirectoryTableBase are masked", "[addrspace]") {
    auto dump = CrashDump::open(testfiles::sample("dkom_22631.dmp"));
    REQUIRE(dump);
    const auto raw = (*dump)->header().directory_table_base;
    CHECK((raw & 0xFFF) != 0);
    X64AddressSpace as(**dump, raw);
    CHECK((as.directoryTableBase() & 0xFFF) == 0);
    CHECK(as.isReadable(0xFFFFF78000000000ULL)); // KUSER_SHARED_DATA
}
