#include "dumpprocs/cli/run_modes.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dumpprocs/cli/app.hpp"
#include "dumpprocs/cli/progress_bar.hpp"
#include "dumpprocs/cli/raw_mode.hpp"
#include "dumpprocs/crossview/crossview.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/dumpfile/raw_image.hpp"
#include "dumpprocs/dumpfile/triage_dump.hpp"
#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/kernel/loaded_modules.hpp"
#include "dumpprocs/report/dt.hpp"
#include "dumpprocs/report/kernel_report.hpp"
#include "dumpprocs/report/modules_report.hpp"
#include "dumpprocs/report/views_report.hpp"

namespace dumpprocs::cli {
namespace {

using formats::kMachineAmd64;
constexpr std::uint64_t kMaxReadLength = 1 << 20;
constexpr std::size_t kMaxValidateNodes = 1 << 20;

// Where results of the current run go: stdout, or a batch run's per-dump buffer.
std::FILE* g_out = stdout;
RunSummary* g_summary = nullptr;

void print(const std::string& text) {
    printResult(text);
}

void noteHidden(const crossview::CrossView& cv) {
    if (!g_summary)
        return;
    for (const auto& p : cv.processes)
        if (p.verdict == crossview::Verdict::Hidden)
            g_summary->hidden.push_back(fmt::format("{} (pid {}, {:#x})", p.record.name(),
                                                    p.record.pid, p.record.eprocess));
}

int fail(const Error& e, int code = kExitBadInput) {
    spdlog::error("{}", e.message);
    return code;
}

// Why this dump cannot give process views, or nothing.
std::optional<Error> processViewsImpossible(const dumpfile::CrashDump& dump) {
    const auto& h = dump.header();
    if (h.machine_image_type != kMachineAmd64)
        return makeError(ErrorCode::Unsupported,
                         "{}: machine type {:#x} ({}): dumpprocs reads x64 kernels only; --info "
                         "still reports the header",
                         dump.path().string(), h.machine_image_type,
                         h.machine_image_type == 0xAA64 ? "ARM64" : "not x64");
    if (!dump.hasPhysicalMemory() && !dump.triageMemory())
        return makeError(ErrorCode::Unsupported,
                         "{}: a {} dump (DumpType {}) holds no physical memory; process views "
                         "need a kernel or complete memory dump (--info reports what it has)",
                         dump.path().string(), dumpfile::dumpTypeName(h.dump_type), h.dump_type);
    return std::nullopt;
}

Expected<std::unique_ptr<kernel::KernelContext>> openKernel(const dumpfile::CrashDump& dump,
                                                            const Options& o) {
    if (auto why = processViewsImpossible(dump))
        return *why;
    kernel::KernelOptions ko =
        kernelOptionsFor(o, dump.truncation() ? dump.truncation()->describe() : "");
    Expected<std::unique_ptr<kernel::KernelContext>> k = makeError(ErrorCode::NotFound, "");
    if (const auto* saved = dump.triageMemory(); saved && !dump.hasPhysicalMemory()) {
        ko.partial_memory = true;
        k = kernel::KernelContext::open(*saved, kernel::factsFromHeader(dump.header()), ko);
    } else {
        auto facts = kernel::factsFromHeader(dump.header());
        if (!o.trust_header)
            facts = reconcileHeaderWithMemory(dump, facts);
        k = kernel::KernelContext::open(dump, facts, ko);
    }
    if (!k)
        return k.error().context(dump.path().string());
    for (const auto& w : (*k)->warnings())
        spdlog::warn("{}", w);
    spdlog::debug("profile {}: {}", (*k)->profile().name, (*k)->profileChoice().reason);
    return k;
}

int printModules(const kernel::ModuleList& modules, const Options& o) {
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
    print(report::renderModules(modules, o.format));
    return modules.complete && problems == 0 ? kExitOk : kExitPartial;
}

// A triage dump carries its own copy of the driver list, readable whatever the machine (ARM64
// too) and without the kernel: the PsLoadedModuleList ring is not among the saved memory.
int runTriageModules(const dumpfile::CrashDump& dump, const Options& o) {
    const auto& t = *dump.triage();
    if (t.driver_count == 0 && t.unloaded_drivers.empty())
        return fail(makeError(ErrorCode::NotFound,
                              "{}: the triage dump saved no driver list (DriverCount 0)",
                              dump.path().string()),
                    kExitPartial);
    return printModules(kernel::modulesFromTriage(t), o);
}

// The module list --info uses to place the bugcheck parameters: the triage dump's saved list,
// else PsLoadedModuleList when the kernel was read; nullopt when neither can be had.
std::optional<kernel::ModuleList> modulesForInfo(const dumpfile::CrashDump& dump,
                                                 const kernel::KernelContext* k) {
    if (dump.triage() && !dump.hasPhysicalMemory())
        return kernel::modulesFromTriage(*dump.triage());
    if (!k)
        return std::nullopt;
    auto modules = kernel::modulesOfKernel(*k);
    return modules ? std::optional(std::move(*modules)) : std::nullopt;
}

int runInfo(const dumpfile::CrashDump& dump, const Options& o) {
    std::string problem;
    std::unique_ptr<kernel::KernelContext> k;
    if (auto opened = openKernel(dump, o))
        k = std::move(*opened);
    else
        problem = opened.error().message;
    std::optional<kernel::ModuleList> modules = modulesForInfo(dump, k.get());
    print(report::renderInfo(dump, k.get(), problem, o.format, modules ? &*modules : nullptr));
    return kExitOk;
}

} // namespace

void printResult(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), g_out);
}

