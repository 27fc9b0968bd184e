// The pool scan: the tag scanner (alignment, protected bit, threads and determinism, holes), the
// kernel reverse map, and the process candidate checks on the scan_<build> samples, including
// look-alikes and random bytes that must all be rejected.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "dumpprocs/addrspace/flat_physical_memory.hpp"
#include "dumpprocs/addrspace/kernel_reverse_map.hpp"
#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/kernel/pool_scanner.hpp"
#include "dumpprocs/kernel/process_object.hpp"
#include "dumpprocs/views/scan_view.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;

namespace {

constexpr std::uint32_t kProc = 0x636f7250;

// A source's pages without its scanBytes(): the scanner then reads the mapping itself.
class MappingOnly final : public PhysicalMemory {
  public:
    explicit MappingOnly(const PhysicalMemory& source) : source_(source) {}
    Expected<ByteView> page(std::uint64_t pfn) const override { return source_.page(pfn); }
    std::uint64_t pageSpan() const override { return source_.pageSpan(); }
    std::uint64_t presentPageCount() const override { return source_.presentPageCount(); }
    void forEachPresentRange(
        const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const override {
        source_.forEachPresentRange(visit);
    }

  private:
    const PhysicalMemory& source_;
};

kernel::PoolScanOptions procOptions(unsigned threads = 1, std::uint64_t chunk = 4 << 20) {
    kernel::PoolScanOptions o;
    o.patterns = {kernel::PoolTagPattern{kProc, 0x7FFFFFFF, std::nullopt}};
    o.threads = threads;
    o.chunk_bytes = chunk;
    return o;
}

void putTag(std::vector<std::byte>& image, std::uint64_t at, std::uint32_t tag) {
    std::memcpy(image.data() + at, &tag, sizeof tag);
}

// What the scanner must find, computed the slow, obvious way.
std::vector<kernel::PoolTagHit> naiveScan(const std::vector<std::byte>& image,
                                          const std::vector<PageRun>& runs) {
    std::vector<kernel::PoolTagHit> hits;
    for (const auto& r : runs)
        for (std::uint64_t at = r.first_pfn * kPageSize; at < (r.first_pfn + r.pages) * kPageSize;
             at += 16) {
            std::uint32_t v;
            std::memcpy(&v, image.data() + at + 4, 4);
            if ((v & 0x7FFFFFFF) == kProc)
                hits.push_back({at, v});
        }
    return hits;
}

// A dump and its kernel, opened through the façade as the CLI opens them.
struct OpenedDump {
    std::unique_ptr<analysis::Session> session;
    const kernel::KernelContext* kernel = nullptr;
};

OpenedDump openSample(const std::filesystem::path& path) {
    OpenedDump o;
    auto session = analysis::Session::open(path, {});
    REQUIRE(session);
    o.session = std::move(*session);
    auto k = o.session->kernel();
    REQUIRE(k);
    o.kernel = *k;
    return o;
}

std::filesystem::path sample(const char* name) {
    return std::filesystem::path(DUMPPROCS_SOURCE_DIR) / "testdata" / name;
}

} // namespace

TEST_CASE("the tag scanner finds 'Proc' at pool header positions, with or without the protected "
          "bit, and nothing else",
          "[scan]") {
    std::vector<std::byte> image(4 * kPageSize);
    putTag(image, 0x10 + 4, kProc);                       // hit
    putTag(image, 0x1000 + 0x40 + 4, kProc | 0x80000000); // hit, protected
    putTag(image, 0x2000 + 0x29, kProc);                  // not at +4 of a 16-byte slot
    putTag(image, 0x2000 + 0x48, kProc);                  // at +8: no pool header position
    putTag(image, 0x3000 + 0x84, 0x65726854);             // 'Thre'
    putTag(image, 0x3ff0 + 4, kProc);                     // last slot of the image: hit
    FlatPhysicalMemory memory(ByteView(image.data(), image.size()));
    const auto r = kernel::scanPoolTags(memory, procOptions());
    REQUIRE(r.hits == std::vector<kernel::PoolTagHit>{
                          {0x10, kProc}, {0x1040, kProc | 0x80000000}, {0x3ff0, kProc}});
    CHECK(r.pages_scanned == 4);
    CHECK(r.bytes_scanned == 4 * kPageSize);
}

TEST_CASE("the scan result does not depend on threads or chunking, skips absent pages and "
          "counts them",
          "[scan]") {
    const std::uint64_t pages = 600;
    std::vector<std::byte> image(pages * kPageSize);
    std::mt19937_64 rng(42);
    for (auto& b : image)
        b = static_cast<std::byte>(rng() & 0xFF);
    for (int i = 0; i < 300; ++i) // plant tags (some in holes, which must not be reported)
        putTag(image, (rng() % (pages * kPageSize / 16)) * 16 + 4,
               kProc | (i % 2 ? 0x80000000 : 0));
    const std::vector<PageRun> runs{{0, 100}, {130, 7}, {200, 350}, {590, 10}};
    FlatPhysicalMemory memory(ByteView(image.data(), image.size()), runs);
    const auto expected = naiveScan(image, runs);
    REQUIRE(expected.size() > 100);

    std::uint64_t last_done = 0, calls = 0;
    auto one = procOptions(1, kPageSize);
    one.progress = [&](std::uint64_t done, std::uint64_t total) {
        CHECK(done >= last_done);
        CHECK(total == 467 * kPageSize);
        last_done = done;
        ++calls;
    };
    const auto single = kernel::scanPoolTags(memory, one);
    CHECK(single.hits == expected);
    CHECK(last_done == 467 * kPageSize);
    CHECK(calls > 400);
    CHECK(single.pages_absent == 600 - 467);
    CHECK(single.pages_truncated == 0);
    for (unsigned threads : {2u, 3u, 8u})
        for (std::uint64_t chunk : {kPageSize, 5 * kPageSize, std::uint64_t{1} << 20}) {
            const auto multi = kernel::scanPoolTags(memory, procOptions(threads, chunk));
            CHECK(multi.hits == expected);
            CHECK(multi.bytes_scanned == single.bytes_scanned);
            CHECK(multi.threads_used ==
                  (chunk == (1u << 20) ? 1u : threads)); // 1.8 MiB: not worth it
        }
}

TEST_CASE("the kernel reverse map gives back the virtual address of a process body", "[scan]") {
    auto o = openSample(sample("scan_19041.dmp"));
    const std::uint64_t system = o.kernel->systemProcess();
    auto t = o.kernel->addressSpace().translate(system);
    REQUIRE(t);
    const auto map = KernelReverseMap::build(*o.session->physicalMemory(),
                                             o.kernel->x64AddressSpace()->directoryTableBase(),
                                             {t->physical >> kPageShift});
    CHECK(map.virtualOf(t->physical) == system);
    CHECK_FALSE(map.virtualOf(t->physical + kPageSize).has_value()); // not asked for
    CHECK_FALSE(map.truncated());
    CHECK(map.tablesMissing() == 0);
}

TEST_CASE("the scan accepts the process objects of scan_7601 and scan_19041 and rejects every "
          "decoy",
          "[scan]") {
    for (const char* name : {"scan_7601.dmp", "scan_19041.dmp"}) {
        INFO(name);
        auto o = openSample(sample(name));
        auto outcome = views::scanForProcesses(*o.kernel, views::ViewOptions{1, {}});
        REQUIRE(outcome);
        std::set<std::uint64_t> accepted;
        std::vector<std::string> rejected;
        for (const auto& c : outcome->candidates) {
            if (c.accepted) {
                REQUIRE(c.body_virtual);
                CHECK(c.mapped_by == "virtual address from the kernel page tables");
                accepted.insert(*c.body_virtual);
            } else {
                rejected.push_back(c.reject_reason);
            }
        }
        // Every process the generator made (System + 29 or 31), nothing else.
        views::ProcessCatalog catalog(*o.kernel);
        std::set<std::string> names;
        for (std::uint64_t e : accepted)
            names.insert(catalog.get(e).name());
        CHECK(names.count("gone.exe") == 1);
        CHECK(names.count("ghost.exe") == 1);
        CHECK(names.count("lookalike.exe") == 0);
        CHECK(names.count("wrongtype.exe") == 0);
        REQUIRE(rejected.size() == 4);
        CHECK_THAT(rejected[0], Catch::Contains("PointerCount"));   // garbage
        CHECK_THAT(rejected[1], Catch::Contains("PointerCount 0")); // zeroed object
        CHECK_THAT(rejected[2], Catch::Contains("ActiveProcessLinks.Flink 0x4141414141414141"));
        CHECK_THAT(rejected[3], Catch::Contains("object type fingerprint")); // thread header
    }
}

TEST_CASE("a genuine candidate with any one field broken is rejected", "[scan]") {
    const char* name = GENERATE("scan_7601.dmp", "scan_19041.dmp");
    INFO(name);
    auto o = openSample(sample(name));
    const auto& k = *o.kernel;
    auto layout = views::ScanLayout::resolve(k.profile(), k.layout());
    REQUIRE(layout);
    const views::ProcessCandidateCheck check(k, *layout);
    const std::uint64_t system = k.systemProcess();
    const std::uint64_t pool = system - 0x60; // POOL_HEADER + QuotaInfo + OBJECT_HEADER
    auto head = k.addressSpace().readBytes(pool, check.headerBytes());
    auto body = k.addressSpace().readBytes(system, layout->eprocess_size);
    REQUIRE(head);
    REQUIRE(body);
    const ByteView head_view(head->data(), head->size());
    REQUIRE(check.checkHeaders(head_view, pool).value() == 0x60);
    REQUIRE(check.checkBody(ByteView(body->data(), body->size())));

    const auto& p = k.layout().process;
    auto broken = [&](std::uint32_t offset, std::uint64_t value, std::size_t width) {
        auto copy = *body;
        std::memcpy(copy.data() + offset, &value, width);
        return !check.checkBody(ByteView(copy.data(), copy.size()));
    };
    CHECK(broken(p.header_type, 6, 1));    // a thread's dispatcher type
    if (layout->kprocess_size / 4 <= 0xFF) // sizeof(_KPROCESS)/4 fits the Size byte (7, 8.1)
        CHECK(broken(p.header_type + 2, 0x11, 1));
    CHECK(broken(p.directory_table_base, 0, 8));                  // no page directory
    CHECK(broken(p.directory_table_base, 0x1234567000000000, 8)); // beyond 52 bits
    CHECK(broken(p.mm_process_links + 8, 0x00007ff612340000, 8)); // user-half Blink
    CHECK(broken(p.unique_process_id, 0, 8));
    CHECK(broken(p.unique_process_id, 0x402, 8));  // not a multiple of 4
    CHECK(broken(p.image_file_name, 0, 1));        // empty name
    CHECK(broken(p.image_file_name + 2, 0x07, 1)); // unprintable
    CHECK(broken(p.create_time, 0, 8));
    CHECK(broken(p.create_time, 0x0200000000000000, 8)); // after the dump was written
    CHECK(broken(p.exit_time, 1, 8));                    // before CreateTime

    auto broken_head = [&](std::uint32_t offset, std::uint64_t value, std::size_t width) {
        auto copy = *head;
        std::memcpy(copy.data() + offset, &value, width);
        return !check.checkHeaders(ByteView(copy.data(), copy.size()), pool);
    };
    CHECK(broken_head(4, 0x65726854, 4));     // 'Thre'
    CHECK(broken_head(0x30, 0, 8));           // PointerCount 0
    CHECK(broken_head(0x30 + 0x1a, 0x04, 1)); // InfoMask announcing HandleInfo, not QuotaInfo
    CHECK(broken_head(2, 0x10, 1));           // BlockSize too small for an _EPROCESS
}

TEST_CASE("random bytes under a 'Proc' tag are never taken for a process", "[scan]") {
    auto o = openSample(sample("scan_7601.dmp"));
    const auto& k = *o.kernel;
    auto layout = views::ScanLayout::resolve(k.profile(), k.layout());
    REQUIRE(layout);
    const views::ProcessCandidateCheck check(k, *layout);
    std::mt19937_64 rng(7);
    std::vector<std::byte> head(check.headerBytes()), body(layout->eprocess_size);
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        for (auto& b : head)
            b = static_cast<std::byte>(rng() & (i % 3 ? 0xFF : 0x0F));
        for (auto& b : body)
            b = static_cast<std::byte>(rng() & (i % 3 ? 0xFF : 0x0F));
        putTag(head, 4, kProc);
        if (check.checkHeaders(ByteView(head.data(), head.size()), 0x100000 + i * 16ULL) &&
            check.checkBody(ByteView(body.data(), body.size())))
            ++accepted;
    }
    CHECK(accepted == 0);
}

