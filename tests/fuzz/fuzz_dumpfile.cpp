// Fuzz target: DUMP_HEADER64 and the physical page map (runs, bitmap, RDMP ranges, triage
// metadata and its saved driver lists), then every query the address space and the scanners make
// of the page map, and the --info and --modules reports. The input is the dump file itself, opened
// through the analysis façade as the CLI opens it (a raw image is left to fuzz_pipeline).

#include <algorithm>

#include "dumpprocs/analysis/info.hpp"
#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/report/info_report.hpp"
#include "dumpprocs/report/modules_report.hpp"
#include "fuzz_support.hpp"

using namespace dumpprocs;

namespace {

// Every page the map says is present must be a full page inside the file.
void checkPage(const dumpfile::CrashDump& dump, std::uint64_t pfn) {
    auto page = dump.page(pfn);
    if (!page)
        return;
    const auto file = dump.fileBytes();
    if (page->size() != kPageSize || page->data() < file.data() ||
        page->data() + page->size() > file.data() + file.size())
        std::abort();
    fuzz::consume(std::string(1, static_cast<char>(page->data()[kPageSize - 1])));
}

void exercisePageMap(const dumpfile::CrashDump& dump) {
    const auto runs = dump.runs();
    std::size_t visited = 0;
    for (const auto& run : runs) {
        if (++visited > 64)
            break;
        checkPage(dump, run.base_page);
        checkPage(dump, run.base_page + run.page_count - 1);
        checkPage(dump, run.base_page + run.page_count);
        if (run.base_page > 0)
            checkPage(dump, run.base_page - 1);
    }
    for (std::uint64_t pfn : {std::uint64_t{0}, dump.pageSpan(), dump.pageSpan() - 1,
                              std::uint64_t{1} << 52, ~std::uint64_t{0}})
        checkPage(dump, pfn);
    std::uint64_t ranged = 0;
    dump.forEachPresentRange([&](std::uint64_t, std::uint64_t pages, ByteView bytes) {
        if (bytes.size() != pages * kPageSize)
            std::abort();
        ranged += pages;
    });
    if (ranged > dump.presentPageCount())
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::InputFile input;
    fuzz::quietLogging();
    auto session = analysis::Session::open(input.write(data, size), {});
    if (!session || !(*session)->crashDump())
        return 0;
    const dumpfile::CrashDump& dump = *(*session)->crashDump();
    exercisePageMap(dump);
    const auto info = analysis::containerInfo(**session, "no kernel in this target");
    for (auto format :
         {report::OutputFormat::Text, report::OutputFormat::Json, report::OutputFormat::Csv})
        fuzz::consumeRendered(report::renderInfo(info, format));
    if (const auto& triage = dump.triage()) {
        const auto modules = kernel::modulesFromTriage(*triage);
        if (modules.modules.size() > triage->driver_count)
            std::abort();
        for (auto format :
             {report::OutputFormat::Text, report::OutputFormat::Json, report::OutputFormat::Csv})
            fuzz::consumeRendered(report::renderModules(modules, format));
    }
    return 0;
}
