#include "dumpprocs/cli/run_modes.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dumpprocs/analysis/info.hpp"
#include "dumpprocs/analysis/kernel_modes.hpp"
#include "dumpprocs/analysis/read.hpp"
#include "dumpprocs/analysis/run_views.hpp"
#include "dumpprocs/cli/exit_codes.hpp"
#include "dumpprocs/cli/progress_bar.hpp"
#include "dumpprocs/report/cpus_report.hpp"
#include "dumpprocs/report/dt.hpp"
#include "dumpprocs/report/info_report.hpp"
#include "dumpprocs/report/list_report.hpp"
#include "dumpprocs/report/modules_report.hpp"
#include "dumpprocs/report/profile_report.hpp"
#include "dumpprocs/report/read_report.hpp"
#include "dumpprocs/report/views_report.hpp"

namespace dumpprocs::cli {
namespace {

using analysis::Container;
using analysis::Session;

int fail(const Error& e, int code = kExitBadInput) {
    spdlog::error("{}", e.message);
    return code;
}

// Logs what the session has to tell since the last call, in order.
void logMessages(Session& s) {
    for (const auto& m : s.takeMessages()) {
        switch (m.level) {
        case analysis::Message::Level::Debug:
            spdlog::debug("{}", m.text);
            break;
        case analysis::Message::Level::Info:
            spdlog::info("{}", m.text);
            break;
        case analysis::Message::Level::Warn:
            spdlog::warn("{}", m.text);
            break;
        }
    }
}

int printModules(const kernel::ModuleList& modules, const Options& o, const Output& out) {
    for (const auto& w : modules.warnings)
        spdlog::warn("modules: {}", w);
    // Each unreadable entry once, up to a few: the output's notes list them all.
    constexpr std::size_t kMaxEntryWarnings = 8;
    std::size_t problems = 0;
    for (std::size_t i = 0; i < modules.modules.size(); ++i)
        if (const auto& m = modules.modules[i];
            !m.problem.empty() && ++problems <= kMaxEntryWarnings)
            spdlog::warn("modules: No. {} ({} {:#x}): {}", i, modules.entryLabel(), m.entry,
                         m.problem);
    if (problems > kMaxEntryWarnings)
        spdlog::warn("modules: {} entries in all could not be read whole; the notes after the "
                     "table list each",
                     problems);
    out.print(report::renderModules(modules, o.format));
    return modules.complete && problems == 0 ? kExitOk : kExitPartial;
}

int runInfo(Session& s, const Options& o, const Output& out) {
    const auto info = analysis::info(s);
    logMessages(s);
    out.print(report::renderInfo(info, o.format));
    return kExitOk;
}

int runRead(Session& s, const Options& o, const Output& out) {
    auto r = analysis::readMemory(s, {o.read_address, o.read_length, o.physical});
    logMessages(s);
    if (!r)
        return fail(r.error());
    out.print(report::renderRead(*r, o.format));
    if (r->error)
        spdlog::warn("read stopped at {:#x}: {}", o.read_address + r->bytes.size(), *r->error);
    return r->error ? kExitPartial : kExitOk;
}

int exitCodeFor(const crossview::CrossView& cv, const Options& o) {
    for (const auto& v : cv.views) {
        if (!v.available)
            spdlog::warn("view {} unavailable: {}", v.name, v.unavailable_reason);
        else if (!v.complete) // the first warning is the reason the walk stopped or skipped
            spdlog::warn("view {} is incomplete ({} warnings): {}", v.name, v.warnings.size(),
                         !v.warnings.empty() ? v.warnings.front()
                         : !v.gaps.empty()   ? v.gaps.front()
                                             : "no detail");
        if (v.available)
            for (const auto& w : v.warnings)
                spdlog::info("{}: {}", v.name, w);
    }
    // Process objects the kernel counts that no view found: a warning (and the summary's line),
    // never an exit code of their own. A page the dump lost or zeroed hides an object from every
    // view as well as a rootkit does, and exit 4 means a HIDDEN verdict (tests/property).
    if (const std::size_t n = cv.object_count.unaccounted())
        spdlog::warn("{} process objects unaccounted for: the Process type counts {}, the views "
                     "found {}",
                     n, cv.object_count.kernel_objects, cv.object_count.found);
    if (o.fail_on_hidden && cv.anyHidden())
        return kExitHidden;
    const bool partial = std::any_of(cv.views.begin(), cv.views.end(), [](const auto& v) {
        return (!v.available && !v.lacks_symbols) || !v.complete;
    });
    return partial ? kExitPartial : kExitOk;
}

// A progress bar for a person watching a terminal, one per view that reports progress; the
// scanner's details on -v after each view.
class ViewProgress {
  public:
    explicit ViewProgress(const Options& o) {
        if (!o.quiet && isatty(STDERR_FILENO))
            hooks_.progress = [this](std::uint64_t done, std::uint64_t total) {
                if (!bar_) {
                    // Once per run, before the first bar: the scan of a big dump is slow.
                    if (!noticed_ && wantScanNotice(total, false, true))
                        std::fprintf(stderr, "%s\n", scanNotice(total).c_str());
                    noticed_ = true;
                    bar_.emplace("scanning physical memory");
                }
                bar_->update(done, total);
            };
        hooks_.view_done = [this](const views::ViewResult& view) {
            bar_.reset();
            for (const auto& d : view.details)
                spdlog::debug("{}: {}", view.name, d);
        };
    }
    const analysis::RunHooks& hooks() const { return hooks_; }

