// The compiled-profile cache (profile_cache.hpp): encoding, strict decoding, atomic writes.
#include "dumpprocs/kernel/profile_cache.hpp"

#include <fcntl.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "dumpprocs/kernel/profile_manifest.hpp"
#include "dumpprocs/support/version.hpp"

namespace dumpprocs::kernel {

namespace fs = std::filesystem;

namespace {

// Types kept whole besides the manifest's and the sized ones: detectHandleEra reads this one.
constexpr const char* kExtraTypes[] = {"_HANDLE_TABLE_ENTRY"};

std::set<std::string, std::less<>> keptTypes() {
    std::set<std::string, std::less<>> out;
    for (const auto& e : profileManifest()) {
        out.insert(e.type);
        if (e.embedded)
            out.insert(e.embedded);
    }
    for (const char* t : sizedTypes())
        out.insert(t);
    for (const char* t : kExtraTypes)
        out.insert(t);
    return out;
}

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
    for (const unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h ^ 0xFF; // a separator, so ("ab","c") and ("a","bc") differ
}

// What the kept part depends on: an entry made when the manifest listed other members, types or
// symbols keeps another part, and is rebuilt.
std::uint64_t manifestSignature() {
    static const std::uint64_t signature = [] {
        std::uint64_t h = 0xcbf29ce484222325ULL;
        for (const auto& t : keptTypes())
            h = fnv1a(h, t);
        for (const char* s : usedSymbols())
            h = fnv1a(h, s);
        return h;
    }();
    return signature;
}

class Writer {
  public:
    void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i)
            u8(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void str(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        out_.append(s);
    }
    void bytes(std::string_view s) { out_.append(s); }
    std::string& out() { return out_; }

  private:
    std::string out_;
};

// Bounds-checked reads; the first failure is kept with its offset and every later read gives 0.
class Reader {
  public:
    explicit Reader(std::string_view bytes) : b_(bytes) {}
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    std::size_t offset() const { return pos_; }
    bool atEnd() const { return pos_ == b_.size(); }

    void fail(std::string why) {
        if (error_.empty())
            error_ = fmt::format("{} at offset {:#x}", why, pos_);
    }
    bool need(std::size_t n, const char* what) {
        if (!ok())
            return false;
        if (b_.size() - pos_ < n) {
            fail(fmt::format("truncated: {} needs {} bytes, {} left", what, n, b_.size() - pos_));
            return false;
        }
        return true;
    }
    std::uint64_t le(std::size_t n, const char* what) {
        if (!need(n, what))
            return 0;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v |= std::uint64_t{static_cast<unsigned char>(b_[pos_ + i])} << (8 * i);
        pos_ += n;
        return v;
    }
    std::uint8_t u8(const char* what) { return static_cast<std::uint8_t>(le(1, what)); }
    std::uint32_t u32(const char* what) { return static_cast<std::uint32_t>(le(4, what)); }
    std::uint64_t u64(const char* what) { return le(8, what); }
    // A count no larger than `max`.
    std::uint32_t count(const char* what, std::uint32_t max) {
        const std::uint32_t n = u32(what);
        if (ok() && n > max) {
            fail(fmt::format("{} count {} exceeds {}", what, n, max));
            return 0;
        }
        return n;
    }
    std::string str(const char* what) {
        const std::uint32_t n = count(what, kMaxCachedString);
        if (!need(n, what))
            return {};
        std::string s(b_.substr(pos_, n));
        pos_ += n;
        return s;
    }
    // A byte that must be below `limit` (an enum's value).
    std::uint8_t below(const char* what, std::uint8_t limit) {
        const std::uint8_t v = u8(what);
        if (ok() && v >= limit)
            fail(fmt::format("{} {} is out of range", what, v));
        return v;
    }
    bool flag(const char* what) { return below(what, 2) == 1; }

