#include "dumpprocs/kernel/type_dump.hpp"

#include <algorithm>
#include <cctype>

namespace dumpprocs::kernel {
namespace {

// Bytes to read for a member: whole small values; only the head of an embedded struct (what the
// value column shows of it: a _LIST_ENTRY's two links, else one quadword).
std::size_t bytesToRead(const MemberInfo& m) {
    if (m.kind == MemberKind::Struct)
        return m.type_name == "_LIST_ENTRY" ? 16 : 8;
    if (m.kind == MemberKind::Array)
        return 0;
    return std::min<std::size_t>(m.size ? m.size : 8, 64);
}

void addMembers(const Profile& profile, const TypeInfo& type, std::uint64_t base,
                const VirtualMemory& as, std::string_view pattern, bool nested, int depth,
                TypeDump& out) {
    for (const auto& m : type.members) {
        if (depth == 0 && !pattern.empty() && !wildcardMatch(pattern, m.name))
            continue;
        TypeDumpLine line;
        line.depth = depth;
        line.member = m;
        line.address = base + m.offset;
        line.bytes.resize(bytesToRead(m));
        if (auto r = as.read(line.address, line.bytes); !r) {
            line.unreadable = r.error().message;
            line.bytes.clear();
        }
        out.lines.push_back(std::move(line));
        if (!nested || depth >= kMaxTypeDumpDepth || m.kind != MemberKind::Struct)
            continue;
        if (const TypeInfo* inner = profile.type(m.type_name); inner && inner != &type)
            addMembers(profile, *inner, base + m.offset, as, "", nested, depth + 1, out);
    }
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

Expected<TypeDump> dumpType(const Profile& profile, std::string_view type_name,
                            std::uint64_t address, const VirtualMemory& as,
                            std::string_view pattern, bool nested) {
    if (type_name.rfind("nt!", 0) == 0)
        type_name.remove_prefix(3);
    const TypeInfo* type = profile.type(type_name);
    if (!type)
        return makeError(ErrorCode::Usage,
                         "profile {} has no type {} (types: _EPROCESS, "
                         "_KPROCESS, _ETHREAD, _KTHREAD, _OBJECT_HEADER, "
                         "_HANDLE_TABLE, ...)",
                         profile.name, type_name);
    TypeDump out;
    out.type_name = type->name;
    out.address = address;
    out.profile_name = profile.name;
    addMembers(profile, *type, address, as, pattern, nested, 0, out);
    return out;
}

} // namespace dumpprocs::kernel
