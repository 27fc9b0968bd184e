#pragma once
// Row types of the generated built-in profile table (src/kernel/builtin_profiles.cpp).

#include <cstddef>
#include <cstdint>

#include "dumpprocs/kernel/profile.hpp"

namespace dumpprocs::kernel::generated {

struct MemberRow {
    const char* type;
    const char* member;
    std::uint32_t offset;
    std::uint32_t size;
    MemberKind kind;
    const char* type_name;
    std::uint32_t count;
    std::uint8_t bit_position;
    std::uint8_t bit_length;
    const char* fallback; // nullptr unless the value was taken from neighbouring rows
};

struct SizeRow {
    const char* type;
    std::uint32_t size;
};

struct PdbRow {
    const char* guid; // "" ends the list
    std::uint32_t age;
};

struct ProfileRow {
    const char* id;
    std::uint32_t build;
    const char* windows;
    const char* revisions;
    const char* data_source;
    HandleEntryEra handle_era;
    const MemberRow* members;
    std::size_t member_count;
    const SizeRow* sizes;
    std::size_t size_count;
    const PdbRow* pdbs;
};

extern const ProfileRow kProfileRows[];
extern const std::size_t kProfileRowCount;

} // namespace dumpprocs::kernel::generated
