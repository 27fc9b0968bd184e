// The loaded-module list: the triage dump's saved driver list (real Windows-written files and
// hand-built malformed ones) and the PsLoadedModuleList walk (the samples and a broken ring).

#include <array>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/dumpfile/triage_dump.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/loaded_modules.hpp"
#include "dumpprocs/support/text.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;

namespace {

std::unique_ptr<dumpfile::CrashDump> openSample(const std::string& name) {
    auto dump = dumpfile::CrashDump::open(testfiles::sample(name));
    REQUIRE(dump);
    return std::move(*dump);
}

// Bytes laid out like a triage dump's driver area: entries at kList, strings at kPool.
struct DriverArea {
    static constexpr std::uint32_t kList = 0x100, kPool = 0x400, kUnloaded = 0x40;
    std::vector<std::byte> bytes = std::vector<std::byte>(0x800);
    dumpfile::TriageInfo info;

    DriverArea() {
        info.driver_list_offset = kList;
        info.string_pool_offset = kPool;
        info.string_pool_size = 0x400;
    }
    template <typename T> void put(std::size_t at, T v) { std::memcpy(&bytes[at], &v, sizeof v); }
    // A DUMP_STRING at `at` whose Length is `length` (units or bytes, as the test wants).
    void putString(std::size_t at, const std::u16string& text, std::uint32_t length) {
        put<std::uint32_t>(at, length);
        for (std::size_t i = 0; i < text.size(); ++i)
            put<std::uint16_t>(at + 4 + 2 * i, text[i]);
        put<std::uint16_t>(at + 4 + 2 * text.size(), 0);
    }
    void putEntry(unsigned n, std::uint32_t name_offset, std::uint64_t base, std::uint32_t size) {
        const std::size_t at = kList + 0x90 * n;
        put<std::uint32_t>(at, name_offset);
        put<std::uint64_t>(at + 0x38, base);
        put<std::uint32_t>(at + 0x48, size);
        put<std::uint32_t>(at + 0x80, 0xC0FFEE);
        put<std::uint32_t>(at + 0x88, 0x5F6E7114);
    }
    void read() { dumpfile::readTriageDriverLists(ByteView(bytes, 0, "file offset"), info); }
};

// Kernel virtual memory made of the pages a test writes.
class PageMapMemory final : public VirtualMemory {
  public:
    void put64(std::uint64_t va, std::uint64_t v) { write(va, &v, 8); }
    void write(std::uint64_t va, const void* data, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            pages_[(va + i) >> 12][(va + i) & 0xFFF] = static_cast<const std::byte*>(data)[i];
    }
    void putUnicodeString(std::uint64_t at, std::uint64_t buffer, const std::u16string& text) {
        const std::uint16_t length = static_cast<std::uint16_t>(2 * text.size());
        write(at, &length, 2);
        write(at + 2, &length, 2);
        put64(at + 8, buffer);
        write(buffer, text.data(), length);
    }
    Expected<Translation> translate(std::uint64_t va) const override {
        if (!pages_.count(va >> 12))
            return makeError(ErrorCode::NotMapped, "{:#x} is not mapped", va);
        return Translation{va, 0x1000, Translation::Via::Hardware};
    }
    Expected<void> read(std::uint64_t va, std::span<std::byte> out) const override {
        for (std::size_t i = 0; i < out.size(); ++i) {
            auto it = pages_.find((va + i) >> 12);
            if (it == pages_.end())
                return makeError(ErrorCode::NotMapped, "{:#x} is not mapped", va + i);
            out[i] = it->second[(va + i) & 0xFFF];
        }
        return {};
    }
    using VirtualMemory::read;

  private:
    std::map<std::uint64_t, std::array<std::byte, 0x1000>> pages_;
};

} // namespace