  private:
    std::string_view b_;
    std::size_t pos_ = 0;
    std::string error_;
};

constexpr std::uint8_t kMemberKinds = static_cast<std::uint8_t>(MemberKind::Enum) + 1;
constexpr std::uint8_t kSources = static_cast<std::uint8_t>(ProfileSource::Pdb) + 1;
constexpr std::uint8_t kEras = static_cast<std::uint8_t>(HandleEntryEra::Win81Plus) + 1;

void writeOptional(Writer& w, const std::optional<std::string>& s) {
    w.u8(s ? 1 : 0);
    if (s)
        w.str(*s);
}

std::optional<std::string> readOptional(Reader& r, const char* what) {
    if (!r.flag(what))
        return std::nullopt;
    return r.str(what);
}

Profile readProfile(Reader& r) {
    Profile p;
    p.name = r.str("profile name");
    p.windows = r.str("windows");
    p.revisions = r.str("revisions");
    p.data_source = r.str("data source");
    p.build = r.u32("build");
    p.source = static_cast<ProfileSource>(r.below("profile source", kSources));
    p.handle_era = static_cast<HandleEntryEra>(r.below("handle era", kEras));
    const std::uint32_t ids = r.count("PDB id", 64);
    for (std::uint32_t i = 0; i < ids && r.ok(); ++i) {
        PdbId id;
        id.guid = r.str("PDB GUID");
        id.age = r.u32("PDB age");
        p.pdb_ids.push_back(std::move(id));
    }
    const std::uint32_t types = r.count("type", kMaxCachedTypes);
    std::uint32_t members_left = kMaxCachedMembers;
    for (std::uint32_t i = 0; i < types && r.ok(); ++i) {
        TypeInfo t;
        t.name = r.str("type name");
        t.size = r.u32("type size");
        t.size_fallback = readOptional(r, "size fallback");
        const std::uint32_t members = r.count("member", members_left);
        members_left -= members;
        t.members.reserve(members);
        for (std::uint32_t j = 0; j < members && r.ok(); ++j) {
            MemberInfo m;
            m.name = r.str("member name");
            m.offset = r.u32("member offset");
            m.size = r.u32("member size");
            m.kind = static_cast<MemberKind>(r.below("member kind", kMemberKinds));
            m.type_name = r.str("member type");
            m.count = r.u32("member count");
            m.bit_position = r.u8("bit position");
            m.bit_length = r.u8("bit length");
            m.fallback = readOptional(r, "member fallback");
            t.members.push_back(std::move(m));
        }
        if (!r.ok())
            break;
        // Written in name order: a repeated or unordered name is not an entry this tool wrote.
        if (!p.types.empty() && !(p.types.rbegin()->first < t.name)) {
            r.fail(fmt::format("type {} out of order", t.name));
            break;
        }
        std::string name = t.name;
        p.types.emplace_hint(p.types.end(), std::move(name), std::move(t));
    }
    const std::uint32_t symbols = r.count("symbol", kMaxCachedSymbols);
    for (std::uint32_t i = 0; i < symbols && r.ok(); ++i) {
        std::string name = r.str("symbol name");
        const std::uint64_t rva = r.u64("symbol RVA");
        if (!r.ok())
            break;
        if (!p.symbols.empty() && !(p.symbols.rbegin()->first < name)) {
            r.fail(fmt::format("symbol {} out of order", name));
            break;
        }
        p.symbols.emplace_hint(p.symbols.end(), std::move(name), rva);
    }
    return p;
}

Expected<std::string> readEntry(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return makeError(ErrorCode::Io, "{}", std::strerror(errno));
    struct stat st {};
    std::string data;
    std::string problem;
    if (::fstat(fd, &st) != 0)
        problem = std::strerror(errno);
    else if (!S_ISREG(st.st_mode))
        problem = "not a regular file";
    else if (static_cast<std::uint64_t>(st.st_size) > kMaxProfileCacheEntry)
        problem = fmt::format("{} bytes, larger than any entry", st.st_size);
    else {
        data.resize(static_cast<std::size_t>(st.st_size));
        std::size_t got = 0;
        while (got < data.size()) {
            const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                problem = n < 0 ? std::strerror(errno) : "shorter than its size";
                break;
            }
            got += static_cast<std::size_t>(n);
        }
    }
    ::close(fd);
    if (!problem.empty())
        return makeError(ErrorCode::Io, "{}", problem);
    return data;
}

// A writer killed between creating its temporary file and renaming it leaves the file behind.
// Those of `entry` older than this are removed when the entry is written again; a younger one may
// be another run's write in progress.
constexpr auto kStaleTemporary = std::chrono::hours(1);

void removeStaleTemporaries(const fs::path& entry) {
    const std::string prefix = "." + entry.filename().string() + ".";
    const auto now = fs::file_time_type::clock::now();
    std::error_code ec;
    for (fs::directory_iterator it(entry.parent_path(), ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.starts_with(prefix) || !name.ends_with(".tmp"))
            continue;
        std::error_code time_ec;
        const auto written = it->last_write_time(time_ec);
        if (!time_ec && now - written > kStaleTemporary)
            fs::remove(it->path(), time_ec);
    }
}

// Writes `bytes` to a new file in the folder and renames it over `entry`.
Expected<void> writeEntry(const fs::path& entry, const std::string& bytes) {
    static std::atomic<unsigned> serial{0};
    const fs::path folder = entry.parent_path();
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec)
        return makeError(ErrorCode::Io, "cannot make {}: {}", folder.string(), ec.message());
    const fs::path temp =
        folder / fmt::format(".{}.{}.{}.tmp", entry.filename().string(), ::getpid(), serial++);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return makeError(ErrorCode::Io, "cannot write in {}: {}", folder.string(),
                         std::strerror(errno));
    std::size_t done = 0;
    std::string problem;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            problem = n < 0 ? std::strerror(errno) : "short write";
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0 && problem.empty())
        problem = std::strerror(errno);
    if (problem.empty() && ::rename(temp.c_str(), entry.c_str()) != 0)
        problem = std::strerror(errno);
    if (!problem.empty()) {
        ::unlink(temp.c_str());
        return makeError(ErrorCode::Io, "cannot write {}: {}", entry.string(), problem);
    }
    removeStaleTemporaries(entry);
    pruneProfileCache(folder, kMaxProfileCacheEntries);
    return {};
}

} // namespace

