#include "dumpprocs/report/raw_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "dumpprocs/dumpfile/raw_image.hpp"
#include "dumpprocs/support/text.hpp"
#include "info_lines.hpp"

namespace dumpprocs::report {
namespace {

using json = nlohmann::ordered_json;

using detail::InfoLine;

std::string optHex(const std::optional<std::uint64_t>& v) {
    return v ? hex64(*v) : "unknown";
}

std::vector<InfoLine> rawLines(const dumpfile::RawImage& image, const kernel::Discovery* d,
                               const kernel::KernelContext* k, const std::string& problem,
                               const kernel::ModuleList* modules) {
    detail::InfoLines lines;
    auto add = [&](std::string key, std::string label, std::string value, std::string source) {
        lines.add(std::move(key), std::move(label), std::move(value), std::move(source));
    };
    add("file", "Raw image",
        fmt::format("{} ({} bytes)", toValidUtf8(image.path().string()), image.fileSize()), "");
    add("physical_pages", "Physical memory",
        fmt::format("{:#x} pages addressable, {:#x} holding data in {} extents", image.pageSpan(),
                    image.presentPageCount(), image.dataRuns().size()),
        "physical address = file offset");
    if (!d) {
        add("problem", "Kernel", "not found: " + problem, "");
        return lines.lines();
    }
    const auto& f = k ? k->facts() : d->facts;
    add("dtb", "DirectoryTableBase", hex64(f.directory_table_base), f.dtb_source);
    add("ps_active_process_head", "PsActiveProcessHead", optHex(f.ps_active_process_head),
        f.active_head_source);
    add("kdbg", "KdDebuggerDataBlock", optHex(f.kd_debugger_data_block), f.kdbg_source);
    add("kernel_base", "Kernel base",
        k && k->kernelImage() ? hex64(k->kernelImage()->base) : optHex(f.kernel_base),
        k && k->kernelImage() ? k->kernelImage()->found_by : f.kernel_base_source);
    add("build", "Build", f.build ? std::to_string(f.build) : "unknown", f.build_source);
    if (k && k->psLoadedModuleList())
        add("ps_loaded_module_list", "PsLoadedModuleList", hex64(k->psLoadedModuleList()->value),
            k->psLoadedModuleList()->source);
    if (modules)
        lines.addModules(*modules);
    lines.addKernel(k, problem);
    return lines.lines();
}

} // namespace

std::string renderRawInfo(const dumpfile::RawImage& image, const kernel::Discovery* discovery,
                          const kernel::KernelContext* kernel, const std::string& problem,
                          OutputFormat format, const kernel::ModuleList* modules) {
    const auto lines = rawLines(image, discovery, kernel, problem, modules);
    if (format == OutputFormat::Json) {
        json j, items = json::object();
        for (const auto& l : lines)
            items[l.key] = {{"value", l.value}, {"source", l.source}};
        j["raw_image"] = items;
        j["discovery_log"] = discovery ? discovery->log : std::vector<std::string>{};
        j["warnings"] = kernel ? kernel->warnings() : std::vector<std::string>{};
        return j.dump(2) + "\n";
    }
    std::string out;
    for (const auto& l : lines)
        out += detail::formatInfoLine(l);
    if (discovery)
        for (const auto& entry : discovery->log)
            out += fmt::format("scan: {}\n", entry);
    return out;
}

} // namespace dumpprocs::report
