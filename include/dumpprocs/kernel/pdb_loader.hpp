#pragma once
// Reads the kernel's own program database (ntkrnlmp.pdb, an MSF 7.00 file as Microsoft's symbol
// server and every WinDbg cache hold it) into the same Profile an ISF file gives: the structure
// layouts from the TPI stream, the kernel globals' RVAs from the publics (and globals) stream and
// the section headers, and the PDB's GUID and age from its info and DBI streams. LLVM's PDB
// libraries do the reading; none of their types appear here.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::kernel {

// The 32 bytes an MSF 7.00 file starts with ("Microsoft C/C++ MSF 7.00\r\n\x1a" "DS\0\0\0").
inline constexpr std::string_view kMsf7Magic{"Microsoft C/C++ MSF 7.00\r\n\x1a"
                                             "DS\0\0\0",
                                             32};

// A real ntkrnlmp.pdb is 8 to 20 MiB; a larger file is refused before it is read.
inline constexpr std::size_t kMaxPdbFileSize = 256u << 20;

// True when the file starts with the MSF 7.00 magic (false when it cannot be read).
bool isPdbFile(const std::filesystem::path& path);

// Only the PDB's identity (GUID and age), for picking the kernel's PDB among several files.
Expected<PdbId> readPdbId(const std::filesystem::path& path);

// The whole profile. Errors name the file and what is wrong with it (not an MSF file, a stream
// that does not parse, no TPI stream ...); a hostile file costs at most its size (capped) in
// memory and a bounded walk over its records.
Expected<Profile> loadPdbProfile(const std::filesystem::path& path);

// The same from bytes already in memory (a PDB expanded from a cabinet); `name` is what messages
// and the profile's data source call it.
Expected<Profile> loadPdbProfileFromBytes(std::string bytes, const std::filesystem::path& name);

} // namespace dumpprocs::kernel
