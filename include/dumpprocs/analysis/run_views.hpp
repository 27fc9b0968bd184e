#pragma once
// Running the process views the user asked for over one kernel, and the cross-view of them.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dumpprocs/crossview/crossview.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::analysis {

// The view names asked for, "all" expanded in the view table's order (without the views that
// scan physical memory under --no-scan), each name once; `all` tells whether "all" was among them
// (the report is then the cross-view table).
struct ViewSelection {
    std::vector<std::string> names;
    bool all = false;
};
ViewSelection expandViews(const std::vector<std::string>& requested, bool no_scan);

struct RunHooks {
    // Called now and then with (bytes done, bytes total) while a view scans memory; may be empty.
    std::function<void(std::uint64_t, std::uint64_t)> progress;
    // Called after each view has run (a progress display can go away); may be empty.
    std::function<void(const views::ViewResult&)> view_done;
};

// How process names are read: the system's ANSI code page (--codepage, checked by
// kernel::checkCodePage) for the names that are not ASCII and have no image path; 0: none.
struct NameOptions {
    unsigned code_page = 0;
};
// --codepage's value ("932", "cp932", any case) as a code page the tool can decode; fails (Usage)
// naming the known code pages.
Expected<unsigned> parseCodePage(const std::string& text);

// Runs `names` over one catalog of `kernel` and merges them. Fails (Usage) on an unknown name.
Expected<crossview::CrossView> runViews(const kernel::KernelContext& kernel,
                                        const std::vector<std::string>& names,
                                        const RunHooks& hooks = {}, const NameOptions& naming = {});

// --diff A,B: the two views run and merged, and what each has that the other lacks.
struct DiffRun {
    crossview::CrossView merged;
    crossview::Diff diff;
};
Expected<DiffRun> runDiff(const kernel::KernelContext& kernel, const std::string& a,
                          const std::string& b, bool no_scan, const RunHooks& hooks = {},
                          const NameOptions& naming = {});

// A HIDDEN row, for a batch summary: which process, and the views that ran and lack it.
struct HiddenProcess {
    std::uint64_t eprocess = 0;
    std::uint64_t pid = 0;
    std::string name;
    std::vector<std::string> missing_from; // in the run's view order
    std::string label() const;             // "name (pid N, 0xeprocess)"
};
std::vector<HiddenProcess> hiddenProcesses(const crossview::CrossView& cv);

} // namespace dumpprocs::analysis