TEST_CASE("the real x64 triage dump's saved driver list is read whole", "[modules][triage]") {
    auto dump = openSample("real/triage_x64.dmp");
    REQUIRE(dump->triage());
    const auto list = kernel::modulesFromTriage(*dump->triage());
    CHECK(list.complete);
    CHECK(list.warnings.empty());
    REQUIRE(list.modules.size() == 151); // DriverCount 0x97
    const auto& nt = list.modules.front();
    CHECK(nt.name == "ntoskrnl.exe");
    CHECK(nt.path == "\\SystemRoot\\system32\\ntoskrnl.exe");
    CHECK(nt.base == 0xfffff8047ba00000ULL); // the header's KDBG KernBase too
    CHECK(nt.size == 0x1046000);
    CHECK(nt.timestamp == 0x0d8333e6u);
    CHECK(nt.checksum == 0x00a5938cu);
    CHECK(nt.entry == 0x10828); // DriverListOffset
    CHECK(list.modules.back().name == "rdpbus.sys");
    CHECK(list.modules.back().entry == 0x10828 + 150 * 0x90);
    for (const auto& m : list.modules)
        CHECK(m.problem.empty());

    // rizin's stack walk of this dump (test/db/formats/dmp/dmp, with PDBs) puts these frames in
    // amdppm!WriteIoMemRawEx, Wdf01000 and ntkrnlmp: the list must agree without any PDB.
    CHECK(kernel::describeAddress(list, 0xfffff8048b58334cULL) == "amdppm.sys+0x334c");
    CHECK(kernel::describeAddress(list, 0xfffff804799cc027ULL).rfind("Wdf01000.sys+", 0) == 0);
    CHECK(kernel::describeAddress(list, 0xfffff8047be0f4e1ULL) == "ntoskrnl.exe+0x40f4e1");
    CHECK(kernel::describeAddress(list, 0x1000).empty());

    REQUIRE(list.unloaded);
    REQUIRE(list.unloaded->size() == 4);
    CHECK((*list.unloaded)[0].name == "dam.sys");
    CHECK((*list.unloaded)[0].start == 0xfffff80487de0000ULL);
    CHECK((*list.unloaded)[0].end == 0xfffff80487dfc000ULL);
    CHECK_FALSE((*list.unloaded)[0].name_fills_field);
    CHECK((*list.unloaded)[3].name == "mcupdate.dll");
    CHECK((*list.unloaded)[3].name_fills_field); // exactly 12 characters: cannot tell
}

TEST_CASE("the real ARM64 triage dump's driver list reads the same way", "[modules][triage]") {
    auto dump = openSample("real/triage_arm64.dmp");
    REQUIRE(dump->triage());
    const auto list = kernel::modulesFromTriage(*dump->triage());
    CHECK(list.complete);
    REQUIRE(list.modules.size() == 245); // DriverCount 0xf5
    CHECK(list.modules.front().name == "ntoskrnl.exe");
    CHECK(list.modules.front().base == 0xfffff803f2e00000ULL);
    REQUIRE(list.unloaded);
    REQUIRE(list.unloaded->size() == 11);
    CHECK((*list.unloaded)[0].name == "MSKSSRV.sys");
    CHECK_FALSE((*list.unloaded)[0].name_fills_field);
    CHECK((*list.unloaded)[4].name == "dump_storpor"); // dump_storport.sys, cut by Windows
    CHECK((*list.unloaded)[4].name_fills_field);
}

TEST_CASE("a DUMP_STRING length is taken as units or bytes, whichever ends at the NUL",
          "[modules][triage]") {
    DriverArea a;
    a.info.driver_count = 2;
    a.putString(DriverArea::kPool, u"\\SystemRoot\\a.sys", 17); // units, as Windows does
    a.putString(DriverArea::kPool + 0x40, u"\\SystemRoot\\bb.sys", 2 * 18); // bytes, as documented
    a.putEntry(0, DriverArea::kPool, 0xfffff80000100000ULL, 0x1000);
    a.putEntry(1, DriverArea::kPool + 0x40, 0xfffff80000200000ULL, 0x2000);
    a.read();
    REQUIRE(a.info.drivers.size() == 2);
    CHECK(a.info.drivers[0].path == "\\SystemRoot\\a.sys");
    CHECK(a.info.drivers[1].path == "\\SystemRoot\\bb.sys");
    CHECK(a.info.drivers[1].timestamp == 0x5F6E7114u);
    CHECK(a.info.driver_list_complete);
    CHECK(a.info.driver_list_warnings.empty());
}

