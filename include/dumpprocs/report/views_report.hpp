#pragma once
// Reports of the process views, the cross-view table and the diff, as text, JSON or CSV.
// The JSON shape is documented in docs/json-output.md.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dumpprocs/crossview/crossview.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

// --pid, --name, --verdict: which processes the tables show (every condition given must hold).
// They change what is shown, never the verdicts, their counts or the exit code.
struct ProcessFilter {
    std::vector<std::uint64_t> pids;          // any of them; a row without a PID matches none
    std::string name_glob;                    // shell glob on the name, case-insensitive
    std::vector<crossview::Verdict> verdicts; // any of them
    bool active() const { return !pids.empty() || !name_glob.empty() || !verdicts.empty(); }
    bool matches(const crossview::MergedProcess& m) const;
};

struct ViewsReportOptions {
    OutputFormat format = OutputFormat::Text;
    bool cross_table = false; // --view all: one row per process with a column per view
    bool color = false;       // ANSI colour for HIDDEN and warnings (text only)
    ProcessFilter filter;
    bool tree = false; // --tree: rows in parent/child order (text), a nested "tree" (JSON)
    // --columns: the text table's columns by key (processColumnKeys()); empty: the default set.
    // A list whose first key starts with '+' adds to the default set.
    std::vector<std::string> columns;
    bool wide = false; // --wide: every text column
};

// The keys --columns takes, in the order --wide shows them.
const std::vector<std::string>& processColumnKeys();
// "" when every key is known, else a usage message naming the first unknown one.
std::string checkColumnKeys(const std::vector<std::string>& keys);
// The verdict of a --verdict name (case-insensitive), nullopt for an unknown one.
std::optional<crossview::Verdict> verdictByName(const std::string& name);

// Where a report goes as it is rendered: called with each piece of the output in order. JSON and
// CSV are written a row at a time (in pieces of about 64 KiB), never held whole.
using Write = std::function<void(std::string_view)>;

void writeViews(const crossview::CrossView& cv, const ViewsReportOptions& options,
                const Write& write);
void writeDiff(const crossview::CrossView& cv, const crossview::Diff& diff,
               const ViewsReportOptions& options, const Write& write);
// The same, as one string.
std::string renderViews(const crossview::CrossView& cv, const ViewsReportOptions& options);
std::string renderDiff(const crossview::CrossView& cv, const crossview::Diff& diff,
                       const ViewsReportOptions& options);

} // namespace dumpprocs::report
