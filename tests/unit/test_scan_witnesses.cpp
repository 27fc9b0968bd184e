// The physical witnesses of issue 16: the scanner's patterns at their own offsets, the thread
// decoder, thrdscan, the tag-free check, the page-table roots (dtb) and the Process type's object
// count, on the dkom_<build> samples (hidden.exe: off every list and table, its threads' cid
// entries zeroed, its pool tag changed) and on generated machines.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "dumpprocs/addrspace/flat_physical_memory.hpp"
#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/crossview/crossview.hpp"
#include "dumpprocs/kernel/isf_export.hpp"
#include "dumpprocs/kernel/object_types.hpp"
#include "dumpprocs/kernel/pool_scanner.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/thread_object.hpp"
#include "dumpprocs/views/scan_view.hpp"
#include "dumpprocs/views/views.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;

namespace {

constexpr std::uint32_t kProc = 0x636f7250, kThre = 0x65726854;
const char* const kDkomSamples[] = {"dkom_7601.dmp", "dkom_9600.dmp", "dkom_19041.dmp",
                                    "dkom_22631.dmp", "dkom_26100.dmp"};

struct Machine {
    std::unique_ptr<analysis::Session> session;
    const kernel::KernelContext* kernel = nullptr;
    std::unique_ptr<views::ProcessCatalog> catalog;
};

Machine openPath(const std::filesystem::path& path) {
    auto session = analysis::Session::open(path, {});
    REQUIRE(session);
    Machine m{std::move(*session), nullptr, nullptr};
    auto k = m.session->kernel();
    REQUIRE(k);
    m.kernel = *k;
    m.catalog = std::make_unique<views::ProcessCatalog>(*m.kernel);
    return m;
}

Machine openScenario(const std::string& name) {
    const auto bytes = testfiles::scenarioBytes(name);
    REQUIRE_FALSE(bytes.empty());
    const auto path = testfiles::writeTemp(name + ".dmp", bytes);
    auto m = openPath(path);
    std::filesystem::remove(path); // the mapping stays valid
    return m;
}

views::ViewResult run(Machine& m, const std::string& name) {
    auto r = views::runView(name, *m.catalog);
    REQUIRE(r);
    return std::move(*r);
}

std::set<std::string> names(Machine& m, const views::ViewResult& v) {
    std::set<std::string> out;
    for (const auto& e : v.entries)
        out.insert(m.catalog->get(e.eprocess).name());
    return out;
}

void put32(std::vector<std::byte>& image, std::uint64_t at, std::uint32_t v) {
    std::memcpy(image.data() + at, &v, 4);
}

} // namespace