TEST_CASE("a truncated dump is scanned as far as it goes, and says so", "[scan]") {
    const auto source = sample("scan_7601.dmp");
    const auto truncated = testfiles::uniqueTempPath("scan_truncated.dmp");
    {
        std::ifstream in(source, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
        std::ofstream out(truncated, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() * 9 / 10));
    }
    auto o = openSample(truncated);
    views::ProcessCatalog catalog(*o.kernel);
    const auto view = views::runPoolScanView(catalog, {});
    CHECK(view.available);
    CHECK_FALSE(view.complete);
    REQUIRE_FALSE(view.warnings.empty());
    CHECK_THAT(view.warnings[0], Catch::Contains("truncated"));
    CHECK_FALSE(view.entries.empty());
    std::filesystem::remove(truncated);
}

TEST_CASE("a body known only physically finds its virtual address through its list neighbours",
          "[scan]") {
    auto o = openSample(sample("scan_7601.dmp"));
    const auto& k = *o.kernel;
    views::ProcessCatalog catalog(k);
    const auto view = views::runPoolScanView(catalog, {});
    std::map<std::string, std::string> found_by;
    for (const auto& e : view.entries) {
        const std::string name = catalog.get(e.eprocess).name();
        if (name != "ghost.exe" && name != "gone.exe" && name != "lsass.exe")
            continue;
        auto t = k.addressSpace().translate(e.eprocess);
        auto body = kernel::readProcessObject(k.addressSpace(), k.layout().process, e.eprocess);
        REQUIRE(t);
        REQUIRE(body);
        auto va = views::bodyVirtualFromNeighbours(k, *body, t->physical);
        REQUIRE(va);
        CHECK(va->first == e.eprocess);
        found_by[name] = va->second;
        // Another physical address never matches.
        CHECK_FALSE(views::bodyVirtualFromNeighbours(k, *body, t->physical + 0x10));
    }
    // lsass.exe: its Flink's Blink; ghost.exe: unlinked to itself; gone.exe: stale links to
    // neighbours that no longer point back, but its empty thread list points to itself.
    CHECK(found_by["lsass.exe"] == "virtual address from the ActiveProcessLinks neighbour");
    CHECK(found_by["ghost.exe"] == "virtual address from the ActiveProcessLinks neighbour");
    CHECK(found_by["gone.exe"] == "virtual address from the ThreadListHead neighbour");
}

