#pragma once
// The structural check every profile passes before any of its offsets is used (issue 13 item 6).
// A symbol file given with --symbols is hostile input: an offset of 0x7fffffff or a _EPROCESS of
// 0x40 bytes would otherwise send the views' reads past their buffers. The check needs no dump:
// each member the tool reads lies inside its type (offset + size <= sizeof), bitfields inside
// their container, the types have sane sizes, the members have the kind the tool reads them as,
// and the symbol RVAs the tool uses lie inside a kernel image. Built-in rows, ISF files and any
// later source of profiles go through the same check (KernelLayout::resolve runs it).

#include <string>
#include <vector>

#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::kernel {

struct ProfileDefect {
    std::string where;   // "_EPROCESS.ImageFileName", "sizeof(_EPROCESS)", "symbol PspCidTable"
    std::string problem; // "offset 0x7fffffff + 15 bytes lies past sizeof(_EPROCESS) 0x4d0"
};

// Every defect, in a fixed order (types, then members as the tool lists them, then symbols).
std::vector<ProfileDefect> profileDefects(const Profile& profile);

// InvalidData naming the profile and each defect ("_EPROCESS.ImageFileName: offset ...") when
// there is any; the caller reports it as an unusable input (exit code 1).
Expected<void> checkProfileStructure(const Profile& profile);

} // namespace dumpprocs::kernel
