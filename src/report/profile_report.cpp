#include "dumpprocs/report/profile_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace dumpprocs::report {

using json = nlohmann::ordered_json;

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
        j["profile"]["method"] = kernel::methodName(choice.method);
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
    out += fmt::format("Chosen by: {}: {}\n", kernel::methodName(choice.method), choice.reason);
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