// liblzma's, which the ISF loader already links (.json.xz): the same IEEE CRC-32 as zlib's.
std::uint32_t crc32(std::string_view bytes) {
    return lzma_crc32(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), 0);
}

Expected<SourceStamp> stampOf(const fs::path& source) {
    std::error_code ec;
    fs::path absolute = fs::canonical(source, ec);
    if (ec)
        absolute = fs::absolute(source, ec);
    struct stat st {};
    if (::stat(source.c_str(), &st) != 0)
        return makeError(ErrorCode::Io, "{}: {}", source.string(), std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        return makeError(ErrorCode::Io, "{}: not a regular file", source.string());
    SourceStamp s;
    s.path = absolute.string();
    s.size = static_cast<std::uint64_t>(st.st_size);
    s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return s;
}

Profile profileCachePart(const Profile& full) {
    Profile p;
    p.name = full.name;
    p.build = full.build;
    p.windows = full.windows;
    p.revisions = full.revisions;
    p.source = full.source;
    p.data_source = full.data_source;
    p.pdb_ids = full.pdb_ids;
    p.handle_era = full.handle_era;
    for (const auto& name : keptTypes())
        if (const TypeInfo* t = full.type(name))
            p.types.emplace(name, *t);
    for (const char* name : usedSymbols())
        if (auto it = full.symbols.find(name); it != full.symbols.end())
            p.symbols.emplace(it->first, it->second);
    return p;
}

std::string encodeProfileCache(const Profile& p, const SourceStamp& stamp,
                               std::string_view tool_version) {
    Writer w;
    w.bytes(std::string_view(kProfileCacheMagic, sizeof kProfileCacheMagic));
    w.u32(kProfileCacheFormat);
    w.str(tool_version);
    w.u64(manifestSignature());
    w.str(stamp.path);
    w.u64(stamp.size);
    w.u64(static_cast<std::uint64_t>(stamp.mtime_ns));
    w.str(p.name);
    w.str(p.windows);
    w.str(p.revisions);
    w.str(p.data_source);
    w.u32(p.build);
    w.u8(static_cast<std::uint8_t>(p.source));
    w.u8(static_cast<std::uint8_t>(p.handle_era));
    w.u32(static_cast<std::uint32_t>(p.pdb_ids.size()));
    for (const auto& id : p.pdb_ids) {
        w.str(id.guid);
        w.u32(id.age);
    }
    w.u32(static_cast<std::uint32_t>(p.types.size()));
    for (const auto& [name, t] : p.types) {
        w.str(name);
        w.u32(t.size);
        writeOptional(w, t.size_fallback);
        w.u32(static_cast<std::uint32_t>(t.members.size()));
        for (const auto& m : t.members) {
            w.str(m.name);
            w.u32(m.offset);
            w.u32(m.size);
            w.u8(static_cast<std::uint8_t>(m.kind));
            w.str(m.type_name);
            w.u32(m.count);
            w.u8(m.bit_position);
            w.u8(m.bit_length);
            writeOptional(w, m.fallback);
        }
    }
    w.u32(static_cast<std::uint32_t>(p.symbols.size()));
    for (const auto& [name, rva] : p.symbols) {
        w.str(name);
        w.u64(rva);
    }
    const std::uint32_t sum = crc32(w.out());
    w.u32(sum);
    return std::move(w.out());
}

Expected<Profile> decodeProfileCache(std::string_view bytes, const SourceStamp& expected,
                                     std::string_view tool_version) {
    auto bad = [](std::string why) { return makeError(ErrorCode::InvalidData, "{}", why); };
    if (bytes.size() < sizeof kProfileCacheMagic + 8)
        return bad(fmt::format("truncated: {} bytes", bytes.size()));
    if (bytes.substr(0, sizeof kProfileCacheMagic) !=
        std::string_view(kProfileCacheMagic, sizeof kProfileCacheMagic))
        return bad("not a profile cache entry (no magic)");
    Reader r(bytes.substr(0, bytes.size() - 4));
    (void)r.le(sizeof kProfileCacheMagic, "magic");
    const std::uint32_t format = r.u32("format version");
    if (format != kProfileCacheFormat)
        return bad(
            fmt::format("format version {}, this dumpprocs reads {}", format, kProfileCacheFormat));
    Reader tail(bytes.substr(bytes.size() - 4));
    const std::uint32_t stored = tail.u32("checksum");
    const std::uint32_t computed = crc32(bytes.substr(0, bytes.size() - 4));
    if (stored != computed)
        return bad(fmt::format("checksum {:#010x}, the bytes give {:#010x} (damaged or truncated)",
                               stored, computed));
    const std::string version = r.str("tool version");
    if (r.ok() && version != tool_version)
        return bad(fmt::format("written by dumpprocs {}, this is {}", version, tool_version));
    const std::uint64_t signature = r.u64("manifest signature");
    if (r.ok() && signature != manifestSignature())
        return bad("made for another member manifest");
    SourceStamp stamp;
    stamp.path = r.str("source path");
    stamp.size = r.u64("source size");
    stamp.mtime_ns = static_cast<std::int64_t>(r.u64("source mtime"));
    if (r.ok() && stamp.path != expected.path)
        return bad(fmt::format("made from {}, not {}", stamp.path, expected.path));
    if (r.ok() && (stamp.size != expected.size || stamp.mtime_ns != expected.mtime_ns))
        return bad(fmt::format("stale: the source was {} bytes modified at {} ns, it is now {} "
                               "bytes modified at {} ns",
                               stamp.size, stamp.mtime_ns, expected.size, expected.mtime_ns));
    Profile p = readProfile(r);
    if (r.ok() && !r.atEnd())
        r.fail("bytes after the profile");
    if (!r.ok())
        return bad(r.error());
    return p;
}

std::size_t pruneProfileCache(const fs::path& folder, std::size_t keep) {
    std::vector<std::pair<fs::file_time_type, fs::path>> entries;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() != kProfileCacheSuffix)
            continue;
        std::error_code entry_ec;
        if (!it->is_regular_file(entry_ec))
            continue;
        const auto used = it->last_write_time(entry_ec);
        if (!entry_ec)
            entries.emplace_back(used, it->path());
    }
    if (entries.size() <= keep)
        return 0;
    // Least recently used first: a hit sets its entry's time (loadThroughCache).
    std::sort(entries.begin(), entries.end());
    std::size_t removed = 0;
    for (std::size_t i = 0; i < entries.size() - keep; ++i) {
        std::error_code remove_ec;
        if (fs::remove(entries[i].second, remove_ec))
            ++removed;
    }
    return removed;
}