TEST_CASE("the scanner matches several patterns, each at its own offset in the slot, in one pass",
          "[scan][witness]") {
    std::vector<std::byte> image(3 * kPageSize);
    put32(image, 0x10 + 4, kProc);              // 'Proc' tag: pattern 0
    put32(image, 0x1020 + 4, kThre | 1u << 31); // protected 'Thre': pattern 1
    put32(image, 0x1100, 0x00b20003);           // dispatcher header at +0: pattern 2
    put32(image, 0x1204, 0x00b20003);           // the header value at +4: not pattern 2
    put32(image, 0x1300, 0x00b30003);           // another Size byte: no match
    put32(image, 0x2000 + 8, kThre);            // 'Thre' at +8: no match
    put32(image, 0x2ff0, 0xffb2ff03);           // masked bytes ignored: pattern 2
    FlatPhysicalMemory memory(ByteView(image.data(), image.size()));
    kernel::PoolScanOptions o;
    o.patterns = {{kProc, 0x7FFFFFFF, std::nullopt},
                  {kThre, 0x7FFFFFFF, std::nullopt},
                  {0x00b20003, 0x00FF00FF, 0}};
    o.threads = 1;
    const auto r = kernel::scanPoolTags(memory, o);
    CHECK(r.hits == std::vector<kernel::PoolTagHit>{{0x10, kProc, 0},
                                                    {0x1020, kThre | 1u << 31, 1},
                                                    {0x1100, 0x00b20003, 2},
                                                    {0x2ff0, 0xffb2ff03, 2}});

    // The same hits whatever the threads and chunks, on random bytes with planted values.
    std::vector<std::byte> big(512 * kPageSize);
    std::mt19937_64 rng(7);
    for (auto& b : big)
        b = static_cast<std::byte>(rng() & 0xFF);
    for (int i = 0; i < 200; ++i) {
        const std::uint64_t slot = (rng() % (big.size() / 16)) * 16;
        if (i % 3 == 2)
            put32(big, slot, 0x00b20003);
        else
            put32(big, slot + 4, i % 3 ? kThre : kProc);
    }
    FlatPhysicalMemory bigmem(ByteView(big.data(), big.size()));
    o.threads = 1;
    o.chunk_bytes = 4 << 20;
    const auto one = kernel::scanPoolTags(bigmem, o);
    o.threads = 4;
    o.chunk_bytes = 3 * kPageSize;
    const auto many = kernel::scanPoolTags(bigmem, o);
    CHECK(one.hits.size() >= 200);
    CHECK(one.hits == many.hits);
    CHECK(std::is_sorted(one.hits.begin(), one.hits.end(),
                         [](const auto& a, const auto& b) { return a.physical < b.physical; }));
}

TEST_CASE("the thread decoder takes a thread object and names what is wrong with others",
          "[witness]") {
    kernel::ThreadLayout t;
    t.header_type = 0;
    t.process = 0x220;
    t.cid = 0x478;
    t.thread_list_entry = 0x4e8;
    std::vector<std::byte> body(kernel::threadObjectSize(t));
    CHECK(body.size() == 0x4f8);
    auto put64 = [&](std::uint32_t at, std::uint64_t v) { std::memcpy(body.data() + at, &v, 8); };
    body[0] = std::byte{6};
    put64(t.process, 0xffffe00011020060);
    put64(t.cid, 0x4);
    put64(t.cid + 8, 0x108);
    put64(t.thread_list_entry, 0xffffe00011020560);
    put64(t.thread_list_entry + 8, 0xffffe00011020560);
    auto ok = kernel::decodeThreadObject(t, ByteView(body.data(), body.size()));
    REQUIRE(ok);
    CHECK(ok->process == 0xffffe00011020060);
    CHECK(ok->cid_thread == 0x108);

    auto broken = [&](auto edit, const char* says) {
        auto copy = body;
        std::swap(copy, body);
        edit();
        auto r = kernel::decodeThreadObject(t, ByteView(body.data(), body.size()));
        std::swap(copy, body);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains(says));
    };
    broken([&] { body[0] = std::byte{3}; }, "DISPATCHER_HEADER.Type 3");
    broken([&] { put64(t.process, 0x7ff600001000); }, "_KTHREAD.Process");
    broken([&] { put64(t.cid + 8, 0); }, "Cid");
    broken([&] { put64(t.cid, 0x4001); }, "Cid");
    broken([&] { put64(t.thread_list_entry, 0x1234); }, "ThreadListEntry");
    auto short_read = kernel::decodeThreadObject(t, ByteView(body.data(), 0x400));
    REQUIRE_FALSE(short_read);
    CHECK_THAT(short_read.error().message, Catch::Contains("outside"));
}

