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
    Hidden,     // a live process object that an exhaustive Process Manager record lacks
    Terminated, // exited (ExitTime or exit flags set) yet still in a list or table
    Invalid,    // a node that is not a process object and not explained
    Unsaved,    // its _EPROCESS is not in the dump (not saved, or past the end of a cut file)
    Unverified, // missing from Process Manager records, each of which could not be read whole
    Unjudged,   // the run has no Process Manager record and a view to compare it with
};
// "ok", "expected", "HIDDEN", "TERMINATED", "invalid", "unsaved", "unverified", "unjudged"
const char* verdictName(Verdict v);

// The views whose absence of a live process is what DKOM leaves behind: the Process Manager's
// own records of every live process (ActiveProcessLinks and PspCidTable).
bool isProcessManagerRecord(const std::string& view);

// Why a run of these views cannot tell a hidden process from a listed one, or "" when it can:
// it needs a Process Manager record and a second view to compare it with.
std::string whyCannotJudge(const std::vector<std::string>& views);

struct MergedProcess {
    views::ProcessRecord record;
    std::map<std::string, bool> in; // view name -> seen, for every view that ran
    Verdict verdict = Verdict::Ok;
    std::vector<std::string> evidence;
    std::vector<std::string> view_evidence; // facts the views found about it (ViewResult::evidence)
};

// The Process type object's own count of process objects against the distinct process objects
// the views found. Compared only when the pool scan ran whole (it is the view that can see every
// process object in memory, listed or not); otherwise given with why it was not compared.
struct ObjectCount {
    bool available = false;
    std::string unavailable_reason;   // why the Process type object was not found
    std::uint32_t kernel_objects = 0; // _OBJECT_TYPE.TotalNumberOfObjects
    std::uint32_t kernel_handles = 0; // _OBJECT_TYPE.TotalNumberOfHandles
    std::uint64_t type_object = 0;
    std::string source;
    std::size_t found = 0; // distinct process objects (with a process object header) found
    bool compared = false;
    std::string why_not_compared;
    // Process objects the kernel counts that no view found (0 when not compared).
    std::size_t unaccounted() const {
        return compared && kernel_objects > found ? kernel_objects - found : 0;
    }
};

struct CrossView {
    std::vector<std::string> view_names;  // requested views, in order
    std::vector<views::ViewResult> views; // results, same order
    std::vector<MergedProcess> processes; // first-seen order across the views
    // "" when the views that ran can judge hiding; else why not (the verdicts are then unjudged).
    std::string cannot_judge;
    ObjectCount object_count;
    bool anyHidden() const;
    std::size_t count(Verdict v) const;
    bool complete() const; // every available view complete
};

CrossView mergeViews(std::vector<views::ViewResult> results, views::ProcessCatalog& catalog);

struct Diff {
    std::string a, b;
    std::vector<MergedProcess> only_in_a, only_in_b;
};
Diff diffViews(const CrossView& merged, const std::string& a, const std::string& b);

} // namespace dumpprocs::crossview