fs::path profileCacheEntry(const fs::path& folder, const SourceStamp& stamp) {
    return folder /
           fmt::format("{:016x}{}", fnv1a(0xcbf29ce484222325ULL, stamp.path), kProfileCacheSuffix);
}

Expected<Profile> loadThroughCache(const fs::path& source, const fs::path& folder,
                                   const ProfileLoader& load, std::vector<std::string>& notes) {
    auto stamp = stampOf(source);
    if (!stamp) {
        notes.push_back(fmt::format("profile cache: not used for {} ({})", source.string(),
                                    stamp.error().message));
        return load(source);
    }
    const fs::path entry = profileCacheEntry(folder, *stamp);
    const std::string version = toolVersion();
    if (auto bytes = readEntry(entry)) {
        auto cached = decodeProfileCache(*bytes, *stamp, version);
        if (cached) {
            // The time of use, for pruneProfileCache (an entry that cannot be touched is only
            // pruned sooner).
            std::error_code ec;
            fs::last_write_time(entry, fs::file_time_type::clock::now(), ec);
            notes.push_back(
                fmt::format("profile cache: {} read from {}", source.string(), entry.string()));
            return cached;
        }
        notes.push_back(fmt::format("profile cache: {} not used, rebuilt: {}", entry.string(),
                                    cached.error().message));
    } else if (bytes.error().message != std::strerror(ENOENT)) {
        notes.push_back(fmt::format("profile cache: cannot read {}: {}; rebuilt", entry.string(),
                                    bytes.error().message));
    }
    DP_TRY(const Profile full, load(source));
    // The run that writes the entry uses what the entry keeps, as the runs that read it will.
    Profile part = profileCachePart(full);
    if (auto written = writeEntry(entry, encodeProfileCache(part, *stamp, version)); written)
        notes.push_back(
            fmt::format("profile cache: {} written for {}", entry.string(), source.string()));
    else
        notes.push_back(fmt::format("profile cache: not written ({}); the symbol file is parsed "
                                    "on every run",
                                    written.error().message));
    return part;
}

} // namespace dumpprocs::kernel
