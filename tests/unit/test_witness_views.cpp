// The witnesses of issue 16 (kproc, session, handles, csrss) on generated dumps, judged against
// what the generator planted (dumpgen's truth), never against the tool's own output: each
// walker's entries, damaged rings, a session without processes, csrss handle tables of every
// handle-entry era, and each of csrss's expected-absence rules.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include "dumpgen/scenario.hpp"
#include "dumpgen/scenarios.hpp"
#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/crossview/crossview.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/views/views.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;

namespace {

dumpgen::Scenario scenarioNamed(const std::string& name) {
    for (const auto& s : dumpgen::allScenarios())
        if (s.name == name)
            return s;
    FAIL("no scenario " << name);
    return {};
}

// A generated dump opened as the CLI opens it, with the generator's truth.
struct Machine {
    std::filesystem::path path;
    dumpgen::BuiltDump built;
    std::unique_ptr<analysis::Session> session;
    const kernel::KernelContext* kernel = nullptr;
    std::unique_ptr<views::ProcessCatalog> catalog;
    ~Machine() {
        session.reset();
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

std::unique_ptr<Machine> build(const dumpgen::Scenario& s) {
    auto m = std::make_unique<Machine>();
    m->built = dumpgen::buildScenarioWithTruth(s);
    m->path = testfiles::writeTemp("witness-" + s.name + ".dmp", m->built.bytes);
    auto session = analysis::Session::open(m->path, {});
    REQUIRE(session);
    m->session = std::move(*session);
    auto k = m->session->kernel();
    REQUIRE(k);
    m->kernel = *k;
    m->catalog = std::make_unique<views::ProcessCatalog>(*m->kernel);
    return m;
}

views::ViewResult run(Machine& m, const std::string& name) {
    auto r = views::runView(name, *m.catalog);
    REQUIRE(r);
    return std::move(*r);
}

std::set<std::uint64_t> listed(const views::ViewResult& v) {
    std::set<std::uint64_t> out;
    for (const auto& e : v.entries)
        out.insert(e.eprocess);
    return out;
}

const dumpgen::TruthProcess& truthNamed(const Machine& m, const std::string& name) {
    auto it = std::find_if(m.built.processes.begin(), m.built.processes.end(),
                           [&](const auto& p) { return p.image_name == name; });
    REQUIRE(it != m.built.processes.end());
    return *it;
}

// Every process the csrss handle tables of the truth name.
std::set<std::uint64_t> truthCsrssHandles(const Machine& m) {
    std::set<std::uint64_t> out;
    for (const auto& p : m.built.processes)
        out.insert(p.csrss_handles.begin(), p.csrss_handles.end());
    return out;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const auto& l) { return l.find(text) != std::string::npos; });
}

std::size_t hiddenCount(Machine& m) {
    std::vector<views::ViewResult> results;
    for (const auto& name : views::allViewNames())
        if (!views::scansPhysicalMemory(name))
            results.push_back(run(m, name));
    return crossview::mergeViews(std::move(results), *m.catalog).count(crossview::Verdict::Hidden);
}

// The rules scenario: dkom_19041's machine with a chosen process list. Session 0: csrss.exe,
// wininit.exe, services.exe; session 1: early.exe (started before session 1's csrss.exe),
// csrss.exe, winlogon.exe, late.exe, DKOM'd ghost.exe (off every list and table but csrss's and
// pool); plus smss.exe and MemCompression (no session) and exited.exe.
dumpgen::Scenario rulesScenario() {
    dumpgen::Scenario s = scenarioNamed("dkom_19041");
    s.name = "csrss_rules_19041";
    s.translation_fixtures = false;
    auto proc = [](const char* name, int session) {
        dumpgen::ProcessSpec p;
        p.name = name;
        p.threads = 2;
        p.session = session;
        return p;
    };
    dumpgen::ProcessSpec compression = proc("MemCompression", -1);
    compression.minimal = true;
    dumpgen::ProcessSpec exited = proc("exited.exe", -1);
    exited.exited = true;
    dumpgen::ProcessSpec ghost = proc("ghost.exe", 1);
    ghost.unlink_active = ghost.unlink_mm = ghost.remove_cid = ghost.remove_thread_cids = true;
    ghost.unlink_kproc = ghost.unlink_session = ghost.unlink_handles = true;
    s.processes = {proc("smss.exe", -1),
                   compression,
                   proc("csrss.exe", 0),
                   proc("wininit.exe", 0),
                   proc("services.exe", 0),
                   proc("early.exe", 1),
                   proc("csrss.exe", 1),
                   proc("winlogon.exe", 1),
                   proc("late.exe", 1),
                   ghost,
                   exited};
    return s;
}

} // namespace

