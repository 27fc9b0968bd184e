#pragma once
// Profile: the structure layouts of one Windows x64 kernel, as data. Built-in profiles are
// generated from data/reference/kernel-offsets.json (and the raw symbol files it names) by
// cmake/gen_profiles.py; a Volatility 3 ISF file loaded with --symbols gives a profile too.
// Names are the ISF's exact type and member names: "_EPROCESS.ActiveProcessLinks",
// "_EPROCESS.ProcessInserted" (a bitfield member, flattened from the anonymous union, as in ISF).

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::kernel {

// How a member is to be shown and read (drives --dt and typed reads).
enum class MemberKind {
    Unsigned,  // unsigned integer of `size` bytes
    Signed,    // signed integer of `size` bytes
    Pointer,   // 8-byte pointer; `type_name` names the target ("_KTHREAD", "void")
    Bitfield,  // `bit_position`/`bit_length` inside an integer of `size` bytes at `offset`
    CharArray, // `count` bytes of text (ImageFileName)
    Array,     // `count` elements of `type_name`, `size` bytes in all
    Struct,    // embedded struct/union `type_name` (_LIST_ENTRY, _LARGE_INTEGER, _KPROCESS ...)
    Enum,      // enumeration stored in `size` bytes
};

struct MemberInfo {
    std::string name;         // "ActiveProcessLinks"
    std::uint32_t offset = 0; // from the start of the containing type
    std::uint32_t size = 0;   // bytes; 0 when unknown
    MemberKind kind = MemberKind::Unsigned;
    std::string type_name;   // "_LIST_ENTRY", "unsigned long", "_KTHREAD" (pointer target)
    std::uint32_t count = 0; // elements, for arrays
    std::uint8_t bit_position = 0;
    std::uint8_t bit_length = 0;
    // Set when the row had no value and one from neighbouring builds (identical in all of them)
    // was used; the text says which builds.
    std::optional<std::string> fallback;
};

struct TypeInfo {
    std::string name;       // "_EPROCESS"
    std::uint32_t size = 0; // sizeof, 0 when the data does not give it
    // Set when `size` was not in the profile's data and was taken from the built-in rows of the
    // same or earlier builds, which all agree (fillFromBuiltinRows); the text says so.
    std::optional<std::string> size_fallback;
    std::vector<MemberInfo> members; // sorted by offset, then bit position

    const MemberInfo* member(std::string_view name) const;
};

// An enumeration: its size and its constants in declaration order, each value as the underlying
// type reads it (a signed type's all-ones is -1).
struct EnumInfo {
    std::string name; // "_POOL_TYPE"
    std::uint32_t size = 4;
    bool is_signed = false;
    std::vector<std::pair<std::string, std::int64_t>> constants;
};

// How _HANDLE_TABLE_ENTRY encodes the object pointer.
enum class HandleEntryEra {
    Win7,      // 7600/7601: Object pointer at +0, low 3 bits are flags
    Win8,      // 9200: ObjectPointerBits 23..63
    Win81Plus, // 9600..26100: ObjectPointerBits 20..63 (SAR 16, clear low nibble)
};

// Where a profile's values come from: a built-in row, an ISF file, or a PDB read directly.
enum class ProfileSource { Builtin, Isf, Pdb };

struct PdbId {
    std::string guid; // 32 upper-case hex digits, as in ISF file names
    std::uint32_t age = 0;
    bool operator==(const PdbId&) const = default;
};

class Profile {
  public:
    std::string name;        // "7601a", or the ISF file stem
    std::uint32_t build = 0; // NT build number
    std::string windows;     // "Win7 SP1 / 2008 R2 SP1 (original SP1 kernel)"
    std::string revisions;   // "7601.17514"
    ProfileSource source = ProfileSource::Builtin;
    std::string data_source;    // "V2 win7_sp1_x64_vtypes.py", "ISF <path>"
    std::vector<PdbId> pdb_ids; // kernels known to have exactly this layout
    HandleEntryEra handle_era = HandleEntryEra::Win81Plus;
    std::map<std::string, TypeInfo, std::less<>> types;
    // Kernel symbol RVAs (ISF only; built-in rows carry none).
    std::map<std::string, std::uint64_t, std::less<>> symbols;
    // Enumerations with their constants: read from a PDB (for --export-isf); the ISF loader and
    // the built-in rows keep none (no view reads a constant).
    std::map<std::string, EnumInfo, std::less<>> enums;

    const TypeInfo* type(std::string_view name) const;
    // "_EPROCESS.ActiveProcessLinks" -> member, or nullptr.
    const MemberInfo* member(std::string_view qualified) const;
    // Offset of a member; NotFound names the profile and the member.
    Expected<std::uint32_t> offsetOf(std::string_view qualified) const;
    Expected<std::uint32_t> sizeOf(std::string_view type_name) const;
    bool hasMember(std::string_view qualified) const { return member(qualified) != nullptr; }
};

// The 23 generated built-in profiles, in build order.
std::span<const Profile> builtinProfiles();
const Profile* findBuiltinProfile(std::string_view name);

// The handle-entry encoding a symbol file's _HANDLE_TABLE_ENTRY shows: an Object member (Win7),
// ObjectPointerBits from bit 23 (Win8) or from bit 20 (8.1 and later).
HandleEntryEra detectHandleEra(const Profile& profile);

// Loads a Volatility 3 ISF symbol table (.json or .json.xz). Errors name the file and what is
// wrong with it (not JSON, no user_types, a type lacking a size, ...).
Expected<Profile> loadIsfProfile(const std::filesystem::path& path);

} // namespace dumpprocs::kernel
