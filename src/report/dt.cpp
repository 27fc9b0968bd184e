#include "dumpprocs/report/dt.hpp"

#include <array>
#include <cctype>
#include <cstring>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace dumpprocs::report {
namespace {

using kernel::MemberInfo;
using kernel::MemberKind;

std::string safeText(std::span<const std::byte> bytes) {
    std::string out;
    for (std::byte b : bytes) {
        const auto c = static_cast<unsigned char>(b);
        if (c == 0)
            break;
        out += (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
                   ? std::string(1, static_cast<char>(c))
                   : fmt::format("\\x{:02x}", c);
    }
    return out;
}

std::uint64_t readUnsigned(std::span<const std::byte> bytes) {
    std::uint64_t v = 0;
    std::memcpy(&v, bytes.data(), std::min<std::size_t>(bytes.size(), 8));
    return v;
}

// The value column of one member, from its bytes.
std::string valueText(const MemberInfo& m, std::span<const std::byte> bytes) {
    switch (m.kind) {
    case MemberKind::Pointer: {
        const std::uint64_t v = readUnsigned(bytes);
        const std::string target = m.type_name == "void" ? "Void" : "Ptr64 " + m.type_name;
        return fmt::format("0x{} {}", windbgHex(v), target);
    }
    case MemberKind::Bitfield: {
        const std::uint64_t v = readUnsigned(bytes);
        const std::uint64_t field =
            (v >> m.bit_position) & (m.bit_length >= 64 ? ~0ULL : ((1ULL << m.bit_length) - 1));
        std::string bits;
        for (int i = m.bit_length - 1; i >= 0; --i)
            bits += ((field >> i) & 1) ? '1' : '0';
        return "0y" + bits;
    }
    case MemberKind::CharArray:
        return fmt::format("[{}]  \"{}\"", m.count, safeText(bytes));
    case MemberKind::Struct:
        if (m.type_name == "_LIST_ENTRY" && bytes.size() >= 16)
            return fmt::format("_LIST_ENTRY [ 0x{} - 0x{} ]", windbgHex(readUnsigned(bytes)),
                               windbgHex(readUnsigned(bytes.subspan(8))));
        if ((m.type_name == "_LARGE_INTEGER" || m.type_name == "_EX_FAST_REF" ||
             m.type_name == "_EX_PUSH_LOCK") &&
            bytes.size() >= 8)
            return fmt::format("{} 0x{}", m.type_name, windbgHex(readUnsigned(bytes)));
        return m.type_name;
    case MemberKind::Array:
        return fmt::format("[{}] {}", m.count, m.type_name);
    case MemberKind::Signed: {
        const std::uint64_t v = readUnsigned(bytes);
        const int bits = static_cast<int>(m.size * 8);
        const std::int64_t s = bits >= 64
                                   ? static_cast<std::int64_t>(v)
                                   : static_cast<std::int64_t>(v << (64 - bits)) >> (64 - bits);
        return fmt::format("0n{}", s);
    }
    case MemberKind::Unsigned:
    case MemberKind::Enum:
        if (m.size == 8)
            return fmt::format("0x{}", windbgHex(readUnsigned(bytes)));
        return fmt::format("{:#x}", readUnsigned(bytes));
    }
    return "";
}

// Bytes to read for a member: whole small values; only the head of an embedded struct.
std::size_t bytesToRead(const MemberInfo& m) {
    if (m.kind == MemberKind::Struct)
        return m.type_name == "_LIST_ENTRY" ? 16 : 8;
    if (m.kind == MemberKind::Array)
        return 0;
    return std::min<std::size_t>(m.size ? m.size : 8, 64);
}

} // namespace

bool wildcardMatch(std::string_view p, std::string_view t) {
    if (p.empty())
        return t.empty();
    if (p[0] == '*')
        return wildcardMatch(p.substr(1), t) || (!t.empty() && wildcardMatch(p, t.substr(1)));
    if (t.empty())
        return false;
    const bool same = p[0] == '?' || std::tolower(static_cast<unsigned char>(p[0])) ==
                                         std::tolower(static_cast<unsigned char>(t[0]));
    return same && wildcardMatch(p.substr(1), t.substr(1));
}

Expected<std::string> renderDt(const kernel::Profile& profile, std::string_view type_name,
                               std::uint64_t address, const VirtualMemory& as,
                               std::string_view pattern, OutputFormat format) {
    if (type_name.rfind("nt!", 0) == 0)
        type_name.remove_prefix(3);
    const kernel::TypeInfo* type = profile.type(type_name);
    if (!type)
        return makeError(ErrorCode::Usage,
                         "profile {} has no type {} (types: _EPROCESS, "
                         "_KPROCESS, _ETHREAD, _KTHREAD, _OBJECT_HEADER, "
                         "_HANDLE_TABLE, ...)",
                         profile.name, type_name);
    std::string text =
        fmt::format("nt!{} @ 0x{} (profile {})\n", type->name, windbgHex(address), profile.name);
    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
    for (const auto& m : type->members) {
        if (!pattern.empty() && !wildcardMatch(pattern, m.name))
            continue;
        std::string value;
        std::vector<std::byte> bytes(bytesToRead(m));
        if (auto r = as.read(address + m.offset, bytes); !r)
            value = fmt::format("<not readable: {}>", r.error().message);
        else
            value = valueText(m, bytes);
        text += fmt::format("   +{:#05x} {:<16} : {}\n", m.offset, m.name, value);
        fields.push_back(
            {{"offset", fmt::format("{:#x}", m.offset)}, {"name", m.name}, {"value", value}});
    }
    if (format == OutputFormat::Json) {
        nlohmann::ordered_json j;
        j["type"] = type->name;
        j["address"] = hex64(address);
        j["profile"] = profile.name;
        j["members"] = fields;
        return j.dump(2) + "\n";
    }
    return text;
}

} // namespace dumpprocs::report