TEST_CASE("a crash dump hands the scanner a pread copy of each range, same bytes and addresses",
          "[scan]") {
    auto dump = dumpfile::CrashDump::open(sample("scan_19041.dmp"));
    REQUIRE(dump);
    std::vector<std::byte> buffer(4 << 20);
    std::size_t ranges = 0;
    (*dump)->forEachPresentRange([&](std::uint64_t pfn, std::uint64_t, ByteView bytes) {
        ++ranges;
        const ByteView copy = (*dump)->scanBytes(bytes, buffer);
        REQUIRE(copy.size() == bytes.size());
        CHECK(copy.data() == buffer.data()); // a copy, not the mapping
        CHECK(copy.base() == pfn * kPageSize);
        CHECK(std::string(copy.what()) == bytes.what());
        CHECK(std::memcmp(copy.data(), bytes.data(), bytes.size()) == 0);
        // A buffer too small for the range: the mapping's own bytes.
        const ByteView same = (*dump)->scanBytes(bytes, std::span(buffer).first(bytes.size() - 1));
        CHECK(same.data() == bytes.data());
    });
    CHECK(ranges > 0);
    // The whole scan gives the same hits as a scan of the mapping itself.
    const MappingOnly mapping(**dump);
    const auto copied = kernel::scanPoolTags(**dump, procOptions(2, 64 << 10));
    const auto mapped = kernel::scanPoolTags(mapping, procOptions(2, 64 << 10));
    CHECK_FALSE(copied.hits.empty());
    CHECK(copied.hits == mapped.hits);
}

