#include "dumpprocs/kernel/isf_export.hpp"

#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

namespace dumpprocs::kernel {
namespace {

using json = nlohmann::ordered_json;

constexpr std::uint32_t kMachineAmd64 =
    0x8664; // IMAGE_FILE_MACHINE_AMD64, as Volatility records it

struct Base {
    std::uint32_t size;
    bool is_signed;
    const char* kind;
};

// The base type names the PDB reader gives (pdb_loader.cpp) and the ISF loader reads.
std::optional<Base> knownBase(const std::string& name) {
    static const std::map<std::string, Base, std::less<>> bases = {
        {"void", {0, false, "void"}},
        {"char", {1, true, "char"}},
        {"unsigned char", {1, false, "char"}},
        {"bool", {1, false, "bool"}},
        {"wchar", {2, false, "char"}},
        {"short", {2, true, "int"}},
        {"unsigned short", {2, false, "int"}},
        {"int", {4, true, "int"}},
        {"unsigned int", {4, false, "int"}},
        {"long", {4, true, "int"}},
        {"unsigned long", {4, false, "int"}},
        {"long long", {8, true, "int"}},
        {"unsigned long long", {8, false, "int"}},
        {"float", {4, true, "float"}},
        {"double", {8, true, "float"}},
        {"pointer", {8, false, "int"}},
    };
    auto it = bases.find(name);
    return it == bases.end() ? std::nullopt : std::optional<Base>(it->second);
}

// The base type of an enum or an unnamed scalar of `size` bytes, as Volatility's own ISF files
// name them from a PDB ("long" for a signed 4-byte int).
const char* baseOfSize(std::uint32_t size, bool is_signed) {
    switch (size) {
    case 1:
        return is_signed ? "char" : "unsigned char";
    case 2:
        return is_signed ? "short" : "unsigned short";
    case 8:
        return is_signed ? "long long" : "unsigned long long";
    default:
        return is_signed ? "long" : "unsigned long";
    }
}

const char* unsignedOfSize(std::uint32_t size) {
    return baseOfSize(size, false);
}

class Writer {
  public:
    explicit Writer(const Profile& p) : p_(p) {}

    std::string run() {
        json isf;
        isf["metadata"]["format"] = "6.2.0";
        isf["metadata"]["producer"] = {{"name", "dumpprocs"}, {"version", "export-isf"}};
        if (!p_.pdb_ids.empty())
            isf["metadata"]["windows"]["pdb"] = {{"GUID", p_.pdb_ids.front().guid},
                                                 {"age", p_.pdb_ids.front().age},
                                                 {"database", "ntkrnlmp.pdb"},
                                                 {"machine_type", kMachineAmd64}};
        json user_types = json::object();
        for (const auto& [name, type] : p_.types) {
            json fields = json::object();
            for (const auto& m : type.members)
                fields[m.name] = {{"offset", m.offset}, {"type", describe(m)}};
            user_types[name] = {{"kind", "struct"}, {"size", type.size}, {"fields", fields}};
        }
        useBase("pointer");
        useBase("void");
        json base_types = json::object();
        for (const auto& name : bases_) {
            const Base b = *knownBase(name);
            base_types[name] = {
                {"kind", b.kind}, {"size", b.size}, {"signed", b.is_signed}, {"endian", "little"}};
        }
        // Every enum the profile read (a PDB's, with its constants), then those only members
        // name (their size, no constants).
        json enums = json::object();
        for (const auto& [name, e] : p_.enums) {
            const std::string base = baseOfSize(e.size, e.is_signed);
            useBaseIn(base_types, base);
            json constants = json::object();
            for (const auto& [constant, value] : e.constants)
                constants[constant] =
                    e.is_signed ? json(value) : json(static_cast<std::uint64_t>(value));
            enums[name] = {{"size", e.size}, {"base", base}, {"constants", std::move(constants)}};
        }
        for (const auto& [name, size] : enums_) {
            if (enums.contains(name))
                continue;
            useBaseIn(base_types, unsignedOfSize(size));
            enums[name] = {
                {"size", size}, {"base", unsignedOfSize(size)}, {"constants", json::object()}};
        }
        json symbols = json::object();
        for (const auto& [name, rva] : p_.symbols)
            symbols[name] = {{"address", rva}};
        isf["base_types"] = base_types;
        isf["user_types"] = user_types;
        isf["enums"] = enums;
        isf["symbols"] = symbols;
        return isf.dump(1) + "\n";
    }

