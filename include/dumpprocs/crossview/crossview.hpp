#pragma once
// Cross-view: merges the views by EPROCESS address, gives each process a verdict with its evidence
// (like Volatility's psxview, but saying why), and computes the difference of two views.

#include <map>
#include <string>
#include <vector>

#include "dumpprocs/views/views.hpp"

namespace dumpprocs::crossview {

enum class Verdict {
    Ok,         // seen where a live process should be seen
    Expected,   // a difference the kernel makes on its own (Idle, the list head, a minimal process)
    Hidden,     // a real process object missing from active or cid but seen elsewhere
    Terminated, // exited (ExitTime or exit flags set) yet still in a list or table
    Invalid,    // a node that is not a process object and not explained
    Unsaved,    // missing only from views that stopped where a triage dump's memory ends
};
// "ok", "expected", "HIDDEN", "TERMINATED", "invalid", "unsaved"
const char* verdictName(Verdict v);

struct MergedProcess {
    views::ProcessRecord record;
    std::map<std::string, bool> in; // view name -> seen, for every view that ran
    Verdict verdict = Verdict::Ok;
    std::vector<std::string> evidence;
};

struct CrossView {
    std::vector<std::string> view_names;  // requested views, in order
    std::vector<views::ViewResult> views; // results, same order
    std::vector<MergedProcess> processes; // first-seen order across the views
    bool anyHidden() const;
    bool complete() const; // every available view complete
};

CrossView mergeViews(std::vector<views::ViewResult> results, views::ProcessCatalog& catalog);

struct Diff {
    std::string a, b;
    std::vector<MergedProcess> only_in_a, only_in_b;
};
Diff diffViews(const CrossView& merged, const std::string& a, const std::string& b);

} // namespace dumpprocs::crossview
