#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "dumpgen/big_machine.hpp"
#include "dumpgen/sparse_writer.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/kernel/handle_table.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/views/views.hpp"
#include "test_support_files.hpp"

using dumpprocs::kernel::decodeHandleEntry;
using dumpprocs::kernel::HandleEntryEra;

// Entry encodings from kernel-structures.md §8 (values built from the documented bit layouts).
TEST_CASE("Windows 7 entries hold the body pointer with flag bits in the low 3 bits", "[handle]") {
    const std::uint64_t body = 0xfffffa8006d0f740;
    CHECK(decodeHandleEntry(body | 1, HandleEntryEra::Win7) == body); // lock bit
    CHECK(decodeHandleEntry(body | 7, HandleEntryEra::Win7) == body);
    CHECK(decodeHandleEntry(0, HandleEntryEra::Win7) == 0);
}

TEST_CASE("Windows 8.1+ entries keep ObjectPointerBits in 20..63 (SAR 16, clear nibble)",
          "[handle]") {
    const std::uint64_t body = 0xffffe00012345670;
    // ObjectPointerBits = body >> 4 placed at bit 20; Unlocked (bit 0) and RefCnt bits set.
    const std::uint64_t entry = ((body >> 4) << 20) | (0x7FFFu << 1) | 1;
    CHECK(decodeHandleEntry(entry, HandleEntryEra::Win81Plus) == body);
    // A pool address in the lower kernel half still sign-extends.
    const std::uint64_t body2 = 0xffff8001'2345'6780;
    CHECK(decodeHandleEntry(((body2 >> 4) << 20) | 1, HandleEntryEra::Win81Plus) == body2);
}

TEST_CASE("Windows 8 (9200) entries keep ObjectPointerBits in 23..63", "[handle]") {
    // Round-trips only above 0xfffff000`00000000 (synthetic-dumps.md).
    const std::uint64_t body = 0xfffffa8001234560;
    const std::uint64_t entry = ((body >> 4) << 23) | (1u << 20) | 1;
    CHECK(decodeHandleEntry(entry, HandleEntryEra::Win8) == body);
}

// A big machine written sparse (tests/support/dumpgen/sparse_writer.*), as the benchmarks use:
// every page of a PC memory map is stored, the kernel's frames are scattered over it, and its
// PspCidTable has three levels. The reader must see the whole RAM as three runs and every process.
namespace {

void checkBigMachine(const dumpgen::BigMachineSpec& spec) {
    using namespace dumpprocs;
    const auto path = testfiles::uniqueTempPath(dumpgen::bigMachineName(spec) + ".dmp");
    dumpgen::writeScenarioSparse(dumpgen::bigMachine(spec), path.string());
    auto dump = dumpfile::CrashDump::open(path);
    REQUIRE(dump);
    CHECK((*dump)->fileSize() > (spec.ram_gib << 30)); // all of RAM, as holes
    const auto ram = dumpgen::pcRamMap(spec.ram_gib << 30);
    const auto runs = (*dump)->runs();
    REQUIRE(runs.size() == ram.size());
    for (std::size_t i = 0; i < ram.size(); ++i) {
        CHECK(runs[i].base_page == ram[i].first_pfn);
        CHECK(runs[i].page_count == ram[i].pages);
    }
    auto k = kernel::KernelContext::open(**dump, kernel::factsFromHeader((*dump)->header()), {});
    REQUIRE(k);
    const auto table = (*k)->pspCidTable();
    REQUIRE(table);
    auto walk =
        kernel::walkHandleTable((*k)->addressSpace(), table->value, (*k)->layout().handle_table);
    REQUIRE(walk);
    CHECK(walk->levels == spec.cid_levels);
    CHECK(walk->complete);
    views::ProcessCatalog catalog(**k);
    const unsigned expected = spec.processes + 1 + (spec.cid_levels == 3 ? 1 : 0); // + System
    auto active = views::runView("active", catalog);
    REQUIRE(active);
    for (const auto& name : views::allViewNames()) {
        auto view = views::runView(name, catalog);
        REQUIRE(view);
        if (!view->available) { // session: row 20348's symbol data has no _MM_SESSION_SPACE
            CHECK(view->lacks_symbols);
            CHECK(name == "session");
            continue;
        }
        CHECK(view->complete);
        if (name == "csrss") { // each process it lacks, it lacks by one of its rules
            std::set<std::uint64_t> listed;
            for (const auto& e : view->entries)
                listed.insert(e.eprocess);
            CHECK(listed.size() > spec.processes / 4);
            for (const auto& e : active->entries)
                if (!listed.count(e.eprocess))
                    CHECK_FALSE(
                        views::explainCsrssAbsence(catalog.get(e.eprocess), **k, *view).empty());
            continue;
        }
        // mm also lists Idle and the list head.
        CHECK(view->entries.size() == expected + (name == "mm" ? 2 : 0));
    }
    std::filesystem::remove(path);
}

} // namespace

TEST_CASE("A sparse 4 GiB bitmap dump with a three-level PspCidTable reads whole", "[bigdump]") {
    checkBigMachine({4, 100, 3, 5});
}

TEST_CASE("A sparse 4 GiB run-list dump with a two-level PspCidTable reads whole", "[bigdump]") {
    checkBigMachine({4, 100, 2, 1});
}
