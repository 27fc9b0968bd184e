#include "dumpprocs/kernel/profile.hpp"

#include <algorithm>
#include <vector>

#include "builtin_profiles_data.hpp"

namespace dumpprocs::kernel {
namespace {

Profile buildProfile(const generated::ProfileRow& row) {
    Profile p;
    p.name = row.id;
    p.build = row.build;
    p.windows = row.windows;
    p.revisions = row.revisions;
    p.source = ProfileSource::Builtin;
    p.data_source = row.data_source;
    p.handle_era = row.handle_era;
    for (const auto* pdb = row.pdbs; pdb->guid[0] != '\0'; ++pdb)
        p.pdb_ids.push_back(PdbId{pdb->guid, pdb->age});
    for (std::size_t i = 0; i < row.size_count; ++i) {
        auto& type = p.types[row.sizes[i].type];
        type.name = row.sizes[i].type;
        type.size = row.sizes[i].size;
    }
    for (std::size_t i = 0; i < row.member_count; ++i) {
        const auto& m = row.members[i];
        auto& type = p.types[m.type];
        type.name = m.type;
        MemberInfo info;
        info.name = m.member;
        info.offset = m.offset;
        info.size = m.size;
        info.kind = m.kind;
        info.type_name = m.type_name;
        info.count = m.count;
        info.bit_position = m.bit_position;
        info.bit_length = m.bit_length;
        if (m.fallback)
            info.fallback = m.fallback;
        type.members.push_back(std::move(info));
    }
    return p;
}

} // namespace

const MemberInfo* TypeInfo::member(std::string_view member_name) const {
    auto it = std::find_if(members.begin(), members.end(),
                           [&](const MemberInfo& m) { return m.name == member_name; });
    return it == members.end() ? nullptr : &*it;
}

const TypeInfo* Profile::type(std::string_view type_name) const {
    auto it = types.find(type_name);
    return it == types.end() ? nullptr : &it->second;
}

const MemberInfo* Profile::member(std::string_view qualified) const {
    const auto dot = qualified.find('.');
    if (dot == std::string_view::npos)
        return nullptr;
    const TypeInfo* t = type(qualified.substr(0, dot));
    return t ? t->member(qualified.substr(dot + 1)) : nullptr;
}

Expected<std::uint32_t> Profile::offsetOf(std::string_view qualified) const {
    if (const MemberInfo* m = member(qualified))
        return m->offset;
    return makeError(ErrorCode::NotFound, "profile {} has no member {}", name, qualified);
}

Expected<std::uint32_t> Profile::sizeOf(std::string_view type_name) const {
    const TypeInfo* t = type(type_name);
    if (!t || t->size == 0)
        return makeError(ErrorCode::NotFound, "profile {} does not know sizeof({})", name,
                         type_name);
    return t->size;
}

std::span<const Profile> builtinProfiles() {
    static const std::vector<Profile> profiles = [] {
        std::vector<Profile> all;
        for (std::size_t i = 0; i < generated::kProfileRowCount; ++i)
            all.push_back(buildProfile(generated::kProfileRows[i]));
        return all;
    }();
    return profiles;
}

const Profile* findBuiltinProfile(std::string_view name) {
    for (const auto& p : builtinProfiles())
        if (p.name == name)
            return &p;
    return nullptr;
}

HandleEntryEra detectHandleEra(const Profile& p) {
    const TypeInfo* entry = p.type("_HANDLE_TABLE_ENTRY");
    if (!entry || entry->member("Object"))
        return HandleEntryEra::Win7;
    const MemberInfo* bits = entry->member("ObjectPointerBits");
    return bits && bits->bit_position == 23 ? HandleEntryEra::Win8 : HandleEntryEra::Win81Plus;
}

} // namespace dumpprocs::kernel
