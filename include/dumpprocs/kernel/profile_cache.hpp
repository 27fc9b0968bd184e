#pragma once
// The compiled-profile cache: the part of a symbol file's profile the process views read, kept as
// a small binary entry so that a later run with the same --symbols file (or the same PDB found on
// the symbol path) skips parsing the JSON or the PDB. An entry is input like any other: it is
// read with bounds checks, its checksum and versions must match, the source file's path, size
// and modification time must be those recorded, and the profile it gives goes through the same
// structural check as one parsed from the file. Anything else makes it a miss: the file is parsed
// and the entry written again (a new file renamed over the old one, so concurrent runs see the
// old entry or the new one, never half of one).
//
// What is kept (profileCachePart): the types the manifest names (whole: every member), the types
// whose sizes the tool reads, _HANDLE_TABLE_ENTRY, and the symbols of usedSymbols(). --dt,
// --show-profile and --export-isf need every type and member: they read the symbol file itself.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::kernel {

// The on-disk layout of an entry (all integers little-endian):
//   magic (8 bytes) | format version (u32) | tool version (string) | manifest signature (u64) |
//   source path (string) | source size (u64) | source mtime in ns (i64) | profile | CRC-32 (u32)
// A string is a u32 length then its bytes. The CRC-32 (IEEE, as zlib's) covers every byte before
// it. The profile: name, windows, revisions, data_source (strings), build (u32), source (u8),
// handle era (u8), PDB ids (u32 count; GUID string, age u32), types (u32 count; name, size u32,
// size fallback flag u8 [+ string], members: u32 count; name, offset u32, size u32, kind u8,
// type name, count u32, bit position u8, bit length u8, fallback flag u8 [+ string]), symbols
// (u32 count; name, RVA u64). Types and symbols are in name order.
inline constexpr char kProfileCacheMagic[8] = {'D', 'P', 'P', 'R', 'O', 'F', '\r', '\n'};
inline constexpr std::uint32_t kProfileCacheFormat = 1;
inline constexpr const char* kProfileCacheSuffix = ".dpprofile";
// Real entries are tens of KiB; anything larger is not one of ours.
inline constexpr std::size_t kMaxProfileCacheEntry = 8u << 20;
inline constexpr std::uint32_t kMaxCachedTypes = 4096, kMaxCachedMembers = 65536,
                               kMaxCachedSymbols = 4096, kMaxCachedString = 64u << 10;

// The folder keeps at most this many entries (about 60 KiB each, so a few MiB): writing one more
// removes the least recently used (pruneProfileCache).
inline constexpr std::size_t kMaxProfileCacheEntries = 64;

// The source file an entry was made from.
struct SourceStamp {
    std::string path; // absolute, as canonical as the file system gives it
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const SourceStamp&) const = default;
};
Expected<SourceStamp> stampOf(const std::filesystem::path& source);

// The part of `full` the cache keeps (see above).
Profile profileCachePart(const Profile& full);

// CRC-32 (IEEE 802.3, reflected, as zlib's crc32).
std::uint32_t crc32(std::string_view bytes);

std::string encodeProfileCache(const Profile& profile, const SourceStamp& stamp,
                               std::string_view tool_version);
// The profile of an entry; an error says why the entry is not usable (truncated, checksum, other
// format or tool version, another source or a changed one, a malformed field and its offset).
Expected<Profile> decodeProfileCache(std::string_view bytes, const SourceStamp& expected,
                                     std::string_view tool_version);

// Where the entry of `stamp` lives in `folder`: named by a hash of the source's path, so a
// changed file replaces its own entry.
std::filesystem::path profileCacheEntry(const std::filesystem::path& folder,
                                        const SourceStamp& stamp);

// Removes the entries of `folder` (files ending in kProfileCacheSuffix) past the `keep` most
// recently used, by modification time, which a cache hit sets; other files are left alone.
// Returns how many were removed.
std::size_t pruneProfileCache(const std::filesystem::path& folder, std::size_t keep);

// The profile of `source`: from its entry in `folder` when the entry is valid, else from
// `load(source)`, whose profile is then written to `folder` (best effort: a folder that cannot be
// made or written only costs the cache). `notes` says what happened, for --verbose.
using ProfileLoader = std::function<Expected<Profile>(const std::filesystem::path&)>;
Expected<Profile> loadThroughCache(const std::filesystem::path& source,
                                   const std::filesystem::path& folder, const ProfileLoader& load,
                                   std::vector<std::string>& notes);

} // namespace dumpprocs::kernel
