#include "dumpprocs/kernel/profile_manifest.hpp"

#include <algorithm>
#include <map>
#include <set>
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

namespace {

constexpr const char* kSizedTypes[] = {
    "_POOL_HEADER",
    "_OBJECT_HEADER_CREATOR_INFO",
    "_OBJECT_HEADER_NAME_INFO",
    "_OBJECT_HEADER_HANDLE_INFO",
    "_OBJECT_HEADER_QUOTA_INFO",
    "_OBJECT_HEADER_PROCESS_INFO",
    "_OBJECT_HEADER_AUDIT_INFO",
};

} // namespace

// Indexed by KernelSymbol.
constexpr const char* kUsedSymbols[] = {
    "PspCidTable",         // kernel_context.cpp: the CID table
    "ObTypeIndexTable",    // object_types.cpp: the object types
    "KiProcessListHead",   // witness_views.cpp: the KPROCESS ring's head
    "HandleTableListHead", // witness_views.cpp: the handle-table ring's head
};
static_assert(std::size(kUsedSymbols) ==
              static_cast<std::size_t>(KernelSymbol::HandleTableListHead) + 1);

std::span<const char* const> usedSymbols() {
    return kUsedSymbols;
}

const char* symbolName(KernelSymbol symbol) {
    return kUsedSymbols[static_cast<std::size_t>(symbol)];
}

std::optional<std::uint64_t> symbolRva(const Profile& profile, KernelSymbol symbol) {
    auto it = profile.symbols.find(symbolName(symbol));
    if (it == profile.symbols.end())
        return std::nullopt;
    return it->second;
}

std::span<const char* const> sizedTypes() {
    return kSizedTypes;
}

void fillSizesFromRows(Profile& profile, std::span<const Profile> rows) {
    for (const char* type : kSizedTypes) {
        if (const TypeInfo* t = profile.type(type); t && t->size)
            continue;
        std::set<std::uint32_t> sizes;
        for (const Profile& row : rows)
            if (&row != &profile && row.build <= profile.build)
                if (const TypeInfo* t = row.type(type); t && t->size && !t->size_fallback)
                    sizes.insert(t->size);
        if (sizes.size() != 1)
            continue;
        TypeInfo& t = profile.types[type];
        t.name = type;
        t.size = *sizes.begin();
        t.size_fallback = fmt::format("not in profile {}, the same in every built-in row up to "
                                      "its build that has it",
                                      profile.name);
    }
}

} // namespace dumpprocs::kernel