TEST_CASE("thrdscan and the tag-free check find hidden.exe on every dkom sample, and the "
          "cross-view calls it HIDDEN with its changed tag in the evidence",
          "[witness][dkom]") {
    for (const char* sample : kDkomSamples) {
        INFO(sample);
        auto m = openPath(testfiles::sample(sample));
        const auto thread = run(m, "thread");
        const auto thrdscan = run(m, "thrdscan");
        const auto scan = run(m, "scan");
        // Its threads' PspCidTable entries are zeroed: the thread view cannot see it, thrdscan
        // can. Every process with a thread is in thrdscan: the thread view's and hidden.exe.
        auto in_thread = names(m, thread), in_thrdscan = names(m, thrdscan);
        CHECK_FALSE(in_thread.count("hidden.exe"));
        CHECK(in_thrdscan.count("hidden.exe"));
        for (const auto& n : in_thread)
            CHECK(in_thrdscan.count(n));
        CHECK_FALSE(in_thrdscan.count("exited.exe")); // no threads left
        CHECK(thrdscan.complete);

        // Its 'Proc' tag is gone: found by the tag-free check only, with the tag it has.
        REQUIRE(names(m, scan).count("hidden.exe"));
        const auto hidden = std::find_if(scan.entries.begin(), scan.entries.end(), [&](auto& e) {
            return m.catalog->get(e.eprocess).name() == "hidden.exe";
        });
        CHECK_THAT(hidden->note, Catch::Contains("tag 'Vad '"));
        REQUIRE(scan.evidence.count(hidden->eprocess));
        CHECK_THAT(scan.evidence.at(hidden->eprocess).front(),
                   Catch::Contains("not 'Proc'") && Catch::Contains("tampering"));
        CHECK(scan.evidence.size() == 1); // no other process has another tag

        // The witnesses left after every list and table: active, cid against scan and thrdscan.
        std::vector<views::ViewResult> results{run(m, "active"), run(m, "cid"), scan, thrdscan};
        const auto cv = crossview::mergeViews(std::move(results), *m.catalog);
        std::set<std::string> hidden_set;
        for (const auto& p : cv.processes) {
            if (p.verdict != crossview::Verdict::Hidden)
                continue;
            hidden_set.insert(p.record.name());
            if (p.record.name() == "hidden.exe")
                CHECK(std::any_of(p.evidence.begin(), p.evidence.end(), [](const auto& line) {
                    return line.starts_with("scan: its pool tag is 'Vad '");
                }));
        }
        CHECK(hidden_set == std::set<std::string>{"rootkit.exe", "hidden.exe"});
    }
}

TEST_CASE("thrdscan alone is a witness: what it lacks is explained, it never makes HIDDEN",
          "[witness]") {
    const auto* info = views::findView("thrdscan");
    REQUIRE(info);
    CHECK_FALSE(info->process_manager_record);
    CHECK(info->scans_physical_memory);
    REQUIRE(info->explain_absence);
    views::ProcessRecord r;
    r.exit_time = 1;
    auto m = openPath(testfiles::sample("dkom_19041.dmp"));
    CHECK_THAT(info->explain_absence(r, *m.kernel, views::ViewResult{}), Catch::Contains("exited"));
    r.exit_time = 0;
    r.minimal = true;
    CHECK_THAT(info->explain_absence(r, *m.kernel, views::ViewResult{}),
               Catch::Contains("minimal"));
    r.minimal = false;
    r.active_threads = 3;
    CHECK(info->explain_absence(r, *m.kernel, views::ViewResult{}).empty());
    const auto cv = crossview::mergeViews({run(m, "thrdscan")}, *m.catalog);
    CHECK(cv.count(crossview::Verdict::Hidden) == 0);
    CHECK_FALSE(cv.cannot_judge.empty());
}

TEST_CASE("the scan and thrdscan views share one pass over memory", "[witness][scan]") {
    auto m = openPath(testfiles::sample("dkom_19041.dmp"));
    CHECK_FALSE(m.catalog->scanCache());
    run(m, "thrdscan");
    REQUIRE(m.catalog->scanCache());
    const auto* pass = m.catalog->scanCache().get();
    run(m, "scan");
    CHECK(m.catalog->scanCache().get() == pass);
}

