#pragma once
// --dt's reading half: the members of one type at a virtual address, each with the bytes read for
// it (or why they could not be read), as data. report/dt.cpp renders it like WinDbg's `dt` and
// reads no memory itself.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/profile.hpp"

namespace dumpprocs::kernel {

// Embedded structs are opened this many levels below the type itself (WinDbg's `dt -r2`): enough
// for _EPROCESS.Pcb.Header, and a bound on what a hostile symbol file can make the tool print.
inline constexpr int kMaxTypeDumpDepth = 2;

struct TypeDumpLine {
    int depth = 0;                // 0: a member of the type itself; 1: of an embedded struct ...
    MemberInfo member;            // offset is from the start of its own (embedded) struct
    std::uint64_t address = 0;    // where the member is
    std::vector<std::byte> bytes; // what was read (the head of an embedded struct; none for arrays)
    std::string unreadable;       // why the bytes could not be read, or ""
};

struct TypeDump {
    std::string type_name; // "_EPROCESS"
    std::uint64_t address = 0;
    std::string profile_name;
    std::vector<TypeDumpLine> lines; // in output order: a struct member, then its own members
};

// Case-insensitive wildcard match ('*' and '?') of a member name, as dt's field filter.
bool wildcardMatch(std::string_view pattern, std::string_view text);

// The members of `type_name` ("nt!" prefix allowed) at `address` whose names match `pattern`
// (empty = all). With `nested`, an embedded struct the profile describes is followed by its own
// members, up to kMaxTypeDumpDepth levels (the pattern filters the type's own members only).
// Fails (Usage) when the profile has no such type.
Expected<TypeDump> dumpType(const Profile& profile, std::string_view type_name,
                            std::uint64_t address, const VirtualMemory& as,
                            std::string_view pattern, bool nested);

} // namespace dumpprocs::kernel
