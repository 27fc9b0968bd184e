#pragma once
// Reports of the process views, the cross-view table and the diff, as text, JSON or CSV.
// The JSON shape is documented in docs/json-output.md.

#include <string>

#include "dumpprocs/crossview/crossview.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report {

struct ViewsReportOptions {
    OutputFormat format = OutputFormat::Text;
    bool cross_table = false; // --view all: one row per process with a column per view
    bool color = false;       // ANSI colour for HIDDEN and warnings (text only)
};

std::string renderViews(const crossview::CrossView& cv, const ViewsReportOptions& options);
std::string renderDiff(const crossview::CrossView& cv, const crossview::Diff& diff,
                       const ViewsReportOptions& options);

} // namespace dumpprocs::report
