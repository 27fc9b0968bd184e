#include "dumpprocs/kernel/symbol_search.hpp"

#include "dumpprocs/kernel/profile_manifest.hpp"

#include <algorithm>
#include <cctype>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "dumpprocs/kernel/pdb_loader.hpp"

namespace dumpprocs::kernel {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxDepth = 6;                  // store/windows/ntkrnlmp.pdb/<id>/file and some
constexpr std::size_t kMaxEntries = 200'000;  // a folder walk stops here (a whole symbol store)
constexpr std::size_t kMaxMetadataReads = 16; // symbol files opened to read their GUID and age

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

bool endsWith(const std::string& name, const std::string& tail) {
    return name.size() > tail.size() &&
           name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
}

bool isIsfName(const fs::path& p) {
    const std::string name = p.filename().string();
    return endsWith(name, ".json") || endsWith(name, ".json.xz");
}

// Symbol stores keep the case the linker wrote (ntkrnlmp.pdb, NTKRNLMP.PDB).
bool isPdbName(const fs::path& p) {
    return endsWith(upper(p.filename().string()), ".PDB");
}

// Volatility names ISF files <GUID>-<age in decimal>.json(.xz); a symbol store names folders
// <GUID><age in hex>.
bool nameMatches(const fs::path& relative, const PdbId& kernel) {
    const std::string text = upper(relative.generic_string());
    const std::string guid = upper(kernel.guid);
    return text.find(fmt::format("{}-{}.", guid, kernel.age)) != std::string::npos ||
           text.find(fmt::format("{}{:X}/", guid, kernel.age)) != std::string::npos;
}

// The symbol files (ISF and PDB) under `dir`, in a stable order, without following links out of
// it.
Expected<std::vector<fs::path>> isfFilesUnder(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    if (ec)
        return makeError(ErrorCode::Io, "--symbols {}: cannot read the folder: {}", dir.string(),
                         ec.message());
    std::size_t seen = 0;
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec)
            return makeError(ErrorCode::Io, "--symbols {}: {}", dir.string(), ec.message());
        if (++seen > kMaxEntries)
            return makeError(ErrorCode::Usage,
                             "--symbols {}: more than {} entries; name the symbol file or a "
                             "smaller folder",
                             dir.string(), kMaxEntries);
        if (it.depth() >= kMaxDepth)
            it.disable_recursion_pending();
        if (it->is_regular_file(ec) && (isIsfName(it->path()) || isPdbName(it->path())))
            files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

Expected<SymbolFile> findSymbolFile(const fs::path& path, const std::optional<PdbId>& kernel) {
    std::error_code ec;
    if (!fs::is_directory(path, ec))
        return SymbolFile{path, ""};
    if (!kernel)
        return makeError(ErrorCode::NotFound,
                         "--symbols {} is a folder, but this dump does not give the kernel's PDB "
                         "GUID (no readable RSDS debug record) to pick a file by; name the file",
                         path.string());
    DP_TRY(const auto files, isfFilesUnder(path));
    for (const auto& file : files)
        if (nameMatches(fs::relative(file, path, ec), *kernel))
            return SymbolFile{file, fmt::format("its name matches the kernel's PDB {}-{}",
                                                kernel->guid, kernel->age)};
    // Names that say nothing (renamed copies, loose .pdb files): the GUID and age inside decide,
    // for the first few files.
    std::size_t read = 0;
    for (const auto& file : files) {
        if (++read > kMaxMetadataReads)
            break;
        if (isPdbName(file)) {
            auto id = readPdbId(file);
            if (id && *id == *kernel)
                return SymbolFile{file, fmt::format("its info stream names the kernel's PDB {}-{}",
                                                    kernel->guid, kernel->age)};
            continue;
        }
        auto profile = loadIsfProfile(file);
        if (profile && std::find(profile->pdb_ids.begin(), profile->pdb_ids.end(), *kernel) !=
                           profile->pdb_ids.end())
            return SymbolFile{file, fmt::format("its metadata names the kernel's PDB {}-{}",
                                                kernel->guid, kernel->age)};
    }
    return makeError(
        ErrorCode::NotFound,
        "--symbols {}: no ISF file of the kernel's PDB {}-{} in it, nor that PDB ({} "
        ".json/.json.xz/.pdb files looked at{}); Volatility names the ISF {}-{}.json.xz, "
        "a symbol store keeps the PDB as ntkrnlmp.pdb/{}{:X}/ntkrnlmp.pdb",
        path.string(), kernel->guid, kernel->age, files.size(),
        files.size() > kMaxMetadataReads
            ? fmt::format(", the GUID of the first {} read", kMaxMetadataReads)
            : "",
        kernel->guid, kernel->age, kernel->guid, kernel->age);
}

Expected<Profile> loadSymbolProfile(const fs::path& path) {
    // By content first (a PDB renamed .bin is still one), then by name (a .pdb that is not an MSF
    // file gets the PDB reader's message, which says so).
    DP_TRY(Profile profile,
           isPdbFile(path) || isPdbName(path) ? loadPdbProfile(path) : loadIsfProfile(path));
    fillFromBuiltinRows(profile);
    return profile;
}

} // namespace dumpprocs::kernel
