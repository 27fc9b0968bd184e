#pragma once
// Finds the symbol file --symbols names: a file as it is, or in a folder the one made from the
// kernel's own PDB (GUID and age from the kernel's RSDS debug record), the way `vol -s` searches
// its symbol folders.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// A symbol path as WinDbg reads _NT_SYMBOL_PATH: elements separated by ';', each a plain folder,
// `cache*DIR`, `srv*DIR*...*URL` or `symsrv*symsrv.dll*DIR*...*URL`. Only the local folders are
// kept, in order; the URLs are collected to be named once and never used (this tool does not go
// to the network).
struct SymbolPath {
    std::string origin; // "--symbol-path", "_NT_SYMBOL_PATH"
    std::vector<std::filesystem::path> folders;
    std::vector<std::string> urls;
    bool empty() const { return folders.empty() && urls.empty(); }
};
SymbolPath parseSymbolPath(std::string_view text, std::string origin);

// The kernel's PDB in the local folders of a symbol path, by exact place, in this order for each
// folder: the symbol-store layout <folder>/<name>/<GUID><AGE hex>/<name> (also its compressed
// <name minus last char>_ form), the two-tier layout <folder>/<first two chars>/<name>/... when
// the folder holds index2.txt, then a loose <folder>/<name> whose GUID and age match. `name` is
// the PDB name of the kernel's RSDS record (ntkrnlmp.pdb). nullopt when no folder holds it.
std::optional<SymbolFile> findInSymbolPath(const SymbolPath& path, const PdbId& kernel,
                                           const std::string& pdb_name);

// The profile of a PDB, or of the PDB inside a cabinet (ntkrnlmp.pd_, told by its MSCF signature
// or its name).
Expected<Profile> loadPdbFileProfile(const std::filesystem::path& path);

// The profile of a symbol file: a PDB (MSF 7.00 signature, or a .pdb name) through the PDB
// reader, anything else as an ISF. With a `cache_folder`, through the compiled-profile cache
// (profile_cache.hpp: the part of the profile the process views read); `notes` says whether the
// cache was used, for --verbose.
Expected<Profile> loadSymbolProfile(const std::filesystem::path& path,
                                    const std::filesystem::path& cache_folder = {},
                                    std::vector<std::string>* notes = nullptr);

} // namespace dumpprocs::kernel