TEST_CASE("the tag-free check: a process object under another tag is found, look-alikes are not",
          "[witness][scan]") {
    // scan_19041: every process still carries 'Proc', and the decoys (garbage, a zeroed object, a
    // look-alike whose links are not canonical, a thread header) must give no tag-free hit.
    auto m = openPath(testfiles::sample("scan_19041.dmp"));
    auto outcome = views::scanForProcesses(*m.kernel, views::ViewOptions{1, {}});
    REQUIRE(outcome);
    CHECK(outcome->tag_free.empty());
    CHECK(outcome->header_hits >= outcome->candidates.size() - 4);
    std::size_t threads = 0;
    for (const auto& t : outcome->threads)
        threads += t.accepted;
    CHECK(threads > 20);
    for (const auto& t : outcome->threads)
        if (!t.accepted)
            FAIL_CHECK("a generated thread object was rejected: " << t.reject_reason);
}

TEST_CASE("dtb: every live process's page-table root is found and owned; an unowned root is "
          "a warning",
          "[witness][dtb]") {
    for (const char* sample : kDkomSamples) {
        INFO(sample);
        auto m = openPath(testfiles::sample(sample));
        std::string problem;
        const auto roots = views::findPageTableRoots(*m.kernel->x64AddressSpace(), problem);
        CHECK(problem.empty());
        // After all the other views, as in --view all: every process they found owns a root.
        std::vector<views::ViewResult> results;
        for (const auto& name : views::allViewNames())
            results.push_back(run(m, name));
        const auto& dtb = results.back();
        REQUIRE(dtb.name == "dtb");
        CHECK(dtb.unowned_roots.empty());
        CHECK(dtb.warnings.empty());
        auto in_dtb = names(m, dtb);
        CHECK(in_dtb.count("hidden.exe"));
        CHECK(in_dtb.count("System"));
        CHECK(roots.size() >= in_dtb.size() - 1); // System and Idle share the kernel's
    }
    // Alone, it matches the roots to active and cid itself.
    auto alone = openPath(testfiles::sample("dkom_19041.dmp"));
    const auto view = run(alone, "dtb");
    CHECK(names(alone, view).count("smss.exe"));
    CHECK_FALSE(names(alone, view).count("hidden.exe"));
    CHECK(view.unowned_roots.size() == 1); // hidden.exe's, which neither active nor cid lists
    REQUIRE(view.warnings.size() == 1);
    CHECK_THAT(view.warnings[0], Catch::Contains(fmt::format("{:#x}", view.unowned_roots[0])) &&
                                     Catch::Contains("no process the views found"));

    // orphan.exe of scan_transition_19041 has no kernel virtual address: its root is unowned.
    auto t = openScenario("scan_transition_19041");
    std::vector<views::ViewResult> results;
    for (const auto& name : views::allViewNames())
        results.push_back(run(t, name));
    CHECK(results.back().unowned_roots.size() == 1);
}

// The sample's memory as a raw physical image (each page at file offset = physical address).
std::filesystem::path writeRawImage(Machine& m, const std::string& name) {
    const auto& memory = m.kernel->x64AddressSpace()->physical();
    const auto path = testfiles::writeTemp(name, {});
    std::filesystem::resize_file(path, memory.pageSpan() * kPageSize);
    std::fstream out(path, std::ios::in | std::ios::out | std::ios::binary);
    memory.forEachPresentRange([&](std::uint64_t pfn, std::uint64_t, ByteView bytes) {
        out.seekp(static_cast<std::streamoff>(pfn * kPageSize));
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
    });
    REQUIRE(out.good());
    return path;
}

