#pragma once
// Finds the symbol file --symbols names: a file as it is, or in a folder the one made from the
// kernel's own PDB (GUID and age from the kernel's RSDS debug record), the way `vol -s` searches
// its symbol folders.

#include <filesystem>
#include <optional>
#include <string>

#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::kernel {

struct SymbolFile {
    std::filesystem::path path;
    std::string how; // how it was picked in a folder ("name matches 1B2C...-1"), "" for a file
};

// A regular file is taken as given. A folder is searched, at most a few levels deep, for an ISF
// (.json, .json.xz) or a PDB (.pdb) whose path names the kernel's GUID and age (Volatility's
// windows/ntkrnlmp.pdb/<GUID>-<AGE>.json.xz, a symbol store's ntkrnlmp.pdb/<GUID><AGE hex>/
// ntkrnlmp.pdb), else whose metadata (an ISF's) or info stream (a PDB's) names them. Fails, naming
// the folder and the GUID, when none matches or the kernel's GUID is unknown.
Expected<SymbolFile> findSymbolFile(const std::filesystem::path& path,
                                    const std::optional<PdbId>& kernel);

// The profile of a symbol file: a PDB (MSF 7.00 signature, or a .pdb name) through the PDB
// reader, anything else as an ISF.
Expected<Profile> loadSymbolProfile(const std::filesystem::path& path);

} // namespace dumpprocs::kernel