kernel::KernelOptions kernelOptionsFor(const Options& o, std::string damage) {
    kernel::KernelOptions ko;
    ko.forced_profile = o.profile;
    ko.isf_path = o.symbols;
    if (!o.symbol_path.empty())
        ko.symbol_path = kernel::parseSymbolPath(o.symbol_path, "--symbol-path");
    else if (const char* env = std::getenv("_NT_SYMBOL_PATH"); env && *env)
        ko.symbol_path = kernel::parseSymbolPath(env, "_NT_SYMBOL_PATH");
    ko.damage = std::move(damage);
    ko.trust_profile = o.trust_profile;
    return ko;
}

int runReadWith(const PhysicalMemory* physical, const kernel::KernelContext* k, const Options& o) {
    const std::uint64_t length = std::min(o.read_length, kMaxReadLength);
    report::ReadResult r;
    r.address = o.read_address;
    r.physical = o.physical;
    r.requested = length;
    if (o.physical && !physical)
        return fail(makeError(ErrorCode::Unsupported, "--physical: this input holds no physical "
                                                      "memory"));
    if (!o.physical && !k)
        return fail(makeError(ErrorCode::NotFound, "--read: the kernel could not be read"));
    // Byte by byte per page: the bytes before a missing page are still shown.
    std::uint64_t address = o.read_address;
    while (r.bytes.size() < length) {
        const std::uint64_t chunk =
            std::min<std::uint64_t>(length - r.bytes.size(), kPageSize - (address & 0xFFF));
        std::vector<std::byte> buf(chunk);
        Expected<void> got = o.physical ? readPhysical(*physical, address, buf)
                                        : k->addressSpace().read(address, buf);
        if (!got) {
            r.error = got.error().message;
            break;
        }
        if (!r.physical_address && o.physical)
            r.physical_address = address;
        else if (auto t = k ? k->addressSpace().translate(address)
                            : Expected<Translation>(Translation{});
                 !r.physical_address && t && t->via != Translation::Via::Saved)
            r.physical_address = t->physical;
        r.bytes.insert(r.bytes.end(), buf.begin(), buf.end());
        address += chunk;
    }
    print(report::renderRead(r, o.format));
    if (r.error)
        spdlog::warn("read stopped at {:#x}: {}", o.read_address + r.bytes.size(), *r.error);
    return r.error ? kExitPartial : kExitOk;
}