// The roots the scan's pass finds with the dtb view's test are those of the dtb view's own pass,
// whatever the thread count and the size of the tasks; the dtb view after the scan says what it
// says with a pass of its own.
void checkOnePassRoots(Machine& m) {
    const X64AddressSpace* x64 = m.kernel->x64AddressSpace();
    REQUIRE(x64);
    std::string problem;
    const auto separate = views::findPageTableRoots(*x64, problem);
    REQUIRE(problem.empty());
    REQUIRE_FALSE(separate.empty());
    CHECK(std::is_sorted(separate.begin(), separate.end()));
    for (unsigned threads : {1u, 2u}) {
        INFO("threads " << threads);
        auto outcome = views::scanForProcesses(*m.kernel, views::ViewOptions{threads, {}});
        REQUIRE(outcome);
        REQUIRE(outcome->page_table_roots);
        CHECK(*outcome->page_table_roots == separate);
    }
    auto test = views::PageTableRootTest::forKernel(*x64);
    REQUIRE(test);
    for (unsigned threads : {1u, 2u, 3u}) {
        INFO("threads " << threads << ", 64 KiB tasks");
        kernel::PoolScanOptions o;
        o.patterns = {kernel::PoolTagPattern{kProc, 0x7FFFFFFF, std::nullopt}};
        o.threads = threads;
        o.chunk_bytes = 64 << 10;
        o.page_visitor = [&](ByteView bytes, std::uint64_t base, std::vector<std::uint64_t>& out) {
            test->findIn(bytes, base, out);
        };
        const auto r = kernel::scanPoolTags(x64->physical(), o);
        CHECK(r.visited == separate);
    }

    // The dtb view after the scan, from the scan's roots, then from a pass of its own.
    run(m, "scan");
    REQUIRE(m.catalog->scanCache());
    const auto from_scan = run(m, "dtb");
    m.catalog->scanCache().reset();
    const auto own = run(m, "dtb");
    CHECK(from_scan.available == own.available);
    // The same details, but for the line that says where the roots came from.
    REQUIRE_FALSE(from_scan.details.empty());
    CHECK(from_scan.details.front() ==
          "page-table roots from the scan's pass over physical memory");
    CHECK(std::vector<std::string>(from_scan.details.begin() + 1, from_scan.details.end()) ==
          own.details);
    CHECK(from_scan.warnings == own.warnings);
    CHECK(from_scan.unowned_roots == own.unowned_roots);
    REQUIRE(from_scan.entries.size() == own.entries.size());
    for (std::size_t i = 0; i < own.entries.size(); ++i) {
        CHECK(from_scan.entries[i].eprocess == own.entries[i].eprocess);
        CHECK(from_scan.entries[i].note == own.entries[i].note);
    }
}

TEST_CASE("one pass: the scan's page-table roots are the dtb view's own pass's", "[witness][dtb]") {
    std::vector<std::string> samples(std::begin(kDkomSamples), std::end(kDkomSamples));
    samples.insert(samples.end(), {"scan_19041.dmp", "scan_7601.dmp"});
    for (const auto& sample : samples) {
        INFO(sample);
        auto m = openPath(testfiles::sample(sample));
        checkOnePassRoots(m);
    }
    // A raw image of a sample: its kernel found by scanning, its roots the same.
    auto dump = openPath(testfiles::sample("dkom_19041.dmp"));
    const auto raw_path = writeRawImage(dump, "onepass-dkom_19041.raw");
    {
        auto raw = openPath(raw_path);
        REQUIRE(raw.session->rawImage());
        checkOnePassRoots(raw);
    }
    std::filesystem::remove(raw_path);
}

