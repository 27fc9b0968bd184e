// The views and the cross-view verdicts on the sample dumps, through the library API.
#include <catch2/catch.hpp>

#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/crossview/crossview.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/views/views.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;

namespace {

struct Machine {
    std::unique_ptr<analysis::Session> session; // opened as the CLI opens it
    const kernel::KernelContext* kernel = nullptr;
    std::unique_ptr<views::ProcessCatalog> catalog;
};

Machine openMachine(const std::string& name) {
    auto session = analysis::Session::open(testfiles::sample(name), {});
    REQUIRE(session);
    Machine m{std::move(*session), nullptr, nullptr};
    auto k = m.session->kernel();
    REQUIRE(k);
    m.kernel = *k;
    m.catalog = std::make_unique<views::ProcessCatalog>(*m.kernel);
    return m;
}

crossview::CrossView runAll(Machine& m) {
    std::vector<views::ViewResult> results;
    for (const auto& name : views::allViewNames()) {
        auto r = views::runView(name, *m.catalog);
        REQUIRE(r);
        results.push_back(std::move(*r));
    }
    return crossview::mergeViews(std::move(results), *m.catalog);
}

} // namespace

TEST_CASE("mm view of the Windows 7 article: System, 134 numbered entries, head, Idle",
          "[views][article]") {
    auto m = openMachine("win7sp1_7601_article.dmp");
    CHECK(m.kernel->profile().name == "7601a");
    CHECK(m.kernel->systemProcess() == 0xfffffa8006d0f740ULL);
    auto mm = views::runMmProcessLinksView(*m.catalog);
    REQUIRE(mm.complete);
    REQUIRE(mm.entries.size() == 135);
    CHECK_FALSE(mm.entries[0].index.has_value());
    CHECK(mm.entries[0].eprocess == 0xfffffa8006d0f740ULL);
    CHECK(mm.entries[1].eprocess == 0xfffffa800a763b30ULL); // 000 smss.exe
    CHECK(*mm.entries[133].index == 132);
    const auto& head = m.catalog->get(mm.entries[133].eprocess);
    CHECK(head.eprocess == 0xfffff80003c80ac0ULL);
    CHECK(head.kind == views::EntryKind::ListHead);
    CHECK_FALSE(head.inserted);
    const auto& idle = m.catalog->get(mm.entries[134].eprocess);
    CHECK(idle.eprocess == 0xfffff80003c54180ULL);
    CHECK(idle.kind == views::EntryKind::Idle);
    CHECK(idle.name() == "Idle");
}

TEST_CASE("the active view sees what WinDbg's !process shows", "[views]") {
    auto m = openMachine("win7sp1_7601_article.dmp");
    auto active = views::runActiveProcessLinksView(*m.catalog);
    CHECK(active.complete);
    CHECK(active.entries.size() == 133); // System and the 132 processes
    CHECK(active.entries.front().eprocess == 0xfffffa8006d0f740ULL);
}

TEST_CASE("DKOM samples: exactly the unlinked processes are HIDDEN on every layout",
          "[views][dkom]") {
    for (const char* name :
         {"dkom_7601.dmp", "dkom_9600.dmp", "dkom_19041.dmp", "dkom_22631.dmp", "dkom_26100.dmp"}) {
        INFO(name);
        auto m = openMachine(name);
        auto merged = runAll(m);
        CHECK(merged.complete());
        std::set<std::string> hidden, terminated;
        for (const auto& p : merged.processes) {
            if (p.verdict == crossview::Verdict::Hidden)
                hidden.insert(p.record.name());
            if (p.verdict == crossview::Verdict::Terminated)
                terminated.insert(p.record.name());
            CHECK(p.verdict != crossview::Verdict::Invalid);
        }
        CHECK(hidden == std::set<std::string>{"rootkit.exe", "hidden.exe"});
        CHECK(terminated == std::set<std::string>{"exited.exe"});
    }
}

TEST_CASE("a broken Flink leaves a partial, marked-incomplete view", "[views]") {
    auto m = openMachine("broken_flink_19041.dmp");
    auto active = views::runActiveProcessLinksView(*m.catalog);
    CHECK_FALSE(active.complete);
    CHECK_FALSE(active.entries.empty());
    bool named = false;
    for (const auto& w : active.warnings)
        named = named || w.find("0xfffff8a0dead0000") != std::string::npos;
    CHECK(named);
}

TEST_CASE("a three-level PspCidTable is walked to its far entries", "[views][cid]") {
    auto m = openMachine("dkom_22631.dmp");
    auto cid = views::runCidTableView(*m.catalog);
    CHECK(cid.complete);
    bool far = false;
    for (const auto& e : cid.entries)
        far = far || m.catalog->get(e.eprocess).pid == 0x80010;
    CHECK(far);
}