TEST_CASE("a driver name past the end of the file is a problem of that entry only",
          "[modules][triage]") {
    DriverArea a;
    a.info.driver_count = 2;
    a.putString(DriverArea::kPool, u"ok.sys", 6);
    a.putEntry(0, 0x7FC, 0xfffff80000100000ULL, 0x1000); // Length fits, the text does not
    a.put<std::uint32_t>(0x7FC, 40);
    a.putEntry(1, DriverArea::kPool, 0xfffff80000200000ULL, 0x1000);
    a.read();
    REQUIRE(a.info.drivers.size() == 2);
    CHECK(a.info.drivers[0].path.empty());
    CHECK_THAT(a.info.drivers[0].problem,
               Catch::Contains("DUMP_STRING at file offset 0x7fc claims 40 characters"));
    CHECK(a.info.drivers[1].path == "ok.sys");
    CHECK(a.info.driver_list_complete);
}

TEST_CASE("a DriverCount that cannot fit before the string pool is cut and reported",
          "[modules][triage]") {
    DriverArea a;
    a.info.driver_count = 0xFFFFFFFF;
    a.read();
    CHECK(a.info.drivers.size() == (DriverArea::kPool - DriverArea::kList) / 0x90);
    CHECK_FALSE(a.info.driver_list_complete);
    REQUIRE(a.info.driver_list_warnings.size() == 1);
    CHECK_THAT(a.info.driver_list_warnings[0],
               Catch::Contains("DriverCount 4294967295 (TRIAGE_DUMP64 at 0x2034) does not fit "
                               "between DriverListOffset 0x100 and StringPoolOffset 0x400"));
    // Without a string pool after the list, the end of the file bounds it.
    DriverArea b;
    b.info.string_pool_offset = 0;
    b.info.driver_count = 1000;
    b.read();
    CHECK(b.info.drivers.size() == (0x800 - DriverArea::kList) / 0x90);
    CHECK_THAT(b.info.driver_list_warnings.at(0), Catch::Contains("the end of the file at 0x800"));
}

TEST_CASE("unloaded drivers: a count above the kernel's 50 slots reads nothing",
          "[modules][triage]") {
    DriverArea a;
    a.info.unloaded_drivers_offset = DriverArea::kUnloaded;
    a.put<std::uint64_t>(DriverArea::kUnloaded, 51);
    a.read();
    CHECK(a.info.unloaded_drivers.empty());
    CHECK_FALSE(a.info.unloaded_list_complete);
    CHECK_THAT(a.info.driver_list_warnings.at(0),
               Catch::Contains("count at file offset 0x40 is 51, more than the kernel keeps (50)"));

    DriverArea b;
    b.info.unloaded_drivers_offset = 0x7F0; // count readable, its one entry is not
    b.put<std::uint64_t>(0x7F0, 1);
    b.read();
    CHECK(b.info.unloaded_drivers.empty());
    CHECK_FALSE(b.info.unloaded_list_complete);
    CHECK_THAT(b.info.driver_list_warnings.at(0),
               Catch::Contains("entry 0 at file offset 0x7f8 lies past the end of the file"));
}

TEST_CASE("UTF-16 text from a dump never prints raw control characters or lone surrogates",
          "[modules][text]") {
    const std::uint16_t mixed[] = {'a', 0x0A, 0xD800, 'b', 0xD83D, 0xDE00, 0x00E9, 0x4E2D};
    CHECK(utf16ToUtf8(mixed) == "a\xEF\xBF\xBD\xEF\xBF\xBD"
                                "b\xF0\x9F\x98\x80\xC3\xA9\xE4\xB8\xAD");
}

