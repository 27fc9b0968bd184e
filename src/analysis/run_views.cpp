#include "dumpprocs/analysis/run_views.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dumpprocs/kernel/code_page.hpp"
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

Expected<unsigned> parseCodePage(const std::string& text) {
    std::string digits = text;
    if (digits.size() > 2 && (digits[0] == 'c' || digits[0] == 'C') &&
        (digits[1] == 'p' || digits[1] == 'P'))
        digits.erase(0, 2);
    unsigned code_page = 0;
    const bool number =
        !digits.empty() && digits.size() <= 5 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (number)
        code_page = static_cast<unsigned>(std::stoul(digits));
    if (!number || !kernel::checkCodePage(code_page)) {
        std::string known;
        for (unsigned p : kernel::knownCodePages())
            known += (known.empty() ? "" : ", ") + std::to_string(p);
        if (number)
            if (auto checked = kernel::checkCodePage(code_page);
                !checked &&
                std::find(kernel::knownCodePages().begin(), kernel::knownCodePages().end(),
                          code_page) != kernel::knownCodePages().end())
                return checked.error();
        return makeError(ErrorCode::Usage, "--codepage '{}' is not a code page the tool knows ({})",
                         text, known);
    }
    return code_page;
}

Expected<crossview::CrossView> runViews(const kernel::KernelContext& k,
                                        const std::vector<std::string>& names,
                                        const RunHooks& hooks, const NameOptions& naming) {
    views::ProcessCatalog catalog(k, naming.code_page);
    std::vector<views::ViewResult> results;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string& name = names[i];
        views::ViewOptions vo;
        vo.progress = hooks.progress;
        vo.scan_pass_follows = std::any_of(names.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                           names.end(), [](const std::string& later) {
                                               const auto* info = views::findView(later);
                                               return info && info->scans_physical_memory &&
                                                      info->id != views::ViewId::Dtb;
                                           });
        DP_TRY(auto view, views::runView(name, catalog, vo));
        if (hooks.view_done)
            hooks.view_done(view);
        results.push_back(std::move(view));
    }
    return crossview::mergeViews(std::move(results), catalog);
}

Expected<DiffRun> runDiff(const kernel::KernelContext& k, const std::string& a,
                          const std::string& b, bool no_scan, const RunHooks& hooks,
                          const NameOptions& naming) {
    const auto sa = expandViews({a}, no_scan), sb = expandViews({b}, no_scan);
    if (sa.all || sb.all || sa.names.size() != 1 || sb.names.size() != 1 ||
        sa.names[0] == sb.names[0])
        return makeError(ErrorCode::Usage, "--diff takes two different views, e.g. active,mm");
    DP_TRY(auto merged, runViews(k, {sa.names[0], sb.names[0]}, hooks, naming));
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
