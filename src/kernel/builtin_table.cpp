// The built-in profiles as Profile objects, made once from the generated rows
// (builtin_profiles.cpp, by cmake/gen_profiles.py). Apart from profile.cpp so that the generated
// row types, which name Profile's types, and the Profile class do not include each other.
#include <vector>

#include "builtin_profiles_data.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/profile_manifest.hpp"

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

std::span<const Profile> builtinProfiles() {
    static const std::vector<Profile> profiles = [] {
        std::vector<Profile> all;
        for (std::size_t i = 0; i < generated::kProfileRowCount; ++i)
            all.push_back(buildProfile(generated::kProfileRows[i]));
        // The sizes a row's data lacks, from the rows that have them (the one fallback rule).
        for (Profile& row : all)
            fillSizesFromRows(row, all);
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

} // namespace dumpprocs::kernel