TEST_CASE("the witnesses list what the generator linked on dkom_19041", "[witness]") {
    auto m = build(scenarioNamed("dkom_19041"));
    const auto kproc = listed(run(*m, "kproc"));
    const auto session = listed(run(*m, "session"));
    const auto handles = listed(run(*m, "handles"));
    const auto csrss_view = run(*m, "csrss");
    REQUIRE(csrss_view.available);
    CHECK(csrss_view.complete);
    CHECK(csrss_view.exhaustive);
    CHECK(listed(csrss_view) == truthCsrssHandles(*m));
    for (const auto& p : m->built.processes) {
        if (p.idle)
            continue;
        INFO(p.image_name);
        const bool live = !p.exited && !p.minimal;
        CHECK(kproc.count(p.eprocess) ==
              (live && p.image_name != "rootkit.exe" && p.image_name != "hidden.exe"));
        CHECK(session.count(p.eprocess) == (p.session != 0 && p.image_name != "hidden.exe"));
        CHECK(handles.count(p.eprocess) == (!p.exited && p.image_name != "hidden.exe"));
        if (p.image_name == "hidden.exe" || p.image_name == "rootkit.exe")
            CHECK(csrss_view.entries.end() !=
                  std::find_if(csrss_view.entries.begin(), csrss_view.entries.end(),
                               [&](const auto& e) { return e.eprocess == p.eprocess; }));
    }
    // Each session's ID is known on 19041 and is the process's attribute.
    const auto& winlogon = m->catalog->get(truthNamed(*m, "winlogon.exe").eprocess);
    REQUIRE(winlogon.session_id);
    CHECK(winlogon.session == truthNamed(*m, "winlogon.exe").session);
    CHECK_FALSE(m->catalog->get(m->kernel->systemProcess()).session_id);
}

// Two ways a witness ring breaks, each planted in one process of dkom_19041: every ring view
// reports itself incomplete with a warning (naming the bad link where there is one), and the
// witnesses never make a process HIDDEN: only rootkit.exe and hidden.exe are.
TEST_CASE("a broken witness ring leaves the views incomplete and named, none HIDDEN", "[witness]") {
    struct Damage {
        const char* name;
        std::size_t process;
        bool dumpgen::ProcessSpec::*flag;
        const char* warning; // a text the warnings must hold; nullptr: any warning
        std::size_t min_entries;
    };
    const auto damage = GENERATE(
        // The Blink walk from the head reaches the processes past the zeroed node.
        Damage{"zeroed", 8, &dumpgen::ProcessSpec::zero_witness_links, nullptr, 10},
        Damage{"bad_flink", 12, &dumpgen::ProcessSpec::bad_witness_flink, "0xfffff8a0dead0000", 0});
    INFO(damage.name);
    dumpgen::Scenario s = scenarioNamed("dkom_19041");
    s.name = std::string("witness_") + damage.name + "_19041";
    s.translation_fixtures = false;
    s.processes[damage.process].*damage.flag = true;
    auto m = build(s);
    for (const char* name : {"kproc", "session", "handles"}) {
        INFO(name);
        const auto view = run(*m, name);
        REQUIRE(view.available);
        CHECK_FALSE(view.complete);
        CHECK_FALSE(view.warnings.empty());
        if (damage.warning)
            CHECK(mentions(view.warnings, damage.warning));
        CHECK(view.entries.size() >= damage.min_entries);
    }
    CHECK(hiddenCount(*m) == 2);
}