namespace {

struct Found {
    std::uint64_t pid = 0;
    std::string name;
    bool operator==(const Found&) const = default;
};

// Every accepted candidate that has a virtual address: VA -> PID and name as the catalog reads
// them through that address; checks that the address translates back to the object found.
std::map<std::uint64_t, Found> acceptedByAddress(const OpenedDump& o,
                                                 const views::ScanOutcome& outcome) {
    views::ProcessCatalog catalog(*o.kernel);
    std::map<std::uint64_t, Found> out;
    for (const auto& c : outcome.candidates) {
        if (!c.accepted || !c.body_virtual)
            continue;
        auto t = o.kernel->addressSpace().translate(*c.body_virtual);
        REQUIRE(t);
        CHECK(t->physical == c.body_physical);
        const auto& r = catalog.get(*c.body_virtual);
        out[*c.body_virtual] = Found{r.pid, r.name()};
    }
    return out;
}

OpenedDump openScenario(const std::string& name) {
    const auto bytes = testfiles::scenarioBytes(name);
    REQUIRE_FALSE(bytes.empty());
    const auto path = testfiles::writeTemp(name + ".dmp", bytes);
    auto o = openSample(path);
    std::filesystem::remove(path); // the mapping stays valid
    return o;
}

} // namespace

TEST_CASE("process objects on transition pages are found at their virtual address, and one that "
          "no PTE maps is reported without one",
          "[scan]") {
    // scan_transition_19041 is scan_19041's machine with svchost.exe (in both lists) and
    // ghost.exe (in none) on pages mapped by transition PTEs, and orphan.exe on pages no PTE
    // names. Every object must be found with the address, PID and name it has on scan_19041.
    auto plain = openSample(sample("scan_19041.dmp"));
    auto plain_outcome = views::scanForProcesses(*plain.kernel, views::ViewOptions{1, {}});
    REQUIRE(plain_outcome);
    const auto expected = acceptedByAddress(plain, *plain_outcome);

    auto o = openScenario("scan_transition_19041");
    auto outcome = views::scanForProcesses(*o.kernel, views::ViewOptions{1, {}});
    REQUIRE(outcome);
    const auto found = acceptedByAddress(o, *outcome);
    CHECK(found == expected);

    std::size_t transition = 0, rejected = 0;
    std::vector<const views::ScanCandidate*> without_address;
    for (const auto& c : outcome->candidates) {
        if (!c.accepted) {
            ++rejected;
            continue;
        }
        if (!c.body_virtual) {
            without_address.push_back(&c);
            continue;
        }
        const std::string name = found.at(*c.body_virtual).name;
        const bool on_transition = name == "svchost.exe" || name == "ghost.exe";
        INFO(name);
        CHECK(c.mapped_by == (on_transition ? "virtual address from the kernel page tables (a "
                                              "transition PTE)"
                                            : "virtual address from the kernel page tables"));
        transition += on_transition;
    }
    CHECK(transition >= 2);
    CHECK(rejected == 4); // the decoys, nothing else
    REQUIRE(without_address.size() == 1);
    CHECK_THAT(without_address[0]->body_description, Catch::Contains("orphan.exe"));
    CHECK_THAT(without_address[0]->mapped_by, Catch::Contains("no kernel page-table entry"));

    // The reverse map itself says which entry maps the page.
    const auto ghost = std::find_if(found.begin(), found.end(),
                                    [](const auto& f) { return f.second.name == "ghost.exe"; });
    REQUIRE(ghost != found.end());
    const auto ghost_pa = o.kernel->addressSpace().translate(ghost->first)->physical;
    const auto map = KernelReverseMap::build(*o.session->physicalMemory(),
                                             o.kernel->x64AddressSpace()->directoryTableBase(),
                                             {ghost_pa >> kPageShift});
    const auto mapping = map.lookup(ghost_pa);
    REQUIRE(mapping);
    CHECK(mapping->virtual_address == ghost->first);
    CHECK(mapping->via == KernelReverseMap::Via::Transition);

    // The view reports the object it cannot merge, with what its bytes say, and drops nothing.
    views::ProcessCatalog catalog(*o.kernel);
    const auto view = views::runPoolScanView(catalog, {});
    CHECK(view.entries.size() == expected.size());
    REQUIRE(view.warnings.size() == 1);
    CHECK_THAT(
        view.warnings[0],
        Catch::Contains("orphan.exe") && Catch::Contains("no kernel virtual address") &&
            Catch::Contains(fmt::format("physical {:#x}", without_address[0]->body_physical)));
}

