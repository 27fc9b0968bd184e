#include "dumpprocs/report/dt.hpp"

#include <algorithm>
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

} // namespace

std::string renderDt(const kernel::TypeDump& dump, OutputFormat format) {
    std::string text = fmt::format("nt!{} @ 0x{} (profile {})\n", dump.type_name,
                                   windbgHex(dump.address), dump.profile_name);
    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
    for (const auto& line : dump.lines) {
        const MemberInfo& m = line.member;
        const std::string value = line.unreadable.empty()
                                      ? valueText(m, line.bytes)
                                      : fmt::format("<not readable: {}>", line.unreadable);
        // WinDbg indents an embedded struct's members by three more columns, their offsets
        // from the start of that struct.
        text += fmt::format("{:{}}+{:#05x} {:<16} : {}\n", "", 3 * (line.depth + 1), m.offset,
                            m.name, value);
        nlohmann::ordered_json field = {
            {"offset", fmt::format("{:#x}", m.offset)}, {"name", m.name}, {"value", value}};
        if (line.depth > 0)
            field["depth"] = line.depth;
        fields.push_back(std::move(field));
    }
    if (format == OutputFormat::Json) {
        nlohmann::ordered_json j;
        j["type"] = dump.type_name;
        j["address"] = hex64(dump.address);
        j["profile"] = dump.profile_name;
        j["members"] = fields;
        return j.dump(2) + "\n";
    }
    if (format == OutputFormat::Csv) {
        std::string csv = "type,address,offset,name,value,depth\n";
        for (const auto& f : fields)
            csv +=
                fmt::format("{},{},{},{},{},{}\n", csvField(dump.type_name), hex64(dump.address),
                            f["offset"].get<std::string>(), csvField(f["name"].get<std::string>()),
                            csvField(f["value"].get<std::string>()),
                            f.contains("depth") ? f["depth"].get<int>() : 0);
        return csv;
    }
    return text;
}

} // namespace dumpprocs::report