  private:
    analysis::RunHooks hooks_;
    std::optional<ProgressBar> bar_;
    bool noticed_ = false;
};

report::ViewsReportOptions reportOptions(const Options& o, bool cross_table) {
    report::ViewsReportOptions r;
    r.format = o.format;
    r.cross_table = cross_table;
    r.color = o.color;
    r.filter = o.filter;
    r.tree = o.tree;
    r.columns = o.columns;
    r.wide = o.wide;
    return r;
}

int runViewMode(const kernel::KernelContext& k, const Options& o, const Output& out) {
    const auto selection = analysis::expandViews(o.views, o.no_scan);
    ViewProgress progress(o);
    auto cv = analysis::runViews(k, selection.names, progress.hooks(), {o.code_page});
    if (!cv)
        return fail(cv.error(), kExitUsage);
    // Written as it is rendered: the JSON or CSV of thousands of processes is never held whole.
    report::writeViews(*cv, reportOptions(o, selection.all),
                       [&out](std::string_view text) { out.print(text); });
    out.noteHidden(analysis::hiddenProcesses(*cv));
    return exitCodeFor(*cv, o);
}

int runDiffMode(const kernel::KernelContext& k, const Options& o, const Output& out) {
    ViewProgress progress(o);
    auto run = analysis::runDiff(k, o.diff_a, o.diff_b, o.no_scan, progress.hooks(), {o.code_page});
    if (!run)
        return fail(run.error(), kExitUsage);
    report::writeDiff(run->merged, run->diff, reportOptions(o, false),
                      [&out](std::string_view text) { out.print(text); });
    out.noteHidden(analysis::hiddenProcesses(run->merged));
    return exitCodeFor(run->merged, o);
}

bool equalAnyCase(std::string_view a, std::string_view b) {
    return std::ranges::equal(
        a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

// --dt's type as the profile spells it: WinDbg takes nt!_eprocess as well as _EPROCESS.
std::string profileTypeName(const kernel::Profile& profile, const std::string& typed) {
    std::string_view name = typed;
    if (name.size() > 3 && equalAnyCase(name.substr(0, 3), "nt!"))
        name.remove_prefix(3);
    if (profile.types.contains(name))
        return std::string(name);
    for (const auto& [spelled, type] : profile.types)
        if (equalAnyCase(spelled, name))
            return spelled;
    return typed; // dumpType names the types there are
}

// The modes that need only the kernel, whatever the memory came from.
int runWithKernel(Session& s, const kernel::KernelContext& k, const Options& o, const Output& out) {
    if (o.cpus) {
        out.print(report::renderCpus(analysis::cpus(k), o.format));
        return k.prcbs().empty() ? kExitPartial : kExitOk;
    }
    if (!o.validate_text.empty()) {
        const auto v = analysis::validateList(k, o.validate_address);
        out.print(report::renderValidateList(o.validate_address, v, o.format));
        return v.forward_closed && v.backward_closed && v.problems.empty() ? kExitOk : kExitPartial;
    }
    if (o.show_profile) {
        out.print(report::renderShowProfile(k.profileChoice(), o.format, o.all_fields));
        return kExitOk;
    }
    if (o.modules) {
        auto modules = s.modules();
        if (!modules)
            return fail(modules.error().context("--modules"), kExitPartial);
        return printModules(*modules, o, out);
    }
    if (!o.dt_args.empty()) {
        const std::string pattern = o.dt_args.size() > 2 ? o.dt_args[2] : "";
        // A PDB gives every type the kernel has: embedded structs are opened, as WinDbg's dt -r.
        auto dump = analysis::dumpType(k, profileTypeName(k.profile(), o.dt_args[0]), o.dt_address,
                                       pattern);
        if (!dump)
            return fail(dump.error(), kExitUsage);
        // Nothing readable at the address: one line, as --read says it, not a line per member.
        const auto readable = [](const kernel::TypeDumpLine& l) { return l.unreadable.empty(); };
        if (!dump->lines.empty() &&
            std::none_of(dump->lines.begin(), dump->lines.end(), readable)) {
            spdlog::error("--dt {} at {:#x}: no member could be read ({})", dump->type_name,
                          dump->address, dump->lines.front().unreadable);
            return kExitPartial;
        }
        out.print(report::renderDt(*dump, o.format));
        const auto unread = std::count_if(dump->lines.begin(), dump->lines.end(),
                                          [&](const auto& l) { return !readable(l); });
        if (unread > 0)
            spdlog::warn("--dt {} at {:#x}: {} of {} members could not be read (marked above)",
                         dump->type_name, dump->address, unread, dump->lines.size());
        return unread > 0 ? kExitPartial : kExitOk;
    }
    if (!o.diff_text.empty())
        return runDiffMode(k, o, out);
    return runViewMode(k, o, out);
}

int kernelExitCode(const Error& e) {
    return e.code == ErrorCode::Usage ? kExitUsage : kExitBadInput;
}

// A raw physical image: the kernel was looked for when it was opened.
int runRaw(Session& s, const Options& o, const Output& out) {
    auto k = s.kernel();
    logMessages(s);
    if (o.info)
        return runInfo(s, o, out);
    if (!o.read_text.empty() && (o.physical || k))
        return runRead(s, o, out);
    if (!k) {
        spdlog::error(
            "{}: {}{}", o.dump_path,
            o.raw ? "" : "not a crash dump, and as a raw memory image: ", k.error().message);
        return kernelExitCode(k.error());
    }
    return runWithKernel(s, **k, o, out);
}

int runCrashDump(Session& s, const Options& o, const Output& out) {
    if (o.info)
        return runInfo(s, o, out);
    if (!o.read_text.empty())
        return runRead(s, o, out);
    if (o.modules && s.hasSavedDriverList()) {
        auto modules = s.modules();
        if (!modules)
            return fail(modules.error(), kExitPartial);
        return printModules(*modules, o, out);
    }
    auto k = s.kernel();
    logMessages(s);
    if (!k)
        return fail(k.error(), kernelExitCode(k.error()));
    return runWithKernel(s, **k, o, out);
}

} // namespace

void Output::print(std::string_view text) const {
    std::fwrite(text.data(), 1, text.size(), file_);
}

void Output::noteHidden(const std::vector<analysis::HiddenProcess>& processes) const {
    if (summary_)
        summary_->hidden.insert(summary_->hidden.end(), processes.begin(), processes.end());
}

std::filesystem::path profileCacheFolder(const Options& o) {
    // --dt, --show-profile and --export-isf show every type and member of a symbol file; the
    // cache keeps only what the process views read, so they read the file itself.
    if (o.no_cache || !o.dt_args.empty() || o.show_profile || o.export_isf)
        return {};
    // The XDG base directory rules: a relative $XDG_CACHE_HOME is ignored.
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/')
        return std::filesystem::path(xdg) / "dumpprocs";
    if (const char* home = std::getenv("HOME"); home && *home == '/')
        return std::filesystem::path(home) / ".cache" / "dumpprocs";
    return {};
}

analysis::OpenOptions openOptionsFor(const Options& o) {
    analysis::OpenOptions a;
    a.raw = o.raw;
    a.dtb = o.dtb;
    a.trust_header = o.trust_header;
    a.profile = o.profile;
    a.symbols = o.symbols;
    // --symbol-path, else the environment, as WinDbg reads it.
    if (!o.symbol_path.empty())
        a.symbol_path = {o.symbol_path, "--symbol-path"};
    else if (const char* env = std::getenv("_NT_SYMBOL_PATH"); env && *env)
        a.symbol_path = {env, "_NT_SYMBOL_PATH"};
    a.trust_profile = o.trust_profile;
    a.profile_cache = profileCacheFolder(o);
    return a;
}

int runMode(const Options& o, const Output& out) {
    auto session = Session::open(o.dump_path, openOptionsFor(o));
    if (!session)
        return fail(session.error());
    Session& s = **session;
    logMessages(s);
    // A crash dump's page-table root is its header's, checked against the memory (a damaged
    // header's is replaced by the scan's): --dtb would be ignored, so it is refused.
    if (o.dtb && s.container() != Container::Raw) {
        spdlog::error("{}: --dtb applies to raw images only; a crash dump's page-table root comes "
                      "from its header, checked against the memory (--info shows it)",
                      o.dump_path);
        return kExitUsage;
    }
    return s.container() == Container::Raw ? runRaw(s, o, out) : runCrashDump(s, o, out);
}

} // namespace dumpprocs::cli
