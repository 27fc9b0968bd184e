#include "dumpprocs/kernel/profile_manifest.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace dumpprocs::kernel {
namespace {

constexpr ManifestEntry kManifest[] = {
#define PROFILE_MEMBER(id, type, member, shape, reads, embedded)                                   \
    {ProfileMember::id, type, member, MemberShape::shape, reads, embedded},
#include "dumpprocs/kernel/profile_members.def"
#undef PROFILE_MEMBER
};

// The ids are the entries' indices: manifestEntry() needs no search.
constexpr bool idsAreIndices() {
    for (std::size_t i = 0; i < std::size(kManifest); ++i)
        if (static_cast<std::size_t>(kManifest[i].id) != i)
            return false;
    return true;
}
static_assert(idsAreIndices());

} // namespace

std::span<const ManifestEntry> profileManifest() {
    return kManifest;
}

const ManifestEntry& manifestEntry(ProfileMember id) {
    return kManifest[static_cast<std::size_t>(id)];
}

} // namespace dumpprocs::kernel

#include <fmt/format.h>

#include "dumpprocs/kernel/profile.hpp"

namespace dumpprocs::kernel {

namespace {

// The one value every built-in row that has `name` gives, with the number of rows, or nullptr
// when no row has it or two rows disagree.
const MemberInfo* agreedMember(const std::string& name, std::size_t& rows) {
    const MemberInfo* agreed = nullptr;
    rows = 0;
    for (const Profile& row : builtinProfiles()) {
        const MemberInfo* m = row.member(name);
        if (!m)
            continue;
        ++rows;
        if (agreed &&
            (m->offset != agreed->offset || m->size != agreed->size || m->kind != agreed->kind ||
             m->bit_position != agreed->bit_position || m->bit_length != agreed->bit_length))
            return nullptr;
        agreed = agreed ? agreed : m;
    }
    return agreed;
}

// sizeof(type) when every built-in row that gives it gives the same, else 0.
std::uint32_t agreedSize(const char* type) {
    std::uint32_t agreed = 0;
    for (const Profile& row : builtinProfiles()) {
        const TypeInfo* t = row.type(type);
        if (!t || t->size == 0)
            continue;
        if (agreed && t->size != agreed)
            return 0;
        agreed = t->size;
    }
    return agreed;
}

} // namespace

std::vector<std::string> fillFromBuiltinRows(Profile& profile) {
    // A symbol file is a whole type dump: a member missing from a type it has does not exist in
    // that build, and is never filled. Only types the file leaves out entirely (a trimmed ISF)
    // are filled, and only when the built-in rows agree on the type's size and the member.
    std::vector<std::string> filled;
    std::map<std::string, TypeInfo, std::less<>> added;
    for (const ManifestEntry& e : profileManifest()) {
        if (profile.type(e.type))
            continue;
        const std::string name = e.qualified();
        std::size_t rows = 0;
        const MemberInfo* agreed = agreedMember(name, rows);
        const std::uint32_t size = agreedSize(e.type);
        if (!agreed || size == 0 || std::uint64_t{agreed->offset} + agreed->size > size)
            continue;
        TypeInfo& type = added[e.type];
        type.name = e.type;
        type.size = size;
        MemberInfo copy = *agreed;
        copy.fallback = fmt::format("{} is not in {}; {:#x} in all {} built-in rows that have it",
                                    e.type, profile.data_source, copy.offset, rows);
        type.members.push_back(std::move(copy));
        filled.push_back(name);
    }
    for (auto& [name, type] : added) {
        std::sort(
            type.members.begin(), type.members.end(), [](const MemberInfo& a, const MemberInfo& b) {
                return std::tie(a.offset, a.bit_position) < std::tie(b.offset, b.bit_position);
            });
        profile.types.emplace(name, std::move(type));
    }
    return filled;
}

} // namespace dumpprocs::kernel