TEST_CASE("a candidate known only by its physical address is decoded over the 16 possible "
          "virtual address bytes",
          "[scan]") {
    auto o = openSample(sample("scan_19041.dmp"));
    const auto& k = *o.kernel;
    auto layout = views::ScanLayout::resolve(k.profile(), k.layout());
    REQUIRE(layout);
    const views::ProcessCandidateCheck check(k, *layout);
    const std::uint64_t pool = k.systemProcess() - 0x60;
    auto head = k.addressSpace().readBytes(pool, check.headerBytes());
    REQUIRE(head);
    const ByteView view(head->data(), head->size());
    const std::uint64_t pa = k.addressSpace().translate(pool)->physical;
    REQUIRE((pa & 0xF000) != (pool & 0xF000)); // the physical address alone decodes wrongly
    auto at_physical = check.checkHeadersAtPhysical(view, pa);
    REQUIRE(at_physical);
    CHECK(*at_physical == 0x60);
    // Bits 8..11 are fixed by the page offset: another offset gives another TypeIndex.
    auto wrong = check.checkHeadersAtPhysical(view, pa ^ 0x100);
    REQUIRE_FALSE(wrong);
    CHECK_THAT(wrong.error().message, Catch::Contains("for no virtual address"));

    // Random bytes are no more often taken for a process this way than through a known address.
    std::mt19937_64 rng(11);
    std::vector<std::byte> bytes(check.headerBytes()), body(layout->eprocess_size);
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        for (auto& b : bytes)
            b = static_cast<std::byte>(rng() & (i % 3 ? 0xFF : 0x0F));
        for (auto& b : body)
            b = static_cast<std::byte>(rng() & (i % 3 ? 0xFF : 0x0F));
        putTag(bytes, 4, kProc);
        if (check.checkHeadersAtPhysical(ByteView(bytes.data(), bytes.size()), i * 16ULL) &&
            check.checkBody(ByteView(body.data(), body.size())))
            ++accepted;
    }
    CHECK(accepted == 0);
}

