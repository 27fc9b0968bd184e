#pragma once
// The member manifest (profile_members.def) as C++: an id per member the tool reads, with its type,
// name and the way it is read. KernelLayout resolves members only through these ids; the
// structural check walks the whole list; the built-in profile generator parses the same file.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dumpprocs::kernel {

// How the tool reads a member, which fixes the kinds and sizes it accepts.
enum class MemberShape {
    Word,      // 8 bytes read as a pointer or a 64-bit integer
    Integer,   // an integer (or enum) of exactly `reads` bytes; reads 0: any width up to 8
    Bits,      // a bitfield; the tool reads `reads` bytes at its offset and shifts
    ListEntry, // an embedded _LIST_ENTRY (16 bytes)
    Embedded,  // an embedded struct named `embedded`; the tool reads its first `reads` bytes
    Time,      // a _LARGE_INTEGER or 64-bit integer (FILETIME)
    Text,      // a char array of at least `reads` bytes
    Low32,     // a pointer or an integer of 4 or 8 bytes whose low 4 bytes the tool reads (a
               // handle value: _HANDLE_TABLE.UniqueProcessId is a pointer on 7, a ULONG on 10)
};

enum class ProfileMember {
#define PROFILE_MEMBER(id, type, member, shape, reads, embedded) id,
#include "dumpprocs/kernel/profile_members.def"
#undef PROFILE_MEMBER
};

struct ManifestEntry {
    ProfileMember id;
    const char* type;   // "_EPROCESS"
    const char* member; // "UniqueProcessId"
    MemberShape shape;
    std::uint32_t reads;
    const char* embedded; // the embedded struct's type for Embedded, else nullptr

    std::string qualified() const { return std::string(type) + "." + member; }
};

// Every entry, in the file's order.
std::span<const ManifestEntry> profileManifest();
const ManifestEntry& manifestEntry(ProfileMember id);

} // namespace dumpprocs::kernel

namespace dumpprocs::kernel {

class Profile;

// The one fallback for a manifest member a symbol file lacks: the value every built-in row that
// has the member gives, when they all agree (the _OBJECT_HEADER members, say, have not moved from
// Windows 7 to 11). The member is marked with `fallback` naming the rule, so --show-profile shows
// it; a member the rows disagree on stays missing and KernelLayout reports it. The built-in rows
// get theirs from the generator, by the same kind of rule between neighbouring builds. Gives the
// qualified names filled.
//
// The same rule gives the sizes the pool scan reads (_POOL_HEADER and the optional object
// headers) where a profile lacks them, built-in rows included (the 26100 row has no object-header
// sources): the size every row of the same or an earlier build that has the type gives, when they
// all agree (earlier only: AuditInfo, for one, did not exist before Windows 8). `rows` are the
// built-in rows to take them from.
std::vector<std::string> fillFromBuiltinRows(Profile& profile);
void fillSizesFromRows(Profile& profile, std::span<const Profile> rows);
// The types whose sizes the tool reads (the scan's headers), in the order it reads them.
std::span<const char* const> sizedTypes();
// Every kernel symbol whose RVA the tool reads from a symbol file. The tool reads them only
// through symbolRva, by this id: the profile cache keeps these symbols and no other, so a symbol
// read must be listed here (the name table is in profile_manifest.cpp).
enum class KernelSymbol { PspCidTable, ObTypeIndexTable, KiProcessListHead, HandleTableListHead };
const char* symbolName(KernelSymbol symbol); // "PspCidTable"
// The symbol's RVA in the profile (symbol files only; built-in rows carry none).
std::optional<std::uint64_t> symbolRva(const Profile& profile, KernelSymbol symbol);
// The names of every KernelSymbol, in its order.
std::span<const char* const> usedSymbols();

} // namespace dumpprocs::kernel
