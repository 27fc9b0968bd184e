// Fuzz target: the whole pipeline over a dump file, opened through the analysis façade the CLI
// uses: container detection, the triage branch, the header-versus-memory reconciliation, and the
// same input read once more as a raw physical image (the raw discovery). Then the kernel (profile
// choice, KDBG, image, PspCidTable, KPRCBs), every view through one catalog, the merge, the diff
// of active against mm, --read, and every report in every output format, as the CLI modes do.

#include "dumpprocs/analysis/info.hpp"
#include "dumpprocs/analysis/kernel_modes.hpp"
#include "dumpprocs/analysis/read.hpp"
#include "dumpprocs/analysis/run_views.hpp"
#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/kernel/type_dump.hpp"
#include "dumpprocs/report/cpus_report.hpp"
#include "dumpprocs/report/dt.hpp"
#include "dumpprocs/report/info_report.hpp"
#include "dumpprocs/report/list_report.hpp"
#include "dumpprocs/report/modules_report.hpp"
#include "dumpprocs/report/profile_report.hpp"
#include "dumpprocs/report/read_report.hpp"
#include "dumpprocs/report/views_report.hpp"
#include "fuzz_support.hpp"

using namespace dumpprocs;

namespace {

constexpr report::OutputFormat kFormats[] = {report::OutputFormat::Text, report::OutputFormat::Json,
                                             report::OutputFormat::Csv};

void renderViewsAndDiff(const kernel::KernelContext& k) {
    auto cv = analysis::runViews(k, analysis::expandViews({"all"}, false).names);
    if (!cv)
        std::abort(); // the names are the tool's own: never a usage error
    auto diff = analysis::runDiff(k, "active", "mm", false);
    if (!diff)
        std::abort();
    for (auto format : kFormats) {
        fuzz::consumeRendered(
            report::renderViews(*cv, report::ViewsReportOptions{format, true, false}));
        fuzz::consumeRendered(
            report::renderViews(*cv, report::ViewsReportOptions{format, false, true}));
        fuzz::consumeRendered(report::renderDiff(diff->merged, diff->diff,
                                                 report::ViewsReportOptions{format, false, false}));
    }
}

void renderKernelReports(analysis::Session& s, const kernel::KernelContext& k) {
    const auto cpus = analysis::cpus(k);
    const auto list = analysis::validateList(k, k.psActiveProcessHead().value);
    auto modules = s.modules();
    auto read = analysis::readMemory(s, {k.systemProcess(), 0x1800, false});
    auto physical = analysis::readMemory(s, {0x1000, 0x100, true});
    for (auto format : kFormats) {
        fuzz::consumeRendered(report::renderCpus(cpus, format));
        fuzz::consumeRendered(report::renderShowProfile(k.profileChoice(), format));
        fuzz::consumeRendered(
            report::renderValidateList(k.psActiveProcessHead().value, list, format));
        if (modules)
            fuzz::consumeRendered(report::renderModules(*modules, format));
        if (read)
            fuzz::consumeRendered(report::renderRead(*read, format));
        if (physical)
            fuzz::consumeRendered(report::renderRead(*physical, format));
    }
    if (auto dt = kernel::dumpType(k.profile(), "_EPROCESS", k.systemProcess(), k.addressSpace(),
                                   "", true)) {
        fuzz::consumeRendered(report::renderDt(*dt));
        fuzz::consumeRendered(report::renderDt(*dt, report::OutputFormat::Json));
    }
}

// Whatever was read of the input is rendered in every format (a string from the dump that is not
// valid UTF-8 would make the JSON renderer throw).
void exercise(analysis::Session& s) {
    const auto info = analysis::info(s);
    for (auto format : kFormats)
        fuzz::consumeRendered(report::renderInfo(info, format));
    auto k = s.kernel();
    if (!k) {
        if (s.hasSavedDriverList())
            if (auto modules = s.modules())
                for (auto format : kFormats)
                    fuzz::consumeRendered(report::renderModules(*modules, format));
        return;
    }
    renderKernelReports(s, **k);
    renderViewsAndDiff(**k);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::InputFile input;
    fuzz::quietLogging();
    const auto path = input.write(data, size);
    // As detected (a crash dump, reconciled with its memory, or a triage dump), then as --raw.
    for (const bool raw : {false, true}) {
        analysis::OpenOptions options;
        options.raw = raw;
        if (auto session = analysis::Session::open(path, options))
            exercise(**session);
    }
    return 0;
}
