#include "dumpprocs/kernel/symbol_search.hpp"

#include "dumpprocs/kernel/profile_manifest.hpp"

#include <algorithm>
#include <cctype>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "dumpprocs/kernel/cab_reader.hpp"
#include "dumpprocs/kernel/pdb_loader.hpp"
#include "dumpprocs/kernel/profile_cache.hpp"

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

// A compressed PDB as symbol stores keep it: the name's last character replaced by '_'.
bool isCompressedPdbName(const fs::path& p) {
    return endsWith(upper(p.filename().string()), ".PD_");
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
        if (it->is_regular_file(ec) &&
            (isIsfName(it->path()) || isPdbName(it->path()) || isCompressedPdbName(it->path())))
            files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string_view trim(std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
        t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r'))
        t.remove_suffix(1);
    return t;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
        const std::size_t end = text.find(sep, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos)
            return parts;
        start = end + 1;
    }
}

bool isUrl(std::string_view t) {
    const std::string l = lower(std::string(t.substr(0, 8)));
    return l.rfind("http://", 0) == 0 || l.rfind("https://", 0) == 0;
}

// A PDB name from an RSDS record as a file name: its last path component, or the kernel's usual
// name when the record names none that could be one (the record is read from the dump).
std::string pdbFileName(const std::string& rsds_name) {
    std::string name = rsds_name;
    if (const auto slash = name.find_last_of("/\\"); slash != std::string::npos)
        name = name.substr(slash + 1);
    const bool plain = !name.empty() && name != "." && name != ".." && name.size() <= 255 &&
                       std::all_of(name.begin(), name.end(), [](unsigned char c) {
                           return std::isalnum(c) || c == '.' || c == '_' || c == '-';
                       });
    return plain && isPdbName(name) ? name : std::string("ntkrnlmp.pdb");
}

// Symbol stores keep a compressed file under the name with its last character replaced by '_'
// (ntkrnlmp.pd_), a cabinet holding the PDB.
std::string compressedName(const std::string& name) {
    return name.substr(0, name.size() - 1) + "_";
}

bool isRegularFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

} // namespace

SymbolPath parseSymbolPath(std::string_view text, std::string origin) {
    SymbolPath out;
    out.origin = std::move(origin);
    auto add = [&](std::string_view t) {
        t = trim(t);
        if (t.empty())
            return; // "srv**URL": the default downstream store, which this tool has none of
        if (isUrl(t)) {
            out.urls.emplace_back(t);
            return;
        }
        const fs::path folder{std::string(t)};
        if (std::find(out.folders.begin(), out.folders.end(), folder) == out.folders.end())
            out.folders.push_back(folder);
    };
    for (std::string_view element : split(text, ';')) {
        element = trim(element);
        if (element.empty())
            continue;
        const auto tokens = split(element, '*');
        const std::string head = lower(std::string(trim(tokens.front())));
        std::size_t first = 0;
        if (tokens.size() > 1 && (head == "srv" || head == "cache"))
            first = 1;
        else if (tokens.size() > 1 && head == "symsrv")
            first = 2; // symsrv*symsrv.dll*DIR*URL: the second token names the DLL
        for (std::size_t i = first; i < tokens.size(); ++i)
            add(tokens[i]);
    }
    return out;
}

std::optional<SymbolFile> findInSymbolPath(const SymbolPath& path, const PdbId& kernel,
                                           const std::string& rsds_name) {
    const std::string name = pdbFileName(rsds_name);
    const std::string id = fmt::format("{}{:X}", upper(kernel.guid), kernel.age);
    // A store copied from Windows may keep the name's case or lower it.
    std::vector<std::string> names{name};
    if (lower(name) != name)
        names.push_back(lower(name));
    for (const fs::path& folder : path.folders) {
        std::vector<fs::path> places;
        const bool two_tier = isRegularFile(folder / "index2.txt");
        for (const std::string& n : names) {
            const fs::path store = two_tier ? folder / n.substr(0, 2) / n : folder / n;
            places.push_back(store / id / n);
            places.push_back(store / id / compressedName(n));
        }
        for (const fs::path& place : places)
            if (isRegularFile(place))
                return SymbolFile{place, fmt::format("{} {}: the symbol-store place of the "
                                                     "kernel's PDB {}-{}",
                                                     path.origin, folder.string(), kernel.guid,
                                                     kernel.age)};
        for (const std::string& n : names) {
            const fs::path loose = folder / n;
            if (!isRegularFile(loose))
                continue;
            if (auto loose_id = readPdbId(loose); loose_id && *loose_id == kernel)
                return SymbolFile{loose, fmt::format("{} {}: its info stream names the kernel's "
                                                     "PDB {}-{}",
                                                     path.origin, folder.string(), kernel.guid,
                                                     kernel.age)};
        }
    }
    return std::nullopt;
}

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
        if (isCompressedPdbName(file))
            continue; // expanded only when its place names the kernel's GUID (above)
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

Expected<Profile> loadPdbFileProfile(const fs::path& path) {
    // A cabinet (ntkrnlmp.pd_) holds the PDB: expanded into memory, then read as any PDB.
    if (isCabFile(path) || isCompressedPdbName(path)) {
        std::string member = path.filename().string();
        if (isCompressedPdbName(path))
            member.back() = member[member.size() - 2] == 'D' ? 'B' : 'b';
        DP_TRY(std::string pdb, expandCabMember(path, member, kMaxPdbFileSize));
        return loadPdbProfileFromBytes(std::move(pdb), path);
    }
    return loadPdbProfile(path);
}

Expected<Profile> loadSymbolProfile(const fs::path& path, const fs::path& cache_folder,
                                    std::vector<std::string>* notes) {
    const auto load = [](const fs::path& file) -> Expected<Profile> {
        // By content first (a PDB renamed .bin is still one), then by name (a .pdb that is not an
        // MSF file gets the PDB reader's message, which says so).
        const bool pdb =
            isCabFile(file) || isCompressedPdbName(file) || isPdbFile(file) || isPdbName(file);
        return pdb ? loadPdbFileProfile(file) : loadIsfProfile(file);
    };
    std::vector<std::string> ignored;
    DP_TRY(Profile profile, cache_folder.empty() ? load(path)
                                                 : loadThroughCache(path, cache_folder, load,
                                                                    notes ? *notes : ignored));
    fillFromBuiltinRows(profile);
    fillSizesFromRows(profile, builtinProfiles());
    return profile;
}

} // namespace dumpprocs::kernel
