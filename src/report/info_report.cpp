#include "dumpprocs/report/info_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/support/text.hpp"
#include "info_lines.hpp"

namespace dumpprocs::report {
namespace {

using json = nlohmann::ordered_json;
using analysis::CrashDumpInfo;
using analysis::InfoModel;
using analysis::RawImageInfo;
using detail::InfoLine;
using formats::kMachineAmd64;
constexpr std::uint32_t kMachineArm64 = 0xAA64;

std::string productName(std::uint32_t build, std::uint32_t product_type) {
    const bool server = product_type == 2 || product_type == 3; // LanManNt, Server
    if (build >= 26100)
        return server ? "Windows Server 2025" : "Windows 11";
    if (build >= 22000)
        return server ? "Windows Server 2022" : "Windows 11";
    if (build == 20348)
        return "Windows Server 2022";
    if (build >= 10240)
        return "Windows 10";
    if (build >= 9600)
        return "Windows 8.1";
    if (build >= 9200)
        return "Windows 8";
    if (build >= 7600)
        return "Windows 7";
    return fmt::format("Windows NT build {}", build);
}

std::string machineName(std::uint32_t machine) {
    if (machine == kMachineAmd64)
        return "x64";
    if (machine == kMachineArm64)
        return "ARM64";
    return fmt::format("machine {:#x}", machine);
}

// A crash-dump header value Windows left as the "PAGE" filler is "absent"; a value a raw image's
// scan did not find is "unknown".
std::string optHex(const std::optional<std::uint64_t>& v, const char* none = "absent") {
    return v ? hex64(*v) : none;
}
json optJson(const std::optional<std::uint64_t>& v) {
    return v ? json(hex64(*v)) : json(nullptr);
}

// "parameter 2 0xfffff8048b58334c is amdppm.sys+0x334c", for each parameter inside a module.
std::string bugcheckModulesText(const CrashDumpInfo& d, const kernel::ModuleList& modules) {
    std::string out;
    for (std::size_t i = 0; i < d.bugcheck_parameters.size(); ++i) {
        const std::string where = kernel::describeAddress(modules, d.bugcheck_parameters[i]);
        if (!where.empty())
            out += fmt::format("{}parameter {} {} is {}", out.empty() ? "" : "; ", i + 1,
                               hex64(d.bugcheck_parameters[i]), where);
    }
    return out;
}

// A duration in the header's 100 ns units as a JSON number of seconds.
nlohmann::ordered_json uptimeSeconds(std::uint64_t hundred_ns) {
    return static_cast<double>(hundred_ns) / 1e7;
}

std::vector<InfoLine> dumpLines(const CrashDumpInfo& d, const InfoModel& m) {
    const analysis::KernelSummary* k = m.kernel ? &*m.kernel : nullptr;
    const kernel::ModuleList* modules = m.modules ? &*m.modules : nullptr;
    detail::InfoLines lines;
    auto add = [&](std::string key, std::string label, std::string value, std::string source) {
        lines.add(std::move(key), std::move(label), std::move(value), std::move(source));
    };
    add("file", "Dump file", fmt::format("{} ({} bytes)", toValidUtf8(d.path), d.file_size), "");
    add("type", "Dump type", fmt::format("{} (DumpType {})", d.dump_type_name, d.dump_type),
        "header");
    add("windows", "Windows",
        windowsVersionText(d.build, d.processors, d.major_version, d.product_type.value_or(1),
                           d.machine),
        "header");
    add("machine", "Machine",
        fmt::format("{} ({:#x}), {} processors", machineName(d.machine), d.machine, d.processors),
        "header");
    add("system_time", "System time", d.system_time ? filetimeToIso(*d.system_time) : "absent",
        "header");
    add("system_uptime", "System uptime", d.system_uptime ? uptimeText(*d.system_uptime) : "absent",
        "header");
    // CSV and JSON: a number of seconds, as every duration.
    lines.lines().back().csv_value = d.system_uptime ? uptimeSeconds(*d.system_uptime).dump() : "";
    add("bugcheck", "Bugcheck",
        fmt::format("{:#010x} ({:#x}, {:#x}, {:#x}, {:#x})", d.bugcheck_code,
                    d.bugcheck_parameters[0], d.bugcheck_parameters[1], d.bugcheck_parameters[2],
                    d.bugcheck_parameters[3]),
        "header");
    if (modules)
        if (auto where = bugcheckModulesText(d, *modules); !where.empty())
            add("bugcheck_modules", "Bugcheck in module", where, "loaded-module list");
    // The values in use, which differ from the header's when the memory contradicted it.
    if (k && k->facts.dtb_source != "header")
        add("dtb", "DirectoryTableBase", hex64(k->facts.directory_table_base),
            fmt::format("{}; the header says {}", k->facts.dtb_source,
                        hex64(d.directory_table_base)));
    else
        add("dtb", "DirectoryTableBase", hex64(d.directory_table_base), "header");
    add("kernel_base", "Kernel base", k && k->image ? hex64(k->image->base) : "unknown",
        k && k->image ? k->image->found_by : "");
    add("ps_loaded_module_list", "PsLoadedModuleList", optHex(d.ps_loaded_module_list), "header");
    if (modules)
        lines.addModules(*modules);
    if (k && k->ps_active_process_head.source != "header")
        add("ps_active_process_head", "PsActiveProcessHead", hex64(k->ps_active_process_head.value),
            fmt::format("{}; the header says {}", k->ps_active_process_head.source,
                        optHex(d.ps_active_process_head)));
    else
        add("ps_active_process_head", "PsActiveProcessHead", optHex(d.ps_active_process_head),
            "header");
    add("kdbg", "KdDebuggerDataBlock", optHex(d.kd_debugger_data_block),
        k && k->kdbg_size ? fmt::format("header; KDBG tag ok, size {:#x}", *k->kdbg_size)
                          : "header");
    add("pfn_database", "PfnDataBase", optHex(d.pfn_database),
        "header (address of nt!MmPfnDatabase)");
    lines.addKernel(k, m.kernel_problem);
    add("physical_pages", "Physical memory",
        d.has_physical_memory ? fmt::format("{} pages present ({} MiB) in {} runs", d.present_pages,
                                            d.present_pages / 256, d.runs.size())
                              : "none (this dump type holds no physical memory)",
        "");
    if (const auto& saved = d.saved_memory) {
        auto where = [](const std::optional<std::uint64_t>& va) {
            return va ? hex64(*va) : std::string("not placed");
        };
        add("saved_memory", "Saved memory",
            fmt::format("{} virtual ranges, {:#x} bytes; PRCB {}, thread {}, process {}",
                        saved->ranges, saved->bytes, where(saved->prcb), where(saved->thread),
                        where(saved->process)),
            "TRIAGE_DUMP64 at 0x2000");
    }
    if (!d.comment.empty())
        add("comment", "Comment", d.comment, "header");
    return lines.lines();
}

// The physical-memory runs, under the "Physical memory" line they belong to.
std::string runLines(const CrashDumpInfo& d) {
    std::string out;
    std::size_t shown = 0;
    for (const auto& run : d.runs) {
        if (++shown > 32) {
            out += fmt::format("  ... {} more runs\n", d.runs.size() - 32);
            break;
        }
        out += fmt::format("  run: PFN {:#x} .. {:#x} ({:#x} pages)\n", run.base_page,
                           run.base_page + run.page_count - 1, run.page_count);
    }
    return out;
}

std::string dumpText(const CrashDumpInfo& d, const std::vector<InfoLine>& lines) {
    std::string out;
    for (const auto& l : lines) {
        out += detail::formatInfoLine(l);
        if (l.key == "physical_pages")
            out += runLines(d);
    }
    for (const auto& w : d.warnings)
        out += fmt::format("warning: {}\n", w);
    return out;
}

json modulesInfoJson(const CrashDumpInfo& d, const kernel::ModuleList& m) {
    json j;
    j["source"] = m.source;
    j["loaded"] = m.modules.size();
    j["complete"] = m.complete;
    j["unloaded"] = m.unloaded ? json(m.unloaded->size()) : json(nullptr);
    j["warnings"] = m.warnings;
    j["bugcheck_parameters"] = json::array();
    for (auto p : d.bugcheck_parameters) {
        const std::string where = kernel::describeAddress(m, p);
        j["bugcheck_parameters"].push_back(where.empty() ? json(nullptr) : json(where));
    }
    return j;
}

json dumpJson(const CrashDumpInfo& d, const InfoModel& m) {
    const analysis::KernelSummary* k = m.kernel ? &*m.kernel : nullptr;
    json dj;
    dj["file"] = toValidUtf8(d.path);
    dj["file_size"] = d.file_size;
    dj["type"] = d.dump_type_name;
    dj["dump_type_code"] = d.dump_type;
    dj["build"] = d.build;
    dj["major_version"] = d.major_version;
    dj["windows"] = windowsVersionText(d.build, d.processors, d.major_version,
                                       d.product_type.value_or(1), d.machine);
    dj["machine"] = machineName(d.machine);
    dj["machine_image_type"] = fmt::format("{:#x}", d.machine);
    dj["processors"] = d.processors;
    dj["directory_table_base"] = hex64(d.directory_table_base);
    dj["ps_active_process_head"] = optJson(d.ps_active_process_head);
    dj["ps_loaded_module_list"] = optJson(d.ps_loaded_module_list);
    dj["kd_debugger_data_block"] = optJson(d.kd_debugger_data_block);
    dj["pfn_database"] = optJson(d.pfn_database);
    dj["system_time"] = d.system_time ? json(filetimeToIso(*d.system_time)) : json(nullptr);
    // Seconds (the header counts 100 ns units): every duration in the JSON is a number of
    // seconds, every instant an ISO 8601 string.
    dj["system_uptime"] = d.system_uptime ? uptimeSeconds(*d.system_uptime) : json(nullptr);
    dj["bugcheck_code"] = fmt::format("{:#010x}", d.bugcheck_code);
    dj["bugcheck_parameters"] = json::array();
    for (auto p : d.bugcheck_parameters)
        dj["bugcheck_parameters"].push_back(hex64(p));
    dj["physical_pages"] = d.present_pages;
    dj["runs"] = json::array();
    for (const auto& run : d.runs)
        dj["runs"].push_back(
            {{"base_page", fmt::format("{:#x}", run.base_page)}, {"page_count", run.page_count}});
    dj["comment"] = d.comment;
    dj["modules"] = m.modules ? modulesInfoJson(d, *m.modules) : json(nullptr);
    dj["warnings"] = d.warnings;
    json j;
    j["dump"] = dj;
    json kj;
    if (k) {
        kj["profile"] = k->profile_name;
        kj["profile_method"] = kernel::methodName(k->profile_method);
        if (const auto& img = k->image) {
            kj["kernel_base"] = hex64(img->base);
            kj["kernel_size"] = img->size_of_image; // bytes, a number like every size
            kj["kernel_found_by"] = img->found_by;
            kj["pdb_name"] = img->pdb_name;
            kj["pdb_guid"] = img->pdb ? json(img->pdb->guid) : json(nullptr);
            kj["pdb_age"] = img->pdb ? json(img->pdb->age) : json(nullptr);
        }
        kj["psp_cid_table"] =
            k->psp_cid_table ? json(hex64(k->psp_cid_table->value)) : json(nullptr);
        kj["warnings"] = k->warnings;
    } else {
        kj["problem"] = toValidUtf8(m.kernel_problem); // may quote a file name
    }
    j["kernel"] = kj;
    return j;
}

std::vector<InfoLine> rawLines(const RawImageInfo& image, const InfoModel& m) {
    const kernel::Discovery* d = m.discovery;
    const analysis::KernelSummary* k = m.kernel ? &*m.kernel : nullptr;
    detail::InfoLines lines;
    auto add = [&](std::string key, std::string label, std::string value, std::string source) {
        lines.add(std::move(key), std::move(label), std::move(value), std::move(source));
    };
    add("file", "Raw image", fmt::format("{} ({} bytes)", toValidUtf8(image.path), image.file_size),
        "");
    add("physical_pages", "Physical memory",
        fmt::format("{:#x} pages addressable, {:#x} holding data in {} extents", image.page_span,
                    image.present_pages, image.data_extents),
        "physical address = file offset");
    if (!d) {
        add("problem", "Kernel", "not found: " + m.kernel_problem, "");
        return lines.lines();
    }
    const auto& f = k ? k->facts : d->facts;
    add("dtb", "DirectoryTableBase", hex64(f.directory_table_base), f.dtb_source);
    add("ps_active_process_head", "PsActiveProcessHead",
        optHex(f.ps_active_process_head, "unknown"), f.active_head_source);
    add("kdbg", "KdDebuggerDataBlock", optHex(f.kd_debugger_data_block, "unknown"), f.kdbg_source);
    add("kernel_base", "Kernel base",
        k && k->image ? hex64(k->image->base) : optHex(f.kernel_base, "unknown"),
        k && k->image ? k->image->found_by : f.kernel_base_source);
    add("build", "Build", f.build ? std::to_string(f.build) : "unknown", f.build_source);
    if (k && k->ps_loaded_module_list)
        add("ps_loaded_module_list", "PsLoadedModuleList", hex64(k->ps_loaded_module_list->value),
            k->ps_loaded_module_list->source);
    if (m.modules)
        lines.addModules(*m.modules);
    lines.addKernel(k, m.kernel_problem);
    return lines.lines();
}

std::string renderRawInfo(const RawImageInfo& image, const InfoModel& m, OutputFormat format) {
    const auto lines = rawLines(image, m);
    if (format == OutputFormat::Json) {
        json j, items = json::object();
        for (const auto& l : lines)
            items[l.key] = {{"value", l.value}, {"source", l.source}};
        j["raw_image"] = items;
        j["discovery_log"] = m.discovery ? m.discovery->log : std::vector<std::string>{};
        j["warnings"] = m.kernel ? m.kernel->warnings : std::vector<std::string>{};
        return j.dump(2) + "\n";
    }
    std::string out;
    for (const auto& l : lines)
        out += detail::formatInfoLine(l);
    if (m.discovery)
        for (const auto& entry : m.discovery->log)
            out += fmt::format("scan: {}\n", entry);
    return out;
}

std::string renderDumpInfo(const CrashDumpInfo& d, const InfoModel& m, OutputFormat format) {
    if (format == OutputFormat::Json)
        return dumpJson(d, m).dump(2) + "\n";
    const auto lines = dumpLines(d, m);
    if (format == OutputFormat::Csv) {
        std::string out = "key,value,source\n";
        for (const auto& l : lines)
            out += fmt::format("{},{},{}\n", l.key, csvField(l.csv_value.value_or(l.value)),
                               csvField(l.source));
        return out;
    }
    return dumpText(d, lines);
}

} // namespace

std::string windowsVersionText(std::uint32_t build, std::uint32_t processors,
                               std::uint32_t major_version, std::uint32_t product_type,
                               std::uint32_t machine) {
    return fmt::format("{} Kernel Version {}{} {} ({} procs) {} {}",
                       productName(build, product_type), build,
                       build == 7601 ? " (Service Pack 1)" : "", processors > 1 ? "MP" : "UP",
                       processors, major_version == 0xC ? "Checked" : "Free", machineName(machine));
}

std::string renderInfo(const InfoModel& info, OutputFormat format) {
    if (info.raw)
        return renderRawInfo(*info.raw, info, format);
    if (info.dump)
        return renderDumpInfo(*info.dump, info, format);
    return "";
}

} // namespace dumpprocs::report
