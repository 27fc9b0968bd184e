#include "dumpprocs/report/modules_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "dumpprocs/report/table.hpp"

namespace dumpprocs::report {
namespace {

using json = nlohmann::ordered_json;
using kernel::LoadedModule;
using kernel::ModuleList;

// A 32-bit stamp as 0x + 8 digits; "-" in the text table where the source has none.
Cell stamp(const std::optional<std::uint32_t>& v) {
    return v ? Cell::text(fmt::format("{:#010x}", *v)) : Cell::missing().inText("-");
}

std::string displayName(const LoadedModule& m) {
    return m.name.empty() ? std::string("<no name>") : m.name;
}

std::string statusText(const ModuleList& l) {
    return fmt::format("{} entries, {}", l.modules.size(), l.complete ? "complete" : "PARTIAL");
}

// The loaded modules, one row each, in all three formats; the CSV also lists the unloaded
// drivers in the same columns (list = "unloaded").
enum ModuleColumn : std::size_t {
    kList,
    kIndex,
    kStart,
    kEnd,
    kSize,
    kTimestamp,
    kChecksum,
    kName,
    kPath,
    kStampsFrom,
    kEntry,
    kProblem
};

Table loadedTable(const ModuleList& l) {
    std::size_t name_width = 12;
    for (const auto& m : l.modules)
        name_width = std::max(name_width, displayName(m).size());
    const char* where =
        l.origin == ModuleList::Origin::TriageDriverList ? "file_offset" : "kldr_entry";
    Table t;
    t.columns = {{"", "list", ""},
                 {"No.", "index", "index", 4, Align::Right},
                 {"Start", "start", "start", 18, Align::Left, "  "},
                 {"End", "end", "end", 18, Align::Left, "  "},
                 {"Size", "size", "size", 10, Align::Right, "  "},
                 {"TimeStamp", "timestamp", "timestamp", 10, Align::Left, "  "},
                 {"CheckSum", "checksum", "checksum", 10, Align::Left, "  "},
                 {"Name", "name", "name", name_width, Align::Left, "  "},
                 {"Path", "path", "path", 0, Align::Left, "  "},
                 {"", "", "stamps_from"},
                 {"", "", where},
                 {"", "", "problem"}};
    t.json_order = {kIndex,     kStart,    kEnd,        kSize,  kName,   kPath,
                    kTimestamp, kChecksum, kStampsFrom, kEntry, kProblem};
    for (std::size_t i = 0; i < l.modules.size(); ++i) {
        const auto& m = l.modules[i];
        t.add({Cell::text("loaded"), Cell::number(i), Cell::hex(m.base), Cell::hex(m.end()),
               Cell::number(m.size).inText(fmt::format("{:#x}", m.size)), stamp(m.timestamp),
               stamp(m.checksum), Cell::text(m.name).inText(displayName(m)), Cell::text(m.path),
               m.timestamp_source.empty() ? Cell::missing() : Cell::text(m.timestamp_source),
               Cell::text(fmt::format("{:#x}", m.entry)),
               m.problem.empty() ? Cell::missing() : Cell::text(m.problem)});
    }
    return t;
}

std::string modulesText(const ModuleList& l) {
    std::string out = fmt::format("Loaded modules: {} ({})\n", l.source, statusText(l));
    out += renderText(loadedTable(l));
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
    j["entries"] = renderJson(loadedTable(l));
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
    Table t = loadedTable(l);
    if (l.unloaded)
        for (std::size_t i = 0; i < l.unloaded->size(); ++i) {
            const auto& u = (*l.unloaded)[i];
            t.add({Cell::text("unloaded"), Cell::number(i), Cell::hex(u.start), Cell::hex(u.end),
                   Cell::number(u.end >= u.start ? u.end - u.start : 0), Cell::missing(),
                   Cell::missing(), Cell::text(u.name), Cell::missing(), Cell::missing(),
                   Cell::missing(), Cell::missing()});
        }
    return renderCsv(t);
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