TEST_CASE("a session whose ProcessList is empty is found and lists nothing", "[witness]") {
    dumpgen::Scenario s = scenarioNamed("dkom_19041");
    s.name = "empty_session_19041";
    s.translation_fixtures = false;
    for (auto& p : s.processes)
        p.session = 0;
    s.processes[12].session = 1;
    s.processes[12].unlink_session = true; // session 1's only process, off its list
    auto m = build(s);
    const auto view = run(*m, "session");
    REQUIRE(view.available);
    CHECK(view.complete);
    CHECK(mentions(view.details, "session 1 at"));
    for (const auto& e : view.entries)
        CHECK(e.note == "session 0");
    // csrss: session 1 has no csrss.exe, which explains the absence of its process.
    const auto csrss = run(*m, "csrss");
    REQUIRE(csrss.available);
    const auto& lonely = m->catalog->get(m->built.processes[2 + 12].eprocess); // Idle, System
    REQUIRE(lonely.session_id == std::optional<std::uint32_t>(1));
    CHECK_FALSE(listed(csrss).count(lonely.eprocess));
    CHECK_THAT(views::explainCsrssAbsence(lonely, *m->kernel, csrss),
               Catch::Contains("session 1 has no live csrss.exe"));
}

TEST_CASE("csrss handle tables decode in every handle-entry era", "[witness][csrss]") {
    struct Era {
        const char* base; // a scenario of that layout to take the machine from
        const char* profile;
        std::uint32_t build;
        kernel::HandleEntryEra era;
    };
    for (const Era& e : {Era{"dkom_7601", "7601c", 7601, kernel::HandleEntryEra::Win7},
                         Era{"dkom_7601", "9200", 9200, kernel::HandleEntryEra::Win8},
                         Era{"dkom_19041", "19041", 19041, kernel::HandleEntryEra::Win81Plus}}) {
        INFO(e.profile);
        dumpgen::Scenario s = scenarioNamed(e.base);
        s.name = std::string("csrss_era_") + e.profile;
        s.profile = e.profile;
        s.build = e.build;
        s.translation_fixtures = false;
        s.pdb_guid = "0F1E2D3C4B5A69788796A5B4C3D2E1F0"; // chosen by validation
        auto m = build(s);
        CHECK(m->kernel->layout().handle_table.era == e.era);
        const auto view = run(*m, "csrss");
        REQUIRE(view.available);
        CHECK(view.complete);
        CHECK(view.warnings.empty());
        const auto truth = truthCsrssHandles(*m);
        CHECK(truth.size() >= 10);
        CHECK(listed(view) == truth); // the thread handles are left out by their type
    }
}