TEST_CASE("PsLoadedModuleList of the Windows 7 sample: ntoskrnl and hal, in load order",
          "[modules]") {
    auto dump = openSample("win7sp1_7601_article.dmp");
    auto k = kernel::KernelContext::open(*dump, kernel::factsFromHeader(dump->header()), {});
    REQUIRE(k);
    const auto head = (*k)->psLoadedModuleList();
    REQUIRE(head);
    CHECK(head->value == 0xfffff80003c98890ULL);
    CHECK(head->source == "header");
    REQUIRE((*k)->layout().loader_entry);
    auto list = kernel::modulesFromLoaderList((*k)->addressSpace(), head->value,
                                              *(*k)->layout().loader_entry, head->source);
    REQUIRE(list);
    CHECK(list->complete);
    CHECK_FALSE(list->unloaded);
    REQUIRE(list->modules.size() == 2);
    CHECK(list->modules[0].name == "ntoskrnl.exe");
    CHECK(list->modules[0].base == (*k)->kernelImage()->base);
    CHECK(list->modules[0].size == (*k)->kernelImage()->size_of_image);
    CHECK(list->modules[0].timestamp == (*k)->kernelImage()->timestamp);
    CHECK(list->modules[0].timestamp_source == "PE header");
    CHECK(list->modules[1].name == "hal.dll");
    CHECK(list->modules[1].path == "\\SystemRoot\\system32\\hal.dll");
    CHECK_FALSE(list->modules[1].timestamp); // no PE header in memory for hal
}

TEST_CASE("a broken PsLoadedModuleList ring gives what was read, marked partial", "[modules]") {
    constexpr std::uint64_t head = 0xfffff80000010000ULL, e1 = 0xfffff80000020000ULL,
                            e2 = 0xfffff80000030000ULL, gone = 0xfffff80000990000ULL;
    const kernel::LoaderEntryLayout layout{0x30, 0x40, 0x58, 0x48, 0};
    PageMapMemory as;
    as.put64(head, e1);
    as.put64(head + 8, e2);
    as.put64(e1, e2);
    as.put64(e1 + 8, head);
    as.put64(e1 + 0x30, 0xfffff80000400000ULL);
    as.put64(e1 + 0x40, 0x5000);
    as.putUnicodeString(e1 + 0x58, e1 + 0x800, u"one.sys");
    as.put64(e2, gone); // Flink into unmapped memory
    as.put64(e2 + 8, e1);
    as.put64(e2 + 0x30, 0xfffff80000500000ULL);
    const std::uint16_t two = 2; // BaseDllName {2, 2, buffer in the unmapped page}
    as.write(e2 + 0x58, &two, 2);
    as.write(e2 + 0x5A, &two, 2);
    as.put64(e2 + 0x58 + 8, gone + 0x10);

    auto list = kernel::modulesFromLoaderList(as, head, layout, "test");
    REQUIRE(list);
    CHECK_FALSE(list->complete);
    REQUIRE(list->modules.size() >= 2);
    CHECK(list->modules[0].name == "one.sys");
    CHECK(list->modules[0].problem.empty());
    CHECK(list->modules[1].base == 0xfffff80000500000ULL);
    CHECK_THAT(list->modules[1].problem, Catch::Contains("BaseDllName"));
    CHECK_THAT(list->modules[1].problem, Catch::Contains("0xfffff80000990010"));
    REQUIRE_FALSE(list->warnings.empty());
    CHECK_THAT(list->warnings.front(), Catch::Contains("0xfffff80000990000"));

    // An unreadable head is an error naming it.
    auto none = kernel::modulesFromLoaderList(as, gone, layout, "test");
    REQUIRE_FALSE(none);
    CHECK_THAT(none.error().message, Catch::Contains("0xfffff80000990000"));
}