TEST_CASE("processes whose DirectoryTableBase carries PCID bits are found on Windows 8.1",
          "[scan]") {
    auto o = openScenario("scan_pcid_9600");
    auto outcome = views::scanForProcesses(*o.kernel, views::ViewOptions{1, {}});
    REQUIRE(outcome);
    const auto found = acceptedByAddress(o, *outcome);
    std::size_t rejected = 0;
    for (const auto& c : outcome->candidates)
        rejected += !c.accepted;
    CHECK(rejected == 4); // the decoys only

    // Every process of the active and mm views is found at the same address, with the same PID
    // and name, and so are gone.exe and ghost.exe, which are in no list.
    views::ProcessCatalog catalog(*o.kernel);
    std::map<std::uint64_t, Found> listed;
    for (const auto& view :
         {views::runActiveProcessLinksView(catalog), views::runMmProcessLinksView(catalog)})
        for (const auto& e : view.entries)
            if (catalog.get(e.eprocess).kind == views::EntryKind::Process) {
                const auto& r = catalog.get(e.eprocess);
                listed[e.eprocess] = Found{r.pid, r.name()};
                CHECK((r.directory_table_base & 0xFFF) != 0); // the PCID is there
            }
    REQUIRE(listed.size() > 25);
    for (const auto& [va, f] : listed) {
        INFO(f.name);
        REQUIRE(found.count(va) == 1);
        CHECK(found.at(va) == f);
    }
    CHECK(found.size() == listed.size() + 2);
    std::set<std::string> names;
    for (const auto& [va, f] : found)
        names.insert(f.name);
    CHECK(names.count("gone.exe") == 1);
    CHECK(names.count("ghost.exe") == 1);
}