TEST_CASE("csrss's expected absences: each rule names why", "[witness][csrss]") {
    auto m = build(rulesScenario());
    const auto view = run(*m, "csrss");
    REQUIRE(view.available);
    CHECK(view.exhaustive);
    REQUIRE(view.csrss_tables.size() == 2);
    const auto seen = listed(view);
    CHECK(seen == truthCsrssHandles(*m));
    auto why = [&](std::uint64_t eprocess) {
        CHECK_FALSE(seen.count(eprocess));
        return views::explainCsrssAbsence(m->catalog->get(eprocess), *m->kernel, view);
    };
    auto named = [&](const char* name) { return truthNamed(*m, name).eprocess; };
    CHECK_THAT(why(m->kernel->systemProcess()), Catch::Contains("System is created by the kernel"));
    CHECK_THAT(why(named("smss.exe")), Catch::Contains("smss.exe, the session manager"));
    CHECK_THAT(why(named("MemCompression")), Catch::Contains("minimal process"));
    CHECK_THAT(why(named("exited.exe")), Catch::Contains("exited"));
    CHECK_THAT(why(named("early.exe")), Catch::Contains("started before the csrss.exe of its "
                                                        "session 1"));
    CHECK_THAT(why(m->built.processes.front().eprocess), Catch::Contains("Idle"));
    for (const auto& t : view.csrss_tables)
        CHECK_THAT(why(t.eprocess), Catch::Contains("holds no handle to itself"));
    // What csrss does name needs no rule; ghost.exe, off every kernel list and table, is named.
    for (const char* name :
         {"wininit.exe", "services.exe", "winlogon.exe", "late.exe", "ghost.exe"})
        CHECK(seen.count(named(name)));
    // A process of session 0 is named by session 0's csrss.exe only, never by session 1's.
    for (const auto& e : view.entries) {
        const auto& r = m->catalog->get(e.eprocess);
        REQUIRE(r.session_id);
        auto byNote = [&](const views::CsrssTable& t) {
            const std::string pid = "PID " + std::to_string(m->catalog->get(t.eprocess).pid) + " ";
            return e.note.find(pid) != std::string::npos;
        };
        const auto owner = std::find_if(view.csrss_tables.begin(), view.csrss_tables.end(), byNote);
        REQUIRE(owner != view.csrss_tables.end());
        CHECK(owner->session_id == r.session_id);
    }
    // ghost.exe is still found and called HIDDEN by what is left: csrss, with active and cid.
    std::vector<views::ViewResult> results;
    for (const char* name : {"active", "cid", "csrss"})
        results.push_back(run(*m, name));
    const auto cv = crossview::mergeViews(std::move(results), *m->catalog);
    CHECK(cv.count(crossview::Verdict::Hidden) == 1);
    for (const auto& p : cv.processes)
        if (p.record.name() == "ghost.exe")
            CHECK(p.verdict == crossview::Verdict::Hidden);
}

TEST_CASE("csrss is unavailable, with the reason, on a triage dump", "[witness][csrss][triage]") {
    const auto path = testfiles::sample("real/triage_x64.dmp");
    if (!std::filesystem::exists(path)) {
        WARN("no real triage dump: " << path);
        return;
    }
    auto session = analysis::Session::open(path, {});
    REQUIRE(session);
    auto k = (*session)->kernel();
    REQUIRE(k);
    views::ProcessCatalog catalog(**k);
    auto view = views::runView("csrss", catalog);
    REQUIRE(view);
    CHECK_FALSE(view->available);
    CHECK_FALSE(view->lacks_symbols);
    CHECK_FALSE(view->unavailable_reason.empty());
}

TEST_CASE("a listed process under a spoofed pool tag is found by its object, flagged, not HIDDEN",
          "[witness][scan]") {
    // The tag alone changed ('Proc' -> 'Vad '), the process still on every list and table: the
    // tag-free check finds it and says the tag was tampered with, and no verdict calls it hidden
    // (hidden.exe of the dkom samples has this shape combined with every unlinking).
    dumpgen::Scenario s = scenarioNamed("dkom_19041");
    s.name = "spoofed_tag_19041";
    s.translation_fixtures = false;
    s.processes[8].spoof_pool_tag = true;
    auto m = build(s);
    const std::string name = s.processes[8].name;
    const auto& truth = truthNamed(*m, name);
    std::vector<views::ViewResult> results;
    for (const auto& view : views::allViewNames())
        results.push_back(run(*m, view));
    const auto scan = results[std::distance(
        views::allViewNames().begin(),
        std::find(views::allViewNames().begin(), views::allViewNames().end(), "scan"))];
    REQUIRE(scan.available);
    CHECK(listed(scan).count(truth.eprocess));
    CHECK(mentions(scan.warnings, "its pool tag is 'Vad ', not 'Proc'"));
    const auto cv = crossview::mergeViews(std::move(results), *m->catalog);
    auto it = std::find_if(cv.processes.begin(), cv.processes.end(),
                           [&](const auto& p) { return p.record.eprocess == truth.eprocess; });
    REQUIRE(it != cv.processes.end());
    CHECK(it->in.at("active"));
    CHECK(it->in.at("cid"));
    CHECK(it->verdict != crossview::Verdict::Hidden);
    CHECK(mentions(it->view_evidence, "a process object under another tag is itself evidence "
                                      "of tampering"));
    // Only the dkom sample's own two stay HIDDEN.
    CHECK(cv.count(crossview::Verdict::Hidden) == 2);
}
