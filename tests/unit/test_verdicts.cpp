// The verdict rule of issue "HIDDEN means hidden": a process is HIDDEN only when a Process Manager
// record that lacks it was read whole; otherwise unverified, with the gap named. Checked on
// hand-built view results over a real sample's kernel, so that every case is exact.
#include <catch2/catch.hpp>

#include <algorithm>

#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/crossview/crossview.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/views/views.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;
using crossview::Verdict;

namespace {

struct Sample {
    std::unique_ptr<analysis::Session> session; // opened as the CLI opens it
    const kernel::KernelContext* kernel = nullptr;
    std::unique_ptr<views::ProcessCatalog> catalog;
};

Sample openSample(const std::string& name) {
    auto session = analysis::Session::open(testfiles::sample(name), {});
    REQUIRE(session);
    Sample s{std::move(*session), nullptr, nullptr};
    auto k = s.session->kernel();
    REQUIRE(k);
    s.kernel = *k;
    s.catalog = std::make_unique<views::ProcessCatalog>(*s.kernel);
    return s;
}

views::ViewResult run(Sample& s, const std::string& name) {
    auto r = views::runView(name, *s.catalog);
    REQUIRE(r);
    return std::move(*r);
}

// The view without the entries of the process named `name`, as a walk that missed it would be.
views::ViewResult without(views::ViewResult v, Sample& s, const std::string& name) {
    std::erase_if(v.entries,
                  [&](const auto& e) { return s.catalog->get(e.eprocess).name() == name; });
    return v;
}

const crossview::MergedProcess& find(const crossview::CrossView& cv, const std::string& name) {
    auto it = std::find_if(cv.processes.begin(), cv.processes.end(),
                           [&](const auto& p) { return p.record.name() == name; });
    REQUIRE(it != cv.processes.end());
    return *it;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const auto& l) { return l.find(text) != std::string::npos; });
}

} // namespace

TEST_CASE("missing from an exhaustive Process Manager record: HIDDEN", "[verdicts]") {
    auto s = openSample("dkom_19041.dmp");
    auto active = without(run(s, "active"), s, "notepad.exe");
    REQUIRE(active.exhaustive);
    auto cv = crossview::mergeViews({active, run(s, "mm")}, *s.catalog);
    const auto& p = find(cv, "notepad.exe");
    CHECK(p.verdict == Verdict::Hidden);
    CHECK(mentions(p.evidence, "active was read whole"));
}

TEST_CASE("missing only from records that were not read whole: unverified, gap named",
          "[verdicts]") {
    auto s = openSample("dkom_19041.dmp");
    auto active = without(run(s, "active"), s, "notepad.exe");
    active.complete = false;
    active.exhaustive = false;
    active.gaps = {"the Flink walk stopped: page 0x1234 not in the dump"};
    auto cv = crossview::mergeViews({active, run(s, "mm")}, *s.catalog);
    const auto& p = find(cv, "notepad.exe");
    CHECK(p.verdict == Verdict::Unverified);
    CHECK(mentions(p.evidence, "active: the Flink walk stopped: page 0x1234 not in the dump"));
    // The planted DKOM processes are missing from active too: unverified as well, never HIDDEN.
    CHECK(find(cv, "rootkit.exe").verdict == Verdict::Unverified);
    CHECK(cv.count(Verdict::Hidden) == 0);
}

TEST_CASE("one exhaustive record that lacks it is enough, whatever the others", "[verdicts]") {
    auto s = openSample("dkom_19041.dmp");
    auto active = without(run(s, "active"), s, "notepad.exe");
    active.exhaustive = false;
    active.gaps = {"broken"};
    auto cid = without(run(s, "cid"), s, "notepad.exe");
    REQUIRE(cid.exhaustive);
    auto cv = crossview::mergeViews({active, run(s, "mm"), cid}, *s.catalog);
    const auto& p = find(cv, "notepad.exe");
    CHECK(p.verdict == Verdict::Hidden);
    CHECK(mentions(p.evidence, "cid was read whole"));
}

TEST_CASE("runs that cannot judge say so instead of ok", "[verdicts]") {
    auto s = openSample("dkom_19041.dmp");
    SECTION("one view") {
        auto cv = crossview::mergeViews({run(s, "mm")}, *s.catalog);
        CHECK_FALSE(cv.cannot_judge.empty());
        CHECK(find(cv, "notepad.exe").verdict == Verdict::Unjudged);
        CHECK(find(cv, "rootkit.exe").verdict == Verdict::Unjudged);
        CHECK(find(cv, "exited.exe").verdict == Verdict::Terminated); // the record alone says it
        CHECK(cv.count(Verdict::Ok) == 0);
    }
    SECTION("two views, neither a Process Manager record") {
        auto cv = crossview::mergeViews({run(s, "mm"), run(s, "thread")}, *s.catalog);
        CHECK(find(cv, "rootkit.exe").verdict == Verdict::Unjudged);
        CHECK(cv.count(Verdict::Hidden) == 0);
    }
    SECTION("a Process Manager record and a second view judge") {
        auto cv = crossview::mergeViews({run(s, "active"), run(s, "mm")}, *s.catalog);
        CHECK(cv.cannot_judge.empty());
        CHECK(find(cv, "rootkit.exe").verdict == Verdict::Hidden);
        CHECK(find(cv, "notepad.exe").verdict == Verdict::Ok);
    }
    CHECK(crossview::whyCannotJudge({"scan"}).find("the scan view alone") != std::string::npos);
    CHECK_FALSE(crossview::whyCannotJudge({"mm", "scan"}).empty());
    CHECK(crossview::whyCannotJudge({"cid", "thread"}).empty());
}
