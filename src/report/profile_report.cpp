#include "dumpprocs/report/profile_report.hpp"

#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "dumpprocs/kernel/profile_manifest.hpp"

namespace dumpprocs::report {

using json = nlohmann::ordered_json;

namespace {

// A symbol file describes thousands of members; the tool reads only the manifest's.
bool inManifest(const std::string& type, const std::string& member) {
    static const std::set<std::string, std::less<>> names = [] {
        std::set<std::string, std::less<>> out;
        for (const auto& e : kernel::profileManifest())
            out.insert(e.qualified());
        return out;
    }();
    return names.contains(type + "." + member);
}

} // namespace

std::string renderShowProfile(const kernel::ProfileChoice& choice, OutputFormat format,
                              bool all_fields) {
    const auto& p = *choice.profile;
    // A built-in row carries only what the tool needs; a symbol file, every member the kernel has.
    const bool everything = all_fields || p.source == kernel::ProfileSource::Builtin;
    const auto shown = [everything](const std::string& type, const kernel::MemberInfo& m) {
        return everything || inManifest(type, m.name);
    };
    std::size_t hidden = 0;
    for (const auto& [tname, type] : p.types)
        for (const auto& m : type.members)
            hidden += shown(tname, m) ? 0 : 1;
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
                if (!shown(tname, m))
                    continue;
                const std::string key = tname + "." + m.name;
                fields[key] = fmt::format("{:#x}", m.offset);
                if (m.kind == kernel::MemberKind::Bitfield)
                    fields[key + ".bit"] = m.bit_position;
                if (m.fallback)
                    fallbacks[key] = *m.fallback;
            }
        for (const auto& [tname, type] : p.types)
            if (type.size_fallback)
                fallbacks["sizeof(" + tname + ")"] = *type.size_fallback;
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
                if (shown(tname, m))
                    out += fmt::format("{}.{},{:#x},{},{}\n", tname, m.name, m.offset,
                                       m.kind == kernel::MemberKind::Bitfield
                                           ? std::to_string(m.bit_position)
                                           : "",
                                       csvField(m.fallback.value_or("")));
        for (const auto& [tname, type] : p.types)
            if (type.size_fallback)
                out += fmt::format("sizeof({}),{:#x},,{}\n", tname, type.size,
                                   csvField(*type.size_fallback));
        return out;
    }
    // A symbol file names no Windows release or revision (its data line gives the file).
    std::string release = p.windows;
    if (!p.revisions.empty())
        release += (release.empty() ? "" : " ") + p.revisions;
    out += fmt::format("Profile {} ({}){}{}\n", p.name,
                       p.source == kernel::ProfileSource::Pdb   ? "PDB"
                       : p.source == kernel::ProfileSource::Isf ? "ISF"
                                                                : "built-in",
                       release.empty() ? "" : ", ", release);
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
    out += all_fields && p.source != kernel::ProfileSource::Builtin
               ? "Fields (all the symbol file describes):\n"
               : "Fields in use:\n";
    // A symbol file's values are marked with their source; a built-in row's need no mark.
    const std::string mark =
        p.source == kernel::ProfileSource::Builtin ? std::string() : fmt::format("  ({})", source);
    for (const auto& [tname, type] : p.types)
        for (const auto& m : type.members)
            if (shown(tname, m))
                out += fmt::format("  {:<48} {:#06x}{}{}{}\n", tname + "." + m.name, m.offset,
                                   m.kind == kernel::MemberKind::Bitfield
                                       ? fmt::format(" bit {}", m.bit_position)
                                       : "",
                                   m.fallback ? "  (fallback: " + *m.fallback + ")" : "", mark);
    // Sizes the profile's data lacked, taken by the one fallback rule (fillSizesFromRows).
    for (const auto& [tname, type] : p.types)
        if (type.size_fallback)
            out += fmt::format("  {:<48} {:#06x}  (fallback: {})\n", "sizeof(" + tname + ")",
                               type.size, *type.size_fallback);
    if (hidden > 0)
        out += fmt::format("({} more members in the symbol file, which the tool does not read: "
                           "--all-fields lists them)\n",
                           hidden);
    return out;
}

} // namespace dumpprocs::report