TEST_CASE("profile offsets outside the object are refused, never read", "[scan]") {
    auto o = openSample(sample("scan_19041.dmp"));
    const auto& k = *o.kernel;
    auto good = views::ScanLayout::resolve(k.profile(), k.layout());
    REQUIRE(good);

    // ScanLayout::resolve names the member that does not fit (issue 13's hostile ISF files).
    auto resolveWith = [&](auto edit) {
        kernel::KernelLayout layout = k.layout();
        edit(layout);
        return views::ScanLayout::resolve(k.profile(), layout);
    };
    auto far_name = resolveWith([](auto& l) { l.process.image_file_name = 0x7fffffff; });
    REQUIRE_FALSE(far_name);
    CHECK_THAT(far_name.error().message, Catch::Contains("_EPROCESS.ImageFileName"));
    auto small = resolveWith([](auto& l) { l.process.size = 0x40; });
    REQUIRE_FALSE(small);
    CHECK_THAT(small.error().message, Catch::Contains("sizeof(_EPROCESS) = 0x40"));
    auto huge = resolveWith([](auto& l) { l.process.size = 0x7fffffff; });
    REQUIRE_FALSE(huge);
    CHECK_THAT(huge.error().message, Catch::Contains("absurd"));
    auto header = resolveWith([](auto& l) { l.object_header.type_index = 0x1000; });
    REQUIRE_FALSE(header);
    CHECK_THAT(header.error().message, Catch::Contains("_OBJECT_HEADER.TypeIndex"));

    // The checks themselves read through bounds checks: a layout whose _EPROCESS is shorter than
    // its offsets (as a hostile profile would make it) fails cleanly on a buffer of that size.
    views::ScanLayout short_layout = *good;
    short_layout.eprocess_size = 0x40;
    const views::ProcessCandidateCheck check(k, short_layout);
    std::vector<std::byte> body(short_layout.eprocess_size);
    body[k.layout().process.header_type] = std::byte{3}; // a process's dispatcher type
    const std::uint64_t dtb = 0x1ad000;                  // a page-aligned DirectoryTableBase
    std::memcpy(body.data() + k.layout().process.directory_table_base, &dtb, sizeof dtb);
    auto result = check.checkBody(ByteView(body.data(), body.size()));
    REQUIRE_FALSE(result);
    CHECK_THAT(result.error().message, Catch::Contains("lies outside the 0x40 bytes read"));
    // A header buffer too short for the object header's members fails the same way.
    std::vector<std::byte> head(0x14);
    putTag(head, 4, kProc);
    auto short_head = check.checkHeaders(ByteView(head.data(), head.size()), 0xffffe00011020000);
    CHECK_FALSE(short_head);
}
