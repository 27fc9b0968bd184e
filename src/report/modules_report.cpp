#include "dumpprocs/report/modules_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace dumpprocs::report {
namespace {

using json = nlohmann::ordered_json;
using kernel::LoadedModule;
using kernel::ModuleList;

std::string hex32(const std::optional<std::uint32_t>& v) {
    return v ? fmt::format("{:#010x}", *v) : std::string("-");
}

std::string displayName(const LoadedModule& m) {
    return m.name.empty() ? std::string("<no name>") : m.name;
}

std::string statusText(const ModuleList& l) {
    return fmt::format("{} entries, {}", l.modules.size(), l.complete ? "complete" : "PARTIAL");
}

std::string modulesText(const ModuleList& l) {
    std::string out = fmt::format("Loaded modules: {} ({})\n", l.source, statusText(l));
    std::size_t name_width = 12;
    for (const auto& m : l.modules)
        name_width = std::max(name_width, displayName(m).size());
    out += fmt::format("{:>4}  {:<18}  {:<18}  {:>10}  {:<10}  {:<10}  {:<{}}  {}\n", "No.",
                       "Start", "End", "Size", "TimeStamp", "CheckSum", "Name", name_width, "Path");
    for (std::size_t i = 0; i < l.modules.size(); ++i) {
        const auto& m = l.modules[i];
        out += fmt::format("{:>4}  {:<18}  {:<18}  {:>#10x}  {:<10}  {:<10}  {:<{}}  {}\n", i,
                           hex64(m.base), hex64(m.end()), m.size, hex32(m.timestamp),
                           hex32(m.checksum), displayName(m), name_width, m.path);
    }
    for (std::size_t i = 0; i < l.modules.size(); ++i)
        if (!l.modules[i].problem.empty())
            out += fmt::format("note: No. {} ({} {:#x}): {}\n", i, l.entryLabel(),
                               l.modules[i].entry, l.modules[i].problem);
    if (!l.unloaded) {
        out +=
            "Unloaded modules: not in this source (the kernel's MmUnloadedDrivers is not read)\n";
        return out;
    }
    out += fmt::format("Unloaded modules ({}, in the order saved):\n", l.unloaded->size());
    if (l.unloaded->empty())
        return out;
    out += fmt::format("{:>4}  {:<18}  {:<18}  {}\n", "No.", "Start", "End", "Name");
    for (std::size_t i = 0; i < l.unloaded->size(); ++i) {
        const auto& u = (*l.unloaded)[i];
        out +=
            fmt::format("{:>4}  {:<18}  {:<18}  {}{}\n", i, hex64(u.start), hex64(u.end), u.name,
                        u.name_fills_field ? "  (fills the 12-character field: may be cut)" : "");
    }
    return out;
}

json modulesJson(const ModuleList& l) {
    json j;
    j["source"] = l.source;
    j["complete"] = l.complete;
    j["warnings"] = l.warnings;
    j["entries"] = json::array();
    const char* where =
        l.origin == ModuleList::Origin::TriageDriverList ? "file_offset" : "kldr_entry";
    for (std::size_t i = 0; i < l.modules.size(); ++i) {
        const auto& m = l.modules[i];
        json e;
        e["index"] = i;
        e["base"] = hex64(m.base);
        e["end"] = hex64(m.end());
        e["size"] = m.size;
        e["name"] = m.name;
        e["path"] = m.path;
        e["timestamp"] = m.timestamp ? json(fmt::format("{:#010x}", *m.timestamp)) : json(nullptr);
        e["checksum"] = m.checksum ? json(fmt::format("{:#010x}", *m.checksum)) : json(nullptr);
        e["stamps_from"] = m.timestamp_source.empty() ? json(nullptr) : json(m.timestamp_source);
        e[where] = fmt::format("{:#x}", m.entry);
        e["problem"] = m.problem.empty() ? json(nullptr) : json(m.problem);
        j["entries"].push_back(std::move(e));
    }
    if (!l.unloaded) {
        j["unloaded"] = nullptr;
    } else {
        j["unloaded"] = json::array();
        for (const auto& u : *l.unloaded)
            j["unloaded"].push_back({{"start", hex64(u.start)},
                                     {"end", hex64(u.end)},
                                     {"name", u.name},
                                     {"name_fills_field", u.name_fills_field}});
    }
    json root;
    root["modules"] = std::move(j);
    return root;
}

std::string modulesCsv(const ModuleList& l) {
    std::string out = "list,index,start,end,size,timestamp,checksum,name,path\n";
    for (std::size_t i = 0; i < l.modules.size(); ++i) {
        const auto& m = l.modules[i];
        out += fmt::format("loaded,{},{},{},{},{},{},{},{}\n", i, hex64(m.base), hex64(m.end()),
                           m.size, m.timestamp ? fmt::format("{:#010x}", *m.timestamp) : "",
                           m.checksum ? fmt::format("{:#010x}", *m.checksum) : "", csvField(m.name),
                           csvField(m.path));
    }
    if (l.unloaded)
        for (std::size_t i = 0; i < l.unloaded->size(); ++i) {
            const auto& u = (*l.unloaded)[i];
            out += fmt::format("unloaded,{},{},{},{},,,{},\n", i, hex64(u.start), hex64(u.end),
                               u.end >= u.start ? u.end - u.start : 0, csvField(u.name));
        }
    return out;
}

} // namespace

std::string renderModules(const ModuleList& modules, OutputFormat format) {
    switch (format) {
    case OutputFormat::Json:
        return modulesJson(modules).dump(2) + "\n";
    case OutputFormat::Csv:
        return modulesCsv(modules);
    case OutputFormat::Text:
        break;
    }
    return modulesText(modules);
}

} // namespace dumpprocs::report
