#include "dumpprocs/analysis/run_views.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dumpprocs/views/views.hpp"

namespace dumpprocs::analysis {
ViewSelection expandViews(const std::vector<std::string>& requested, bool no_scan) {
    ViewSelection s;
    auto add = [&s](const std::string& name) {
        if (std::find(s.names.begin(), s.names.end(), name) == s.names.end())
            s.names.push_back(name);
    };
    for (const auto& v : requested) {
        if (v == "all") {
            s.all = true;
            for (const auto& n : views::allViewNames())
                if (!(no_scan && views::scansPhysicalMemory(n)))
                    add(n);
        } else {
            add(v);
        }
    }
    return s;
}

Expected<crossview::CrossView> runViews(const kernel::KernelContext& k,
                                        const std::vector<std::string>& names,
                                        const RunHooks& hooks) {
    views::ProcessCatalog catalog(k);
    std::vector<views::ViewResult> results;
    for (const auto& name : names) {
        views::ViewOptions vo;
        vo.progress = hooks.progress;
        DP_TRY(auto view, views::runView(name, catalog, vo));
        if (hooks.view_done)
            hooks.view_done(view);
        results.push_back(std::move(view));
    }
    return crossview::mergeViews(std::move(results), catalog);
}

Expected<DiffRun> runDiff(const kernel::KernelContext& k, const std::string& a,
                          const std::string& b, bool no_scan, const RunHooks& hooks) {
    const auto sa = expandViews({a}, no_scan), sb = expandViews({b}, no_scan);
    if (sa.all || sb.all || sa.names.size() != 1 || sb.names.size() != 1 ||
        sa.names[0] == sb.names[0])
        return makeError(ErrorCode::Usage, "--diff takes two different views, e.g. active,mm");
    DP_TRY(auto merged, runViews(k, {sa.names[0], sb.names[0]}, hooks));
    auto diff = crossview::diffViews(merged, sa.names[0], sb.names[0]);
    return DiffRun{std::move(merged), std::move(diff)};
}

std::string HiddenProcess::label() const {
    return fmt::format("{} (pid {}, {:#x})", name, pid, eprocess);
}

std::vector<HiddenProcess> hiddenProcesses(const crossview::CrossView& cv) {
    std::vector<HiddenProcess> hidden;
    for (const auto& p : cv.processes) {
        if (p.verdict != crossview::Verdict::Hidden)
            continue;
        HiddenProcess h{p.record.eprocess, p.record.pid, p.record.name(), {}};
        for (const auto& v : cv.views)
            if (v.available && !p.in.at(v.name))
                h.missing_from.push_back(v.name);
        hidden.push_back(std::move(h));
    }
    return hidden;
}

} // namespace dumpprocs::analysis
