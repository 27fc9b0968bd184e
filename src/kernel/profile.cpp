#include "dumpprocs/kernel/profile.hpp"

#include <algorithm>
#include <vector>

namespace dumpprocs::kernel {

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

HandleEntryEra detectHandleEra(const Profile& p) {
    const TypeInfo* entry = p.type("_HANDLE_TABLE_ENTRY");
    if (!entry || entry->member("Object"))
        return HandleEntryEra::Win7;
    const MemberInfo* bits = entry->member("ObjectPointerBits");
    return bits && bits->bit_position == 23 ? HandleEntryEra::Win8 : HandleEntryEra::Win81Plus;
}

} // namespace dumpprocs::kernel