namespace {

int runRead(const dumpfile::CrashDump& dump, const Options& o) {
    if (o.physical) {
        if (auto why = processViewsImpossible(dump))
            return fail(*why);
        if (!dump.hasPhysicalMemory())
            return fail(makeError(ErrorCode::Unsupported,
                                  "{}: --physical: a triage dump holds "
                                  "no physical memory",
                                  dump.path().string()));
        return runReadWith(&dump, nullptr, o);
    }
    auto opened = openKernel(dump, o);
    if (!opened)
        return fail(opened.error());
    return runReadWith(dump.hasPhysicalMemory() ? &dump : nullptr, opened->get(), o);
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
    if (o.fail_on_hidden && cv.anyHidden())
        return kExitHidden;
    const bool partial = std::any_of(cv.views.begin(), cv.views.end(),
                                     [](const auto& v) { return !v.available || !v.complete; });
    return partial ? kExitPartial : kExitOk;
}

Expected<crossview::CrossView> runViews(const kernel::KernelContext& k,
                                        const std::vector<std::string>& names, const Options& o) {
    views::ProcessCatalog catalog(k);
    std::vector<views::ViewResult> results;
    for (const auto& name : names) {
        views::ViewOptions vo;
        std::optional<ProgressBar> bar; // only for a person watching a terminal
        if (!o.quiet && isatty(STDERR_FILENO)) {
            bar.emplace("scanning physical memory");
            vo.progress = [&bar](std::uint64_t done, std::uint64_t total) {
                bar->update(done, total);
            };
        }
        DP_TRY(auto view, views::runView(name, catalog, vo));
        bar.reset();
        for (const auto& d : view.details)
            spdlog::debug("{}: {}", view.name, d);
        results.push_back(std::move(view));
    }
    return crossview::mergeViews(std::move(results), catalog);
}

// The view names asked for, "all" expanded (without "scan" under --no-scan); `all` tells whether
// "all" was among them (the report is then the cross-view table).
std::vector<std::string> expandViews(const std::vector<std::string>& requested, bool no_scan,
                                     bool& all) {
    std::vector<std::string> names;
    for (const auto& v : requested) {
        if (v == "all") {
            all = true;
            for (const auto& n : views::allViewNames())
                if (!(no_scan && views::scansPhysicalMemory(n)) &&
                    std::find(names.begin(), names.end(), n) == names.end())
                    names.push_back(n);
        } else if (std::find(names.begin(), names.end(), v) == names.end()) {
            names.push_back(v);
        }
    }
    return names;
}

int runViewMode(const kernel::KernelContext& k, const Options& o) {
    bool all = false;
    const auto names = expandViews(o.views, o.no_scan, all);
    auto cv = runViews(k, names, o);
    if (!cv)
        return fail(cv.error(), kExitUsage);
    report::ViewsReportOptions ro{o.format, all, o.color};
    print(report::renderViews(*cv, ro));
    noteHidden(*cv);
    return exitCodeFor(*cv, o);
}

int runDiffMode(const kernel::KernelContext& k, const Options& o) {
    bool all = false;
    auto a = expandViews({o.diff_a}, o.no_scan, all), b = expandViews({o.diff_b}, o.no_scan, all);
    if (all || a.size() != 1 || b.size() != 1 || a[0] == b[0])
        return fail(makeError(ErrorCode::Usage, "--diff takes two different views, e.g. active,mm"),
                    kExitUsage);
    auto cv = runViews(k, {a[0], b[0]}, o);
    if (!cv)
        return fail(cv.error(), kExitUsage);
    const auto diff = crossview::diffViews(*cv, a[0], b[0]);
    print(report::renderDiff(*cv, diff, report::ViewsReportOptions{o.format, false, o.color}));
    noteHidden(*cv);
    return exitCodeFor(*cv, o);
}

int runKernelMode(const dumpfile::CrashDump& dump, const Options& o) {
    auto opened = openKernel(dump, o);
    if (!opened)
        return fail(opened.error(),
                    opened.error().code == ErrorCode::Usage ? kExitUsage : kExitBadInput);
    return runWithKernel(**opened, o);
}

int runModulesWith(const kernel::KernelContext& k, const Options& o) {
    auto modules = kernel::modulesOfKernel(k);
    if (!modules)
        return fail(modules.error().context("--modules"), kExitPartial);
    return printModules(*modules, o);
}

} // namespace

int runWithKernel(const kernel::KernelContext& k, const Options& o) {
    if (o.cpus) {
        print(report::renderCpus(report::readCpus(k), k.prcbProblem(), o.format));
        return k.prcbs().empty() ? kExitPartial : kExitOk;
    }
    if (!o.validate_text.empty()) {
        const auto v =
            kernel::validateList(k.addressSpace(), o.validate_address, kMaxValidateNodes);
        print(report::renderValidateList(o.validate_address, v, o.format));
        return v.forward_closed && v.backward_closed && v.problems.empty() ? kExitOk : kExitPartial;
    }
    if (o.show_profile) {
        print(report::renderShowProfile(k, o.format));
        return kExitOk;
    }
    if (o.modules)
        return runModulesWith(k, o);
    if (!o.dt_args.empty()) {
        const std::string pattern = o.dt_args.size() > 2 ? o.dt_args[2] : "";
        // A PDB gives every type the kernel has: embedded structs are opened, as WinDbg's dt -r.
        const bool nested = k.profile().source == kernel::ProfileSource::Pdb;
        auto dump = kernel::dumpType(k.profile(), o.dt_args[0], o.dt_address, k.addressSpace(),
                                     pattern, nested);
        if (!dump)
            return fail(dump.error(), kExitUsage);
        print(report::renderDt(*dump));
        return kExitOk;
    }
    if (!o.diff_text.empty())
        return runDiffMode(k, o);
    return runViewMode(k, o);
}

int runMode(const Options& o, std::FILE* out, RunSummary* summary) {
    g_out = out;
    g_summary = summary;
    if (o.raw || looksLikeRawImage(o.dump_path))
        return runRawImage(o);
    auto dump = dumpfile::CrashDump::open(o.dump_path);
    if (!dump)
        return fail(dump.error());
    for (const auto& w : (*dump)->warnings())
        spdlog::warn("{}", w);
    if (o.info)
        return runInfo(**dump, o);
    if (!o.read_text.empty())
        return runRead(**dump, o);
    if (o.modules && (*dump)->triage() && !(*dump)->hasPhysicalMemory())
        return runTriageModules(**dump, o);
    return runKernelMode(**dump, o);
}

} // namespace dumpprocs::cli
