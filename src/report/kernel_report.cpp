#include "dumpprocs/report/kernel_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/dumpfile/triage_dump.hpp"
#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/support/text.hpp"
#include "info_lines.hpp"

namespace dumpprocs::report {
namespace {

using json = nlohmann::ordered_json;
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

std::string optHex(const std::optional<std::uint64_t>& v) {
    return v ? hex64(*v) : "absent";
}
json optJson(const std::optional<std::uint64_t>& v) {
    return v ? json(hex64(*v)) : json(nullptr);
}

using detail::InfoLine;

// "parameter 2 0xfffff8048b58334c is amdppm.sys+0x334c", for each parameter inside a module.
std::string bugcheckModulesText(const dumpfile::HeaderInfo& h, const kernel::ModuleList& modules) {
    std::string out;
    for (std::size_t i = 0; i < h.bugcheck_parameters.size(); ++i) {
        const std::string where = kernel::describeAddress(modules, h.bugcheck_parameters[i]);
        if (!where.empty())
            out += fmt::format("{}parameter {} {} is {}", out.empty() ? "" : "; ", i + 1,
                               hex64(h.bugcheck_parameters[i]), where);
    }
    return out;
}

std::vector<InfoLine> infoLines(const dumpfile::CrashDump& dump, const kernel::KernelContext* k,
                                const std::string& problem, const kernel::ModuleList* modules) {
    const auto& h = dump.header();
    detail::InfoLines lines;
    auto add = [&](std::string key, std::string label, std::string value, std::string source) {
        lines.add(std::move(key), std::move(label), std::move(value), std::move(source));
    };
    add("file", "Dump file",
        fmt::format("{} ({} bytes)", toValidUtf8(dump.path().string()), dump.fileSize()), "");
    add("type", "Dump type",
        fmt::format("{} (DumpType {})", dumpfile::dumpTypeName(h.dump_type), h.dump_type),
        "header");
    add("windows", "Windows",
        windowsVersionText(h.minor_version, h.number_processors, h.major_version,
                           h.product_type.value_or(1)),
        "header");
    add("machine", "Machine",
        fmt::format("{} ({:#x}), {} processors", machineName(h.machine_image_type),
                    h.machine_image_type, h.number_processors),
        "header");
    add("system_time", "System time", h.system_time ? filetimeToIso(*h.system_time) : "absent",
        "header");
    add("uptime", "System uptime", h.system_uptime ? uptimeText(*h.system_uptime) : "absent",
        "header");
    add("bugcheck", "Bugcheck",
        fmt::format("{:#010x} ({:#x}, {:#x}, {:#x}, {:#x})", h.bugcheck_code,
                    h.bugcheck_parameters[0], h.bugcheck_parameters[1], h.bugcheck_parameters[2],
                    h.bugcheck_parameters[3]),
        "header");
    if (modules)
        if (auto where = bugcheckModulesText(h, *modules); !where.empty())
            add("bugcheck_modules", "Bugcheck in module", where, "loaded-module list");
    // The values in use, which differ from the header's when the memory contradicted it.
    if (k && k->facts().dtb_source != "header")
        add("dtb", "DirectoryTableBase", hex64(k->facts().directory_table_base),
            fmt::format("{}; the header says {}", k->facts().dtb_source,
                        hex64(h.directory_table_base)));
    else
        add("dtb", "DirectoryTableBase", hex64(h.directory_table_base), "header");
    add("kernel_base", "Kernel base",
        k && k->kernelImage() ? hex64(k->kernelImage()->base) : "unknown",
        k && k->kernelImage() ? k->kernelImage()->found_by : "");
    add("ps_loaded_module_list", "PsLoadedModuleList", optHex(h.ps_loaded_module_list), "header");
    if (modules)
        lines.addModules(*modules);
    if (k && k->psActiveProcessHead().source != "header")
        add("ps_active_process_head", "PsActiveProcessHead", hex64(k->psActiveProcessHead().value),
            fmt::format("{}; the header says {}", k->psActiveProcessHead().source,
                        optHex(h.ps_active_process_head)));
    else
        add("ps_active_process_head", "PsActiveProcessHead", optHex(h.ps_active_process_head),
            "header");
    add("kdbg", "KdDebuggerDataBlock", optHex(h.kd_debugger_data_block),
        k && k->kdbg() ? fmt::format("header; KDBG tag ok, size {:#x}", k->kdbg()->size)
                       : "header");
    add("pfn_database", "PfnDataBase", optHex(h.pfn_database),
        "header (address of nt!MmPfnDatabase)");
    lines.addKernel(k, problem);
    add("physical_pages", "Physical memory",
        dump.hasPhysicalMemory()
            ? fmt::format("{} pages present ({} MiB) in {} runs", dump.presentPageCount(),
                          dump.presentPageCount() / 256, dump.runs().size())
            : "none (this dump type holds no physical memory)",
        "");
    if (const auto* saved = dump.triageMemory()) {
        auto where = [](const std::optional<std::uint64_t>& va) {
            return va ? hex64(*va) : std::string("not placed");
        };
        add("saved_memory", "Saved memory",
            fmt::format("{} virtual ranges, {:#x} bytes; PRCB {}, thread {}, process {}",
                        saved->ranges().size(), saved->savedBytes(), where(saved->prcb()),
                        where(saved->thread()), where(saved->process())),
            "TRIAGE_DUMP64 at 0x2000");
    }
    if (!h.comment.empty())
        add("comment", "Comment", h.comment, "header");
    return lines.lines();
}

// The physical-memory runs, under the "Physical memory" line they belong to.
std::string runLines(const dumpfile::CrashDump& dump) {
    std::string out;
    std::size_t shown = 0;
    for (const auto& run : dump.runs()) {
        if (++shown > 32) {
            out += fmt::format("  ... {} more runs\n", dump.runs().size() - 32);
            break;
        }
        out += fmt::format("  run: PFN {:#x} .. {:#x} ({:#x} pages)\n", run.base_page,
                           run.base_page + run.page_count - 1, run.page_count);
    }
    return out;
}

std::string infoText(const dumpfile::CrashDump& dump, const std::vector<InfoLine>& lines) {
    std::string out;
    for (const auto& l : lines) {
        out += detail::formatInfoLine(l);
        if (l.key == "physical_pages")
            out += runLines(dump);
    }
    for (const auto& w : dump.warnings())
        out += fmt::format("warning: {}\n", w);
    return out;
}

json modulesInfoJson(const dumpfile::HeaderInfo& h, const kernel::ModuleList& m) {
    json j;
    j["source"] = m.source;
    j["loaded"] = m.modules.size();
    j["complete"] = m.complete;
    j["unloaded"] = m.unloaded ? json(m.unloaded->size()) : json(nullptr);
    j["warnings"] = m.warnings;
    j["bugcheck_parameters"] = json::array();
    for (auto p : h.bugcheck_parameters) {
        const std::string where = kernel::describeAddress(m, p);
        j["bugcheck_parameters"].push_back(where.empty() ? json(nullptr) : json(where));
    }
    return j;
}

json infoJson(const dumpfile::CrashDump& dump, const kernel::KernelContext* k,
              const std::string& problem, const kernel::ModuleList* modules) {
    const auto& h = dump.header();
    json d;
    d["file"] = toValidUtf8(dump.path().string());
    d["file_size"] = dump.fileSize();
    d["type"] = dumpfile::dumpTypeName(h.dump_type);
    d["dump_type_code"] = h.dump_type;
    d["build"] = h.minor_version;
    d["major_version"] = h.major_version;
    d["windows"] = windowsVersionText(h.minor_version, h.number_processors, h.major_version,
                                      h.product_type.value_or(1));
    d["machine"] = machineName(h.machine_image_type);
    d["machine_image_type"] = fmt::format("{:#x}", h.machine_image_type);
    d["processors"] = h.number_processors;
    d["directory_table_base"] = hex64(h.directory_table_base);
    d["ps_active_process_head"] = optJson(h.ps_active_process_head);
    d["ps_loaded_module_list"] = optJson(h.ps_loaded_module_list);
    d["kd_debugger_data_block"] = optJson(h.kd_debugger_data_block);
    d["pfn_database"] = optJson(h.pfn_database);
    d["system_time"] = h.system_time ? json(filetimeToIso(*h.system_time)) : json(nullptr);
    d["system_uptime"] = h.system_uptime ? json(uptimeText(*h.system_uptime)) : json(nullptr);
    d["bugcheck_code"] = fmt::format("{:#010x}", h.bugcheck_code);
    d["bugcheck_parameters"] = json::array();
    for (auto p : h.bugcheck_parameters)
        d["bugcheck_parameters"].push_back(hex64(p));
    d["physical_pages"] = dump.hasPhysicalMemory() ? dump.presentPageCount() : 0;
    d["runs"] = json::array();
    for (const auto& run : dump.runs())
        d["runs"].push_back(
            {{"base_page", fmt::format("{:#x}", run.base_page)}, {"page_count", run.page_count}});
    d["comment"] = h.comment;
    d["modules"] = modules ? modulesInfoJson(h, *modules) : json(nullptr);
    d["warnings"] = dump.warnings();
    json j;
    j["dump"] = d;
    json kj;
    if (k) {
        kj["profile"] = k->profile().name;
        kj["profile_method"] = k->profileChoice().method;
        if (const auto& img = k->kernelImage()) {
            kj["kernel_base"] = hex64(img->base);
            kj["kernel_size"] = fmt::format("{:#x}", img->size_of_image);
            kj["kernel_found_by"] = img->found_by;
            kj["pdb_name"] = img->pdb_name;
            kj["pdb_guid"] = img->pdb ? json(img->pdb->guid) : json(nullptr);
            kj["pdb_age"] = img->pdb ? json(img->pdb->age) : json(nullptr);
        }
        kj["psp_cid_table"] =
            k->pspCidTable() ? json(hex64(k->pspCidTable()->value)) : json(nullptr);
        kj["warnings"] = k->warnings();
    } else {
        kj["problem"] = toValidUtf8(problem); // may quote a file name
    }
    j["kernel"] = kj;
    return j;
}

} // namespace

std::string windowsVersionText(std::uint32_t build, std::uint32_t processors,
                               std::uint32_t major_version, std::uint32_t product_type) {
    return fmt::format("{} Kernel Version {}{} {} ({} procs) {} x64",
                       productName(build, product_type), build,
                       build == 7601 ? " (Service Pack 1)" : "", processors > 1 ? "MP" : "UP",
                       processors, major_version == 0xC ? "Checked" : "Free");
}

std::string renderInfo(const dumpfile::CrashDump& dump, const kernel::KernelContext* kernel,
                       const std::string& problem, OutputFormat format,
                       const kernel::ModuleList* modules) {
    if (format == OutputFormat::Json)
        return infoJson(dump, kernel, problem, modules).dump(2) + "\n";
    const auto lines = infoLines(dump, kernel, problem, modules);
    if (format == OutputFormat::Csv) {
        std::string out = "key,value,source\n";
        for (const auto& l : lines)
            out += fmt::format("{},{},{}\n", l.key, csvField(l.value), csvField(l.source));
        return out;
    }
    return infoText(dump, lines);
}

std::string renderRead(const ReadResult& r, OutputFormat format) {
    if (format == OutputFormat::Json) {
        json j;
        j["address"] = hex64(r.address);
        j["space"] = r.physical ? "physical" : "virtual";
        j["physical_address"] =
            r.physical_address ? json(hex64(*r.physical_address)) : json(nullptr);
        j["length"] = r.bytes.size();
        j["requested"] = r.requested;
        j["hex"] = hexString(r.bytes);
        j["error"] = r.error ? json(*r.error) : json(nullptr);
        return j.dump(2) + "\n";
    }
    if (format == OutputFormat::Csv) {
        std::string out = "address,byte\n";
        for (std::size_t i = 0; i < r.bytes.size(); ++i)
            out +=
                fmt::format("{},{:02x}\n", hex64(r.address + i), static_cast<unsigned>(r.bytes[i]));
        return out;
    }
    std::string out = hexDumpLines(r.address, r.bytes);
    if (r.error)
        out += fmt::format("{}  ?? (cannot read: {})\n", windbgHex(r.address + r.bytes.size()),
                           *r.error);
    return out;
}

std::vector<CpuRecord> readCpus(const kernel::KernelContext& k) {
    const auto& as = k.addressSpace();
    const auto& prcb = k.layout().prcb;
    const auto& thread = k.layout().thread;
    std::optional<std::uint32_t> idle_offset = prcb.idle_thread;
    if (!idle_offset && k.kdbg())
        idle_offset = k.kdbg()->offset_prcb_idle_thread;
    std::vector<CpuRecord> cpus;
    for (std::size_t i = 0; i < k.prcbs().size(); ++i) {
        CpuRecord c;
        c.number = static_cast<unsigned>(i);
        c.prcb = k.prcbs()[i];
        if (prcb.current_thread)
            c.current_thread = as.read<std::uint64_t>(c.prcb + *prcb.current_thread).value_or(0);
        if (!idle_offset) {
            c.problem = "the profile has no _KPRCB.IdleThread";
            cpus.push_back(c);
            continue;
        }
        auto idle = as.read<std::uint64_t>(c.prcb + *idle_offset);
        if (!idle) {
            c.problem = idle.error().message;
            cpus.push_back(c);
            continue;
        }
        c.idle_thread = *idle;
        if (auto p = as.read<std::uint64_t>(*idle + thread.process))
            c.idle_process = *p;
        if (thread.state)
            if (auto s = as.read<std::uint8_t>(*idle + *thread.state))
                c.state = *s;
        if (thread.priority)
            if (auto p = as.read<std::int8_t>(*idle + *thread.priority))
                c.priority = *p;
        if (thread.wait_time)
            if (auto w = as.read<std::uint32_t>(*idle + *thread.wait_time))
                c.wait_time = *w;
        cpus.push_back(c);
    }
    return cpus;
}

std::string renderCpus(const std::vector<CpuRecord>& cpus, const std::string& problem,
                       OutputFormat format) {
    auto optHexUpper = [](const std::optional<std::uint64_t>& v) {
        return v ? fmt::format("0x{:016X}", *v) : std::string("?");
    };
    if (format == OutputFormat::Json) {
        json arr = json::array();
        for (const auto& c : cpus) {
            json j;
            j["number"] = c.number;
            j["prcb"] = hex64(c.prcb);
            j["idle_thread"] = c.idle_thread ? json(hex64(*c.idle_thread)) : json(nullptr);
            j["idle_process"] = c.idle_process ? json(hex64(*c.idle_process)) : json(nullptr);
            j["current_thread"] = c.current_thread ? json(hex64(*c.current_thread)) : json(nullptr);
            j["state"] = c.state ? json(*c.state) : json(nullptr);
            j["priority"] = c.priority ? json(*c.priority) : json(nullptr);
            j["wait_time"] = c.wait_time ? json(fmt::format("{:#x}", *c.wait_time)) : json(nullptr);
            if (!c.problem.empty())
                j["problem"] = c.problem;
            arr.push_back(j);
        }
        json j;
        j["cpus"] = arr;
        if (!problem.empty())
            j["problem"] = problem;
        return j.dump(2) + "\n";
    }
    std::string out;
    if (format == OutputFormat::Csv)
        out = "number,prcb,idle_process,idle_thread,state,priority,wait_time,current_thread\n";
    for (const auto& c : cpus) {
        const std::string state = c.state ? fmt::format("{:02}", *c.state) : "?";
        const std::string prio = c.priority ? fmt::format("{}", *c.priority) : "?";
        const std::string wait = c.wait_time ? fmt::format("0x{:X}", *c.wait_time) : "?";
        if (format == OutputFormat::Csv)
            out += fmt::format("{},{},{},{},{},{},{},{}\n", c.number, hex64(c.prcb),
                               optHexUpper(c.idle_process), optHexUpper(c.idle_thread), state, prio,
                               wait, optHexUpper(c.current_thread));
        else
            out += fmt::format("No.{}  PrimaryProcess->{}  IdleThread->{}  State->{}  "
                               "Priority->{}  WaitTime->{}\n",
                               c.number, optHexUpper(c.idle_process), optHexUpper(c.idle_thread),
                               state, prio, wait) +
                   (c.problem.empty() ? "" : "      problem: " + c.problem + "\n");
    }
    if (!problem.empty() && format == OutputFormat::Text)
        out += "problem: " + problem + "\n";
    return out;
}

std::string renderValidateList(std::uint64_t head, const kernel::ListValidation& v,
                               OutputFormat format) {
    if (format == OutputFormat::Json) {
        json j;
        j["head"] = hex64(head);
        j["forward_entries"] = v.forward_entries;
        j["backward_entries"] = v.backward_entries;
        j["forward_closed"] = v.forward_closed;
        j["backward_closed"] = v.backward_closed;
        j["valid"] = v.forward_closed && v.backward_closed && v.problems.empty();
        j["problems"] = v.problems;
        return j.dump(2) + "\n";
    }
    std::string out;
    if (format == OutputFormat::Csv) {
        out = "head,forward_entries,forward_closed,backward_entries,backward_closed,problems\n";
        std::string problems;
        for (const auto& p : v.problems)
            problems += (problems.empty() ? "" : "; ") + p;
        return out + fmt::format("{},{},{},{},{},{}\n", hex64(head), v.forward_entries,
                                 v.forward_closed ? 1 : 0, v.backward_entries,
                                 v.backward_closed ? 1 : 0, csvField(problems));
    }
    if (v.forward_closed && v.backward_closed && v.problems.empty() &&
        v.forward_entries == v.backward_entries)
        return fmt::format("Found list end after {} entries\n", v.forward_entries + 1);
    out += fmt::format("List at {} is broken:\n", hex64(head));
    out += fmt::format("  Flink walk: {} entries{}\n", v.forward_entries,
                       v.forward_closed ? ", back at the head" : ", did not return");
    out += fmt::format("  Blink walk: {} entries{}\n", v.backward_entries,
                       v.backward_closed ? ", back at the head" : ", did not return");
    for (const auto& p : v.problems)
        out += "  " + p + "\n";
    return out;
}

std::string renderShowProfile(const kernel::KernelContext& k, OutputFormat format) {
    const auto& p = k.profile();
    const auto& choice = k.profileChoice();
    // Every value of a profile comes from one place: the built-in row, the ISF file or the PDB.
    const char* source = p.source == kernel::ProfileSource::Pdb   ? "pdb"
                         : p.source == kernel::ProfileSource::Isf ? "isf"
                                                                  : "builtin";
    if (format == OutputFormat::Json) {
        json j;
        j["profile"]["name"] = p.name;
        j["profile"]["source"] = source;
        j["profile"]["method"] = choice.method;
        j["profile"]["reason"] = choice.reason;
        j["profile"]["build"] = p.build;
        j["profile"]["windows"] = p.windows;
        j["profile"]["data_source"] = p.data_source;
        json checks = json::array();
        for (const auto& v : choice.validations)
            checks.push_back({{"check", v.check}, {"passed", v.passed}, {"detail", v.detail}});
        j["profile"]["validations"] = checks;
        j["profile"]["also_matching"] = choice.also_matching;
        json fields = json::object(), fallbacks = json::object();
        for (const auto& [tname, type] : p.types)
            for (const auto& m : type.members) {
                const std::string key = tname + "." + m.name;
                fields[key] = fmt::format("{:#x}", m.offset);
                if (m.kind == kernel::MemberKind::Bitfield)
                    fields[key + ".bit"] = m.bit_position;
                if (m.fallback)
                    fallbacks[key] = *m.fallback;
            }
        j["profile"]["fields"] = fields;
        j["profile"]["fallbacks"] = fallbacks;
        if (p.source != kernel::ProfileSource::Builtin) {
            // The symbol file's own PDB identity, and where each value came from.
            j["profile"]["pdb"] = json::array();
            for (const auto& id : p.pdb_ids)
                j["profile"]["pdb"].push_back({{"guid", id.guid}, {"age", id.age}});
            json sources = json::object();
            for (const auto& [key, value] : fields.items())
                sources[key] = source;
            j["profile"]["sources"] = sources;
        }
        return j.dump(2) + "\n";
    }
    std::string out;
    if (format == OutputFormat::Csv) {
        out = "field,offset,bit,fallback\n";
        for (const auto& [tname, type] : p.types)
            for (const auto& m : type.members)
                out += fmt::format(
                    "{}.{},{:#x},{},{}\n", tname, m.name, m.offset,
                    m.kind == kernel::MemberKind::Bitfield ? std::to_string(m.bit_position) : "",
                    csvField(m.fallback.value_or("")));
        return out;
    }
    out += fmt::format("Profile {} ({}), {} {}\n", p.name,
                       p.source == kernel::ProfileSource::Pdb   ? "PDB"
                       : p.source == kernel::ProfileSource::Isf ? "ISF"
                                                                : "built-in",
                       p.windows, p.revisions);
    out += fmt::format("Data: {}\n", p.data_source);
    out += fmt::format("Chosen by: {}: {}\n", choice.method, choice.reason);
    for (const auto& v : choice.validations)
        out += fmt::format("  check {:<22} {}  {}\n", v.check, v.passed ? "passed" : "FAILED",
                           v.detail);
    if (!choice.also_matching.empty()) {
        std::string others;
        for (const auto& o : choice.also_matching)
            others += (others.empty() ? "" : ", ") + o;
        out += fmt::format("  rows that validated the same way: {}\n", others);
    }
    out += "Fields in use:\n";
    // A symbol file's values are marked with their source; a built-in row's need no mark.
    const std::string mark =
        p.source == kernel::ProfileSource::Builtin ? std::string() : fmt::format("  ({})", source);
    for (const auto& [tname, type] : p.types)
        for (const auto& m : type.members)
            out += fmt::format("  {:<48} {:#06x}{}{}{}\n", tname + "." + m.name, m.offset,
                               m.kind == kernel::MemberKind::Bitfield
                                   ? fmt::format(" bit {}", m.bit_position)
                                   : "",
                               m.fallback ? "  (fallback: " + *m.fallback + ")" : "", mark);
    return out;
}

} // namespace dumpprocs::report
