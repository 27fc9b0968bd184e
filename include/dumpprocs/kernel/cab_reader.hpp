#pragma once
// A symbol store keeps some PDBs compressed: ntkrnlmp.pd_ is a Microsoft cabinet (MSCF) holding
// ntkrnlmp.pdb. libmspack (Debian's libmspack-dev) expands it into memory, never onto the disk,
// with the same size cap as a PDB read straight from a file.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::kernel {

// The 4 bytes a cabinet starts with.
inline constexpr std::string_view kCabMagic{"MSCF", 4};

// True when the file starts with the cabinet signature (false when it cannot be read).
bool isCabFile(const std::filesystem::path& path);

// The bytes of the member named `member` (case-insensitive; a cabinet with one member: that
// one) of the cabinet `path`, at most `max_size` bytes. Errors name the cabinet and what is
// wrong (not a cabinet, no such member, larger than the cap, a corrupt block).
Expected<std::string> expandCabMember(const std::filesystem::path& path, std::string_view member,
                                      std::size_t max_size);

} // namespace dumpprocs::kernel