  private:
    void useBase(const std::string& name) {
        if (knownBase(name))
            bases_.insert(name);
    }
    static void useBaseIn(json& base_types, const std::string& name) {
        if (base_types.contains(name))
            return;
        const Base b = *knownBase(name);
        base_types[name] = {
            {"kind", b.kind}, {"size", b.size}, {"signed", b.is_signed}, {"endian", "little"}};
    }

    // A named type: a struct of the profile, a base type, or (a type the PDB only names, such as
    // the target of a pointer to an undefined struct) void.
    json named(const std::string& name) {
        if (p_.types.count(name))
            return {{"kind", "struct"}, {"name", name}};
        if (knownBase(name)) {
            useBase(name);
            return {{"kind", "base"}, {"name", name}};
        }
        useBase("void");
        return {{"kind", "base"}, {"name", "void"}};
    }

    json scalar(const MemberInfo& m) {
        std::string name = m.type_name;
        if (!knownBase(name) || knownBase(name)->size != m.size)
            name = m.kind == MemberKind::Signed && m.size == 8   ? "long long"
                   : m.kind == MemberKind::Signed && m.size == 4 ? "long"
                                                                 : unsignedOfSize(m.size);
        useBase(name);
        return {{"kind", "base"}, {"name", name}};
    }

    json describe(const MemberInfo& m) {
        switch (m.kind) {
        case MemberKind::Pointer:
            useBase("pointer");
            return {{"kind", "pointer"}, {"subtype", named(m.type_name)}};
        case MemberKind::Bitfield: {
            MemberInfo container = m;
            container.kind = MemberKind::Unsigned;
            return {{"kind", "bitfield"},
                    {"bit_position", m.bit_position},
                    {"bit_length", m.bit_length},
                    {"type", scalar(container)}};
        }
        case MemberKind::CharArray:
        case MemberKind::Array: {
            json element;
            const std::uint32_t element_size = m.count == 0 ? 0 : m.size / m.count;
            if (p_.types.count(m.type_name) || knownBase(m.type_name))
                element = named(m.type_name);
            else if (element_size == 8) // an array of pointers to a type the PDB only names
                element = {{"kind", "pointer"}, {"subtype", named(m.type_name)}};
            else
                element = scalar(MemberInfo{"", 0, element_size, MemberKind::Unsigned, "", 0, 0, 0,
                                            std::nullopt});
            return {{"kind", "array"}, {"count", m.count}, {"subtype", element}};
        }
        case MemberKind::Struct:
            if (p_.types.count(m.type_name))
                return {{"kind", "struct"}, {"name", m.type_name}};
            // An unnamed or undefined type: its bytes, so that offsets and sizes stay right.
            return {{"kind", "array"},
                    {"count", m.size},
                    {"subtype", scalar(MemberInfo{"", 0, 1, MemberKind::Unsigned, "", 0, 0, 0,
                                                  std::nullopt})}};
        case MemberKind::Enum:
            enums_[m.type_name] = m.size;
            return {{"kind", "enum"}, {"name", m.type_name}};
        case MemberKind::Unsigned:
        case MemberKind::Signed:
            return scalar(m);
        }
        return scalar(m);
    }

    const Profile& p_;
    std::set<std::string> bases_;
    std::map<std::string, std::uint32_t> enums_;
};

} // namespace

std::string exportIsf(const Profile& profile) {
    return Writer(profile).run();
}

} // namespace dumpprocs::kernel
