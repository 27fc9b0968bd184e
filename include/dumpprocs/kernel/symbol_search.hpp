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
// (.json, .json.xz) whose path names the kernel's GUID and age (Volatility's
// windows/ntkrnlmp.pdb/<GUID>-<AGE>.json.xz, a symbol store's ntkrnlmp.pdb/<GUID><AGE>/...),
// else whose metadata names them. Fails, naming the folder and the GUID, when none matches or
// the kernel's GUID is unknown.
Expected<SymbolFile> findSymbolFile(const std::filesystem::path& path,
                                    const std::optional<PdbId>& kernel);

} // namespace dumpprocs::kernel
