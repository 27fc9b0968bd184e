#include "dumpprocs/crossview/crossview.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "dumpprocs/kernel/object_types.hpp"

namespace dumpprocs::crossview {
namespace {

std::string joinViews(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

// What the classifier needs to know of each view that ran.
struct ViewFacts {
    bool available = true;
    bool exhaustive = true;
    std::vector<std::string> gaps;
    const views::ViewInfo* info = nullptr;     // nullptr for a name the table does not know
    const views::ViewResult* result = nullptr; // for the witnesses' absence rules
};
using ViewFactsByName = std::map<std::string, ViewFacts>;

// A live process that some Process Manager records lack: HIDDEN when one of them was read whole,
// else unverified, with the gaps that leave it open.
void judgeMissing(MergedProcess& m, const std::vector<std::string>& absent_pm,
                  const ViewFactsByName& facts) {
    std::vector<std::string> whole;
    for (const auto& view : absent_pm)
        if (facts.at(view).exhaustive)
            whole.push_back(view);
    // HIDDEN names a live process object: its object header must say so too (a page lost from
    // the dump can leave a process's fields readable and its header, or the reference, wrong).
    if (!whole.empty() && !m.record.object_header_valid) {
        m.verdict = Verdict::Unverified;
        m.evidence.push_back(fmt::format("missing from {}, which {} read whole, but its object "
                                         "header does not confirm a process object ({}): "
                                         "hidden or not, it cannot be told",
                                         joinViews(whole), whole.size() == 1 ? "was" : "were",
                                         m.record.objectHeaderNote()));
        return;
    }
    if (!whole.empty()) {
        m.verdict = Verdict::Hidden;
        m.evidence.push_back(
            fmt::format("a live process object ({}) missing from the Process Manager's own "
                        "lists: unlinked or removed (DKOM)",
                        m.record.objectHeaderNote()));
        m.evidence.push_back(fmt::format("{} {} read whole, so the absence is real",
                                         joinViews(whole), whole.size() == 1 ? "was" : "were"));
        return;
    }
    m.verdict = Verdict::Unverified;
    m.evidence.push_back(fmt::format("missing from {}, but {} could not be read whole, so the "
                                     "absence may be the dump's, not the kernel's:",
                                     joinViews(absent_pm),
                                     absent_pm.size() == 1 ? "that record" : "those records"));
    for (const auto& view : absent_pm)
        for (const auto& gap : facts.at(view).gaps)
            m.evidence.push_back(fmt::format("{}: {}", view, gap));
}

// Verdicts that the record alone decides, whatever the views saw. True when it decided.
bool classifyByKind(MergedProcess& m) {
    using views::EntryKind;
    const auto& r = m.record;
    switch (r.kind) {
    case EntryKind::ListHead:
        m.verdict = Verdict::Expected;
        m.evidence.push_back("the MmProcessLinks list head (nt!MmProcessList on 7/8.1, "
                             "MiState.Processes.ProcessList on 10/11) read as if it were an "
                             "_EPROCESS: it sits between the last process inserted and Idle; no "
                             "process object is there, so no other view can list it");
        return true;
    case EntryKind::Idle:
        m.verdict = Verdict::Expected;
        m.evidence.push_back("the static Idle process: never on ActiveProcessLinks, and PID 0 and "
                             "the idle threads have no PspCidTable entry");
        return true;
    case EntryKind::Unsaved:
        m.verdict = Verdict::Unsaved;
        m.evidence.push_back("outside what the dump holds: whether it is a live, an exited or a "
                             "hidden process cannot be told");
        return true;
    case EntryKind::Invalid:
        m.verdict = Verdict::Invalid;
        m.evidence.push_back("not a process object: reported as the walk found it");
        return true;
    case EntryKind::Process:
        break;
    }
    if (r.terminated()) {
        m.verdict = Verdict::Terminated;
        m.evidence.push_back(fmt::format("exited: ExitTime {:#x}, ProcessExiting {}, "
                                         "ProcessDelete {}",
                                         r.exit_time, r.exiting ? 1 : 0, r.deleted ? 1 : 0));
        return true;
    }
    return false;
}

// The witnesses (kproc, session, handles, csrss) never decide a verdict by what they lack: each
// absence goes into the evidence with its explanation, or saying that none is known. Takes them out
// of `absent`.
void explainWitnessAbsences(MergedProcess& m, std::vector<std::string>& absent,
                            const ViewFactsByName& facts, const kernel::KernelContext& kernel) {
    std::erase_if(absent, [&](const std::string& view) {
        const views::ViewInfo* info = facts.at(view).info;
        if (!info || !info->explain_absence)
            return false;
        const std::string why = info->explain_absence(m.record, kernel, *facts.at(view).result);
        if (!why.empty())
            m.evidence.push_back(fmt::format("not in {}, as expected: {}", view, why));
        else if (facts.at(view).exhaustive)
            m.evidence.push_back(fmt::format("not in {} ({}), and no known reason explains it: "
                                             "the list may have been edited (not a Process "
                                             "Manager record, so no verdict rests on it)",
                                             view, info->title));
        else
            m.evidence.push_back(fmt::format("not in {}, which could not be read whole", view));
        return true;
    });
}

void classify(MergedProcess& m, const ViewFactsByName& facts, const std::string& cannot_judge,
              const kernel::KernelContext& kernel) {
    std::vector<std::string> present, absent;
    for (const auto& [view, seen] : m.in) {
        if (!facts.at(view).available)
            continue;
        (seen ? present : absent).push_back(view);
    }
    m.evidence = m.record.evidence;
    m.evidence.insert(m.evidence.end(), m.view_evidence.begin(), m.view_evidence.end());
    if (!absent.empty())
        m.evidence.push_back(
            fmt::format("seen by {}; not by {}", joinViews(present), joinViews(absent)));
    if (classifyByKind(m))
        return;
    if (!cannot_judge.empty()) {
        m.verdict = Verdict::Unjudged;
        m.evidence.push_back(cannot_judge);
        return;
    }
    explainWitnessAbsences(m, absent, facts, kernel);
    std::vector<std::string> absent_pm;
    std::copy_if(absent.begin(), absent.end(), std::back_inserter(absent_pm),
                 isProcessManagerRecord);
    if (!absent_pm.empty() && !present.empty()) {
        judgeMissing(m, absent_pm, facts);
        return;
    }
    // The pool scan misses a process only when its pool header is gone (page absent from the
    // dump, header overwritten): not a reason the minimal/thread explanations below are about.
    const auto scans = [](const std::string& v) { return views::scansPhysicalMemory(v); };
    const bool missed_by_scan = std::any_of(absent.begin(), absent.end(), scans);
    std::erase_if(absent, scans);
    if (absent.empty() && missed_by_scan)
        m.evidence.push_back("not found by the pool scan: its pool header is not in the dump or "
                             "does not look like a process allocation");
    if (!absent.empty() && m.record.minimal.value_or(false)) {
        m.verdict = Verdict::Expected;
        m.evidence.push_back("a minimal process (Flags3.Minimal): it has no threads of its own, so "
                             "the thread view cannot see it");
        return;
    }
    if (!absent.empty() && m.record.active_threads == 0) {
        m.verdict = Verdict::Expected;
        m.evidence.push_back("ActiveThreads is 0: no thread to find it by");
        return;
    }
    m.verdict = Verdict::Ok;
}

ObjectCount countObjects(const CrossView& cv, const kernel::KernelContext& k) {
    ObjectCount c;
    auto counts = kernel::findProcessTypeCounts(k);
    if (!counts) {
        c.unavailable_reason = counts.error().message;
        return c;
    }
    c.available = true;
    c.kernel_objects = counts->total_objects;
    c.kernel_handles = counts->total_handles;
    c.type_object = counts->type_object;
    c.source = counts->source;
    for (const auto& p : cv.processes)
        if (p.record.kind == views::EntryKind::Process && p.record.object_header_valid)
            ++c.found;
    // The scan sees process objects whatever the lists say; without it (or with parts of memory
    // it could not read) the views count only what is listed, and a difference proves nothing.
    const auto scan = std::find_if(cv.views.begin(), cv.views.end(),
                                   [](const auto& v) { return v.name == "scan"; });
    if (scan == cv.views.end())
        c.why_not_compared = "the scan view did not run: only the processes some list or table "
                             "holds were counted";
    else if (!scan->available || !scan->complete)
        c.why_not_compared = "the scan view could not read all of physical memory";
    else
        c.compared = true;
    return c;
}

} // namespace

const char* verdictName(Verdict v) {
    switch (v) {
    case Verdict::Ok:
        return "ok";
    case Verdict::Expected:
        return "expected";
    case Verdict::Hidden:
        return "HIDDEN";
    case Verdict::Terminated:
        return "TERMINATED";
    case Verdict::Invalid:
        return "invalid";
    case Verdict::Unsaved:
        return "unsaved";
    case Verdict::Unverified:
        return "unverified";
    case Verdict::Unjudged:
        return "unjudged";
    }
    return "invalid";
}

bool isProcessManagerRecord(const std::string& view) {
    const views::ViewInfo* info = views::findView(view);
    return info && info->process_manager_record;
}

std::string whyCannotJudge(const std::vector<std::string>& views) {
    const bool has_pm = std::any_of(views.begin(), views.end(), isProcessManagerRecord);
    if (has_pm && views.size() >= 2)
        return "";
    return fmt::format("{} alone cannot tell a hidden process from a listed one: that takes a "
                       "Process Manager record (active or cid) and a second view to compare it "
                       "with (e.g. --view all, --diff active,mm)",
                       views.size() == 1 ? "the " + views.front() + " view"
                                         : "the views " + joinViews(views));
}

std::size_t CrossView::count(Verdict v) const {
    return static_cast<std::size_t>(std::count_if(processes.begin(), processes.end(),
                                                  [v](const auto& p) { return p.verdict == v; }));
}

bool CrossView::anyHidden() const {
    return std::any_of(processes.begin(), processes.end(),
                       [](const auto& p) { return p.verdict == Verdict::Hidden; });
}

bool CrossView::complete() const {
    return std::all_of(views.begin(), views.end(),
                       [](const auto& v) { return !v.available || v.complete; });
}

CrossView mergeViews(std::vector<views::ViewResult> results, views::ProcessCatalog& catalog) {
    CrossView cv;
    ViewFactsByName facts;
    std::map<std::uint64_t, std::size_t> position;
    std::vector<std::string> available;
    for (const auto& view : results) {
        cv.view_names.push_back(view.name);
        facts[view.name] = ViewFacts{view.available, view.exhaustive, view.gaps,
                                     views::findView(view.name), &view};
        if (view.available)
            available.push_back(view.name);
    }
    std::size_t entries = 0;
    for (const auto& view : results)
        entries = std::max(entries, view.entries.size());
    cv.processes.reserve(entries); // at least as many as the longest view lists
    for (const auto& view : results) {
        for (const auto& entry : view.entries) {
            auto [it, inserted] = position.emplace(entry.eprocess, cv.processes.size());
            if (inserted) {
                MergedProcess m;
                m.record = catalog.get(entry.eprocess);
                for (const auto& name : cv.view_names)
                    m.in[name] = false;
                cv.processes.push_back(std::move(m));
            }
            cv.processes[it->second].in[view.name] = true;
        }
        for (const auto& [eprocess, lines] : view.evidence)
            if (auto it = position.find(eprocess); it != position.end())
                for (const auto& line : lines)
                    cv.processes[it->second].view_evidence.push_back(view.name + ": " + line);
    }
    // Judged on the views that could run: asked-for views that were unavailable compare nothing.
    cv.cannot_judge = whyCannotJudge(available.empty() ? cv.view_names : available);
    for (auto& m : cv.processes)
        classify(m, facts, cv.cannot_judge, catalog.kernel());
    cv.views = std::move(results);
    cv.object_count = countObjects(cv, catalog.kernel());
    return cv;
}

Diff diffViews(const CrossView& merged, const std::string& a, const std::string& b) {
    Diff d{a, b, {}, {}};
    for (const auto& p : merged.processes) {
        const bool in_a = p.in.at(a), in_b = p.in.at(b);
        if (in_a && !in_b)
            d.only_in_a.push_back(p);
        else if (in_b && !in_a)
            d.only_in_b.push_back(p);
    }
    return d;
}

} // namespace dumpprocs::crossview
