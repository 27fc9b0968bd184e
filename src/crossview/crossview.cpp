#include "dumpprocs/crossview/crossview.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace dumpprocs::crossview {
namespace {

// The views that the Process Manager keeps for every live process; missing from one of them while
// present elsewhere is what DKOM leaves behind.
bool isProcessManagerView(const std::string& view) {
    return view == "active" || view == "cid";
}

std::string joinViews(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

// Views whose absence proves nothing: they stopped at memory the dump never saved (triage).
using StoppedShort = std::set<std::string>;

void classify(MergedProcess& m, const std::map<std::string, bool>& available,
              const StoppedShort& stopped_short) {
    using views::EntryKind;
    const auto& r = m.record;
    std::vector<std::string> present, absent;
    for (const auto& [view, seen] : m.in) {
        if (!available.at(view))
            continue;
        (seen ? present : absent).push_back(view);
    }
    m.evidence = r.evidence;
    if (!absent.empty())
        m.evidence.push_back(
            fmt::format("seen by {}; not by {}", joinViews(present), joinViews(absent)));

    switch (r.kind) {
    case EntryKind::ListHead:
        m.verdict = Verdict::Expected;
        m.evidence.push_back("the MmProcessLinks list head (nt!MmProcessList on 7/8.1, "
                             "MiState.Processes.ProcessList on 10/11) read as if it were an "
                             "_EPROCESS: it sits between the last process inserted and Idle; no "
                             "process object is there, so no other view can list it");
        return;
    case EntryKind::Idle:
        m.verdict = Verdict::Expected;
        m.evidence.push_back("the static Idle process: never on ActiveProcessLinks, and PID 0 and "
                             "the idle threads have no PspCidTable entry");
        return;
    case EntryKind::Unsaved:
        m.verdict = Verdict::Unsaved;
        for (const auto& view : absent)
            if (stopped_short.count(view))
                m.evidence.push_back(fmt::format("the {} walk stopped where the saved memory ends "
                                                 "before it could reach this entry",
                                                 view));
        m.evidence.push_back("outside what the dump saved: whether it is a live, an exited or a "
                             "hidden process cannot be told");
        return;
    case EntryKind::Invalid:
        m.verdict = Verdict::Invalid;
        m.evidence.push_back("not a process object: reported as the walk found it");
        return;
    case EntryKind::Process:
        break;
    }
    if (r.terminated()) {
        m.verdict = Verdict::Terminated;
        m.evidence.push_back(fmt::format("exited: ExitTime {:#x}, ProcessExiting {}, "
                                         "ProcessDelete {}",
                                         r.exit_time, r.exiting ? 1 : 0, r.deleted ? 1 : 0));
        return;
    }
    const bool missing_from_pm = std::any_of(absent.begin(), absent.end(), isProcessManagerView);
    const bool only_unsaved = std::all_of(
        absent.begin(), absent.end(), [&](const auto& v) { return stopped_short.count(v) != 0; });
    if (missing_from_pm && !present.empty() && only_unsaved) {
        m.verdict = Verdict::Unsaved;
        m.evidence.push_back(fmt::format("not seen by {}: that walk stopped where the dump's saved "
                                         "memory ends, so its absence there proves nothing",
                                         joinViews(absent)));
        return;
    }
    if (missing_from_pm && !present.empty()) {
        m.verdict = Verdict::Hidden;
        m.evidence.push_back(
            fmt::format("a live process object ({}) missing from the Process Manager's own "
                        "lists: unlinked or removed (DKOM)",
                        r.object_header_note));
        return;
    }
    // The pool scan misses a process only when its pool header is gone (page absent from the
    // dump, header overwritten): not a reason the minimal/thread explanations below are about.
    std::erase(absent, std::string("scan"));
    if (absent.empty() && m.in.count("scan") && !m.in.at("scan") && available.at("scan"))
        m.evidence.push_back("not found by the pool scan: its pool header is not in the dump or "
                             "does not look like a process allocation");
    if (!absent.empty() && r.minimal.value_or(false)) {
        m.verdict = Verdict::Expected;
        m.evidence.push_back("a minimal process (Flags3.Minimal): it has no threads of its own, so "
                             "the thread view cannot see it");
        return;
    }
    if (!absent.empty() && r.active_threads == 0) {
        m.verdict = Verdict::Expected;
        m.evidence.push_back("ActiveThreads is 0: no thread to find it by");
        return;
    }
    m.verdict = Verdict::Ok;
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
    }
    return "invalid";
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
    std::map<std::string, bool> available;
    std::map<std::uint64_t, std::size_t> position;
    for (const auto& view : results) {
        cv.view_names.push_back(view.name);
        available[view.name] = view.available;
    }
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
    }
    StoppedShort stopped_short;
    if (!catalog.kernel().addressSpace().hasPhysicalBacking())
        for (const auto& view : results)
            if (view.available && !view.complete)
                stopped_short.insert(view.name);
    for (auto& m : cv.processes)
        classify(m, available, stopped_short);
    cv.views = std::move(results);
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