TEST_CASE("object counts: the Process type's TotalNumberOfObjects against the objects found",
          "[witness][objects]") {
    for (const char* sample : kDkomSamples) {
        INFO(sample);
        auto m = openPath(testfiles::sample(sample));
        auto counts = kernel::findProcessTypeCounts(*m.kernel);
        REQUIRE(counts);
        CHECK_THAT(counts->source, Catch::Contains("shape in .data"));
        std::vector<views::ViewResult> results;
        for (const auto& name : views::allViewNames())
            results.push_back(run(m, name));
        const auto cv = crossview::mergeViews(std::move(results), *m.catalog);
        const auto& oc = cv.object_count;
        REQUIRE(oc.available);
        CHECK(oc.compared);
        CHECK(oc.kernel_objects == counts->total_objects);
        CHECK(oc.found == oc.kernel_objects); // hidden.exe included, by the tag-free check
        CHECK(oc.unaccounted() == 0);
    }
    // Without the scan: given, not compared.
    auto m = openPath(testfiles::sample("dkom_19041.dmp"));
    const auto cv = crossview::mergeViews({run(m, "active"), run(m, "cid")}, *m.catalog);
    CHECK(cv.object_count.available);
    CHECK_FALSE(cv.object_count.compared);
    CHECK_THAT(cv.object_count.why_not_compared, Catch::Contains("scan view did not run"));
    CHECK(cv.object_count.unaccounted() == 0);

    // orphan.exe cannot be merged (no virtual address): the kernel counts one more.
    auto t = openScenario("scan_transition_19041");
    std::vector<views::ViewResult> results;
    for (const auto& name : views::allViewNames())
        results.push_back(run(t, name));
    const auto tcv = crossview::mergeViews(std::move(results), *t.catalog);
    CHECK(tcv.object_count.compared);
    CHECK(tcv.object_count.unaccounted() == 1);
}

TEST_CASE("object counts say why when the Process type cannot be found", "[witness][objects]") {
    // The real triage dump saved only some of ntoskrnl's pages.
    auto session = analysis::Session::open(testfiles::sample("real/triage_x64.dmp"), {});
    REQUIRE(session);
    auto k = (*session)->kernel();
    REQUIRE(k);
    auto counts = kernel::findProcessTypeCounts(**k);
    REQUIRE_FALSE(counts);
    CHECK_THAT(counts.error().message, Catch::Contains("ObTypeIndexTable"));
}

TEST_CASE("nt!ObTypeIndexTable is taken from the symbols when they place it, else by its shape",
          "[witness][objects]") {
    // Without a symbol for it (the built-in rows keep none), the table is found by its shape.
    auto shaped = openPath(testfiles::sample("dkom_19041.dmp"));
    auto by_shape = kernel::findProcessTypeCounts(*shaped.kernel);
    REQUIRE(by_shape);
    CHECK_THAT(by_shape->source, Catch::Contains("by its shape in .data"));
    const std::uint64_t base = shaped.kernel->kernelImage()->base;

    // The 19041 ISF with its ObTypeIndexTable symbol moved to where this machine keeps the
    // table: the symbol is used, and gives the same counts.
    auto isf =
        kernel::loadIsfProfile(testfiles::dataDir() / "windows-symbols/isf_jpcert/"
                                                      "BBED7C2955FBE4522AAA23F4B8677AD9-1.json.xz");
    REQUIRE(isf);
    auto open_with = [&](std::uint64_t rva) {
        isf->symbols["ObTypeIndexTable"] = rva;
        const auto path = testfiles::uniqueTempPath("obtypes.json");
        {
            std::ofstream out(path);
            out << kernel::exportIsf(*isf);
        }
        analysis::OpenOptions options;
        options.symbols = path.string();
        auto session = analysis::Session::open(testfiles::sample("dkom_19041.dmp"), options);
        REQUIRE(session);
        auto k = (*session)->kernel();
        REQUIRE(k);
        auto counts = kernel::findProcessTypeCounts(**k);
        std::filesystem::remove(path);
        return counts;
    };
    auto by_symbol = open_with(by_shape->index_table - base);
    REQUIRE(by_symbol);
    CHECK_THAT(by_symbol->source,
               Catch::StartsWith(fmt::format("nt!ObTypeIndexTable at {:#x} by ISF symbol",
                                             by_shape->index_table)));
    CHECK(by_symbol->total_objects == by_shape->total_objects);
    CHECK(by_symbol->type_object == by_shape->type_object);

    // A symbol that leads to no table of types (kernel .data that is not it) is not trusted:
    // the shape is looked for instead.
    auto misplaced = open_with(by_shape->index_table - base + 0x1000);
    REQUIRE(misplaced);
    CHECK_THAT(misplaced->source, Catch::Contains("by its shape in .data"));
}
