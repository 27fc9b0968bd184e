#include "dumpprocs/report/raw_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "dumpprocs/dumpfile/raw_image.hpp"

namespace dumpprocs::report {
namespace {

using json = nlohmann::ordered_json;

struct Line {
    std::string key, label, value, source;
};

std::string optHex(const std::optional<std::uint64_t>& v) {
    return v ? hex64(*v) : "unknown";
}

std::vector<Line> rawLines(const dumpfile::RawImage& image, const kernel::Discovery* d,
                           const kernel::KernelContext* k, const std::string& problem) {
    std::vector<Line> lines;
    auto add = [&](std::string key, std::string label, std::string value, std::string source) {
        lines.push_back({std::move(key), std::move(label), std::move(value), std::move(source)});
    };
    add("file", "Raw image", fmt::format("{} ({} bytes)", image.path().string(), image.fileSize()),
        "");
    add("physical_pages", "Physical memory",
        fmt::format("{:#x} pages addressable, {:#x} holding data in {} extents", image.pageSpan(),
                    image.presentPageCount(), image.dataRuns().size()),
        "physical address = file offset");
    if (!d) {
        add("problem", "Kernel", "not found: " + problem, "");
        return lines;
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
    if (k && k->pspCidTable())
        add("psp_cid_table", "PspCidTable", hex64(k->pspCidTable()->value),
            k->pspCidTable()->source);
    else if (k)
        add("psp_cid_table", "PspCidTable", "unknown", k->cidTableProblem());
    if (k && k->kernelImage() && k->kernelImage()->pdb) {
        const auto& img = *k->kernelImage();
        add("kernel_pdb", "Kernel image",
            fmt::format("{} {}-{}, size {:#x}", img.pdb_name, img.pdb->guid, img.pdb->age,
                        img.size_of_image),
            "RSDS record");
    }
    add("profile", "Profile", k ? k->profile().name : "none: " + problem,
        k ? k->profileChoice().method : "");
    return lines;
}

} // namespace

std::string renderRawInfo(const dumpfile::RawImage& image, const kernel::Discovery* discovery,
                          const kernel::KernelContext* kernel, const std::string& problem,
                          OutputFormat format) {
    const auto lines = rawLines(image, discovery, kernel, problem);
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
        out += fmt::format("{:<20} {}{}\n", l.label, l.value,
                           l.source.empty() ? "" : "  [" + l.source + "]");
    if (discovery)
        for (const auto& entry : discovery->log)
            out += fmt::format("scan: {}\n", entry);
    return out;
}

} // namespace dumpprocs::report
