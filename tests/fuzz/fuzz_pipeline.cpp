// Fuzz target: the whole pipeline over a dump file. Opens the dump, the kernel (profile choice,
// KDBG, image, PspCidTable, KPRCBs), runs every view through one catalog, merges them, diffs
// active against mm, and renders every report in every output format, as the CLI modes do.

#include "dumpprocs/crossview/crossview.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/kernel/type_dump.hpp"
#include "dumpprocs/report/dt.hpp"
#include "dumpprocs/report/kernel_report.hpp"
#include "dumpprocs/report/views_report.hpp"
#include "fuzz_support.hpp"

using namespace dumpprocs;

namespace {

constexpr report::OutputFormat kFormats[] = {report::OutputFormat::Text, report::OutputFormat::Json,
                                             report::OutputFormat::Csv};

void renderViewsAndDiff(const kernel::KernelContext& k) {
    views::ProcessCatalog catalog(k);
    std::vector<views::ViewResult> results;
    for (const auto& name : views::allViewNames()) {
        auto view = views::runView(name, catalog);
        if (!view)
            std::abort(); // the names are the tool's own: never a usage error
        results.push_back(std::move(*view));
    }
    const auto cv = crossview::mergeViews(std::move(results), catalog);
    const auto diff = crossview::diffViews(cv, "active", "mm");
    for (auto format : kFormats) {
        fuzz::consumeRendered(
            report::renderViews(cv, report::ViewsReportOptions{format, true, false}));
        fuzz::consumeRendered(
            report::renderViews(cv, report::ViewsReportOptions{format, false, true}));
        fuzz::consumeRendered(
            report::renderDiff(cv, diff, report::ViewsReportOptions{format, false, false}));
    }
}

void renderKernelReports(const dumpfile::CrashDump& dump, const kernel::KernelContext& k) {
    const auto cpus = report::readCpus(k);
    const auto list = kernel::validateList(k.addressSpace(), k.psActiveProcessHead().value, 4096);
    for (auto format : kFormats) {
        fuzz::consumeRendered(report::renderInfo(dump, &k, "", format));
        fuzz::consumeRendered(report::renderCpus(cpus, k.prcbProblem(), format));
        fuzz::consumeRendered(report::renderShowProfile(k, format));
        fuzz::consumeRendered(
            report::renderValidateList(k.psActiveProcessHead().value, list, format));
    }
    if (auto dt = kernel::dumpType(k.profile(), "_EPROCESS", k.systemProcess(), k.addressSpace(),
                                   "", true)) {
        fuzz::consumeRendered(report::renderDt(*dt));
        fuzz::consumeRendered(report::renderDt(*dt, report::OutputFormat::Json));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::InputFile input;
    fuzz::quietLogging();
    auto dump = dumpfile::CrashDump::open(input.write(data, size));
    if (!dump)
        return 0;
    // Whatever was read of the input is rendered in every format (a string from the dump that
    // is not valid UTF-8 would make the JSON renderer throw).
    if (!(*dump)->hasPhysicalMemory() || (*dump)->header().machine_image_type != 0x8664) {
        for (auto format : kFormats)
            fuzz::consumeRendered(report::renderInfo(**dump, nullptr, "no kernel", format));
        return 0;
    }
    auto k = kernel::KernelContext::open(**dump, kernel::factsFromHeader((*dump)->header()), {});
    if (!k) {
        for (auto format : kFormats)
            fuzz::consumeRendered(report::renderInfo(**dump, nullptr, k.error().message, format));
        return 0;
    }
    renderKernelReports(**dump, **k);
    renderViewsAndDiff(**k);
    return 0;
}
