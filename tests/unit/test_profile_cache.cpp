// The compiled-profile cache: an entry gives back exactly the part of the profile it kept, and
// any damaged, truncated, foreign or stale entry is refused (a miss, then rebuilt), never used.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "dumpprocs/cli/run_modes.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/profile_cache.hpp"
#include "dumpprocs/kernel/profile_manifest.hpp"
#include "dumpprocs/kernel/profile_validator.hpp"
#include "dumpprocs/kernel/symbol_search.hpp"
#include "dumpprocs/support/version.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;
namespace fs = std::filesystem;

namespace {

const fs::path kIsf =
    testfiles::dataDir() / "windows-symbols/isf_jpcert/BBED7C2955FBE4522AAA23F4B8677AD9-1.json.xz";

const kernel::Profile& parsed() {
    static const kernel::Profile p = *kernel::loadIsfProfile(kIsf);
    return p;
}

void requireSameMember(const kernel::MemberInfo& a, const kernel::MemberInfo& b) {
    INFO(a.name);
    CHECK(a.name == b.name);
    CHECK(a.offset == b.offset);
    CHECK(a.size == b.size);
    CHECK(a.kind == b.kind);
    CHECK(a.type_name == b.type_name);
    CHECK(a.count == b.count);
    CHECK(a.bit_position == b.bit_position);
    CHECK(a.bit_length == b.bit_length);
    CHECK(a.fallback == b.fallback);
}

void requireSameProfile(const kernel::Profile& a, const kernel::Profile& b) {
    CHECK(a.name == b.name);
    CHECK(a.build == b.build);
    CHECK(a.windows == b.windows);
    CHECK(a.revisions == b.revisions);
    CHECK(a.source == b.source);
    CHECK(a.data_source == b.data_source);
    CHECK(a.pdb_ids == b.pdb_ids);
    CHECK(a.handle_era == b.handle_era);
    CHECK(a.symbols == b.symbols);
    REQUIRE(a.types.size() == b.types.size());
    for (const auto& [name, t] : a.types) {
        INFO(name);
        const kernel::TypeInfo* u = b.type(name);
        REQUIRE(u != nullptr);
        CHECK(t.name == u->name);
        CHECK(t.size == u->size);
        CHECK(t.size_fallback == u->size_fallback);
        REQUIRE(t.members.size() == u->members.size());
        for (std::size_t i = 0; i < t.members.size(); ++i)
            requireSameMember(t.members[i], u->members[i]);
    }
}

const kernel::SourceStamp kStamp{"/symbols/nt.json.xz", 12345, 1700000000123456789};
constexpr const char* kVersion = "9.9.9 (git test)";

std::string entryBytes() {
    return kernel::encodeProfileCache(kernel::profileCachePart(parsed()), kStamp, kVersion);
}

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeAll(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

// A folder of its own for one test, removed at the end.
struct TempFolder {
    fs::path path;
    explicit TempFolder(const std::string& name) : path(testfiles::uniqueTempPath(name)) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempFolder() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

bool anyNoteHas(const std::vector<std::string>& notes, const std::string& text) {
    for (const auto& n : notes)
        if (n.find(text) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("the cached part keeps every manifest member, sized type and used symbol as parsed",
          "[profile_cache]") {
    const kernel::Profile part = kernel::profileCachePart(parsed());
    for (const auto& e : kernel::profileManifest()) {
        INFO(e.qualified());
        const kernel::MemberInfo* full = parsed().member(e.qualified());
        const kernel::MemberInfo* kept = part.member(e.qualified());
        REQUIRE((full == nullptr) == (kept == nullptr));
        if (full)
            requireSameMember(*full, *kept);
        if (const auto* t = parsed().type(e.type))
            CHECK(part.type(e.type)->members.size() == t->members.size());
    }
    for (const char* type : kernel::sizedTypes())
        CHECK(part.sizeOf(type).value_or(0) == parsed().sizeOf(type).value_or(0));
    for (const char* symbol : kernel::usedSymbols()) {
        INFO(symbol);
        REQUIRE(parsed().symbols.count(symbol) == part.symbols.count(symbol));
        if (parsed().symbols.count(symbol))
            CHECK(part.symbols.at(symbol) == parsed().symbols.at(symbol));
    }
    CHECK(part.symbols.count("PspCidTable") == 1);
    CHECK(part.types.size() < parsed().types.size());
    CHECK(part.handle_era == parsed().handle_era);
    CHECK(kernel::checkProfileStructure(part));
}

TEST_CASE("a profile cache entry round-trips member by member", "[profile_cache]") {
    const kernel::Profile part = kernel::profileCachePart(parsed());
    auto decoded = kernel::decodeProfileCache(entryBytes(), kStamp, kVersion);
    REQUIRE(decoded);
    requireSameProfile(part, *decoded);

    // Fallback marks and every enum value survive too.
    kernel::Profile marked = part;
    marked.types["_EPROCESS"].size_fallback = "sizeof from rows 7601a..7601b";
    marked.types["_EPROCESS"].members.front().fallback = "all rows agree";
    marked.source = kernel::ProfileSource::Pdb;
    marked.handle_era = kernel::HandleEntryEra::Win8;
    marked.build = 19041;
    auto again = kernel::decodeProfileCache(kernel::encodeProfileCache(marked, kStamp, kVersion),
                                            kStamp, kVersion);
    REQUIRE(again);
    requireSameProfile(marked, *again);
}

TEST_CASE("a damaged, truncated, foreign or stale profile cache entry is refused",
          "[profile_cache]") {
    const std::string good = entryBytes();
    REQUIRE(kernel::decodeProfileCache(good, kStamp, kVersion));

    SECTION("every flipped byte") {
        // Each byte of the header, then every 97th byte of the rest, and the checksum.
        for (std::size_t i = 0; i < good.size(); i += i < 128 ? 1 : 97) {
            std::string bad = good;
            bad[i] = static_cast<char>(bad[i] ^ 0x20);
            INFO("offset " << i);
            CHECK_FALSE(kernel::decodeProfileCache(bad, kStamp, kVersion));
        }
        std::string bad = good;
        bad.back() = static_cast<char>(bad.back() ^ 1);
        CHECK_FALSE(kernel::decodeProfileCache(bad, kStamp, kVersion));
    }
    SECTION("truncated anywhere, or with bytes appended") {
        for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{16}, good.size() / 2,
                              good.size() - 5, good.size() - 1})
            CHECK_FALSE(kernel::decodeProfileCache(good.substr(0, n), kStamp, kVersion));
        CHECK_FALSE(kernel::decodeProfileCache(good + "x", kStamp, kVersion));
    }
    SECTION("another tool version or format version") {
        auto other = kernel::decodeProfileCache(good, kStamp, "9.9.8 (git other)");
        REQUIRE_FALSE(other);
        CHECK(other.error().message.find("9.9.8") != std::string::npos);
        std::string format = good;
        format[sizeof kernel::kProfileCacheMagic] = 2; // the format version's low byte
        auto f = kernel::decodeProfileCache(format, kStamp, kVersion);
        REQUIRE_FALSE(f);
        CHECK(f.error().message.find("format version 2") != std::string::npos);
    }
    SECTION("the source's size, mtime or path changed") {
        auto size = kStamp;
        size.size += 1;
        auto stale = kernel::decodeProfileCache(good, size, kVersion);
        REQUIRE_FALSE(stale);
        CHECK(stale.error().message.find("stale") != std::string::npos);
        auto mtime = kStamp;
        mtime.mtime_ns += 1;
        CHECK_FALSE(kernel::decodeProfileCache(good, mtime, kVersion));
        auto path = kStamp;
        path.path = "/symbols/other.json.xz";
        CHECK_FALSE(kernel::decodeProfileCache(good, path, kVersion));
    }
    SECTION("a well-formed entry with a valid checksum but an absurd count") {
        // Built by hand: the header of a good entry, then a profile claiming 2^31 types.
        kernel::Profile empty;
        std::string bytes = kernel::encodeProfileCache(empty, kStamp, kVersion);
        // The empty profile ends with: 4 strings (4 x u32 0), build, source, era, 0 ids, 0 types,
        // 0 symbols, CRC. Patch the type count (12 bytes before the end) and fix the CRC.
        const std::size_t types_at = bytes.size() - 12;
        bytes[types_at + 3] = 0x7F;
        const std::uint32_t sum =
            kernel::crc32(std::string_view(bytes).substr(0, bytes.size() - 4));
        for (int i = 0; i < 4; ++i)
            bytes[bytes.size() - 4 + i] = static_cast<char>(sum >> (8 * i));
        auto absurd = kernel::decodeProfileCache(bytes, kStamp, kVersion);
        REQUIRE_FALSE(absurd);
        CHECK(absurd.error().message.find("type count") != std::string::npos);
    }
}

TEST_CASE("CRC-32 is the IEEE one", "[profile_cache]") {
    CHECK(kernel::crc32("") == 0);
    CHECK(kernel::crc32("123456789") == 0xCBF43926u);
}

TEST_CASE("loading through the cache: written once, read after, rebuilt when damaged or stale",
          "[profile_cache]") {
    TempFolder dir("profile-cache");
    const fs::path source = dir.path / "nt.json.xz";
    fs::copy_file(kIsf, source);
    const fs::path cache = dir.path / "cache" / "dumpprocs";
    int parses = 0;
    const kernel::ProfileLoader load = [&](const fs::path& p) {
        ++parses;
        return kernel::loadIsfProfile(p);
    };
    const kernel::Profile part = [&] {
        kernel::Profile p = kernel::profileCachePart(parsed());
        p.name = "nt.json.xz";
        p.data_source = "ISF " + source.string();
        return p;
    }();

    std::vector<std::string> notes;
    auto first = kernel::loadThroughCache(source, cache, load, notes);
    REQUIRE(first);
    CHECK(parses == 1);
    CHECK(anyNoteHas(notes, "written"));
    requireSameProfile(part, *first);
    const fs::path entry = kernel::profileCacheEntry(cache, *kernel::stampOf(source));
    REQUIRE(fs::is_regular_file(entry));
    // No temporary file is left behind.
    CHECK(std::distance(fs::directory_iterator(cache), fs::directory_iterator()) == 1);

    notes.clear();
    auto second = kernel::loadThroughCache(source, cache, load, notes);
    REQUIRE(second);
    CHECK(parses == 1);
    CHECK(anyNoteHas(notes, "read from"));
    requireSameProfile(part, *second);

    SECTION("a flipped byte: rebuilt, then read again") {
        std::string bytes = readAll(entry);
        bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
        writeAll(entry, bytes);
        notes.clear();
        auto rebuilt = kernel::loadThroughCache(source, cache, load, notes);
        REQUIRE(rebuilt);
        CHECK(parses == 2);
        CHECK(anyNoteHas(notes, "checksum"));
        requireSameProfile(part, *rebuilt);
        REQUIRE(kernel::loadThroughCache(source, cache, load, notes));
        CHECK(parses == 2);
    }
    SECTION("a truncated entry: rebuilt") {
        const std::string bytes = readAll(entry);
        writeAll(entry, bytes.substr(0, bytes.size() / 3));
        REQUIRE(kernel::loadThroughCache(source, cache, load, notes));
        CHECK(parses == 2);
        CHECK(readAll(entry) == bytes);
    }
    SECTION("an empty entry: rebuilt") {
        writeAll(entry, "");
        REQUIRE(kernel::loadThroughCache(source, cache, load, notes));
        CHECK(parses == 2);
    }
    SECTION("the source's mtime changed: rebuilt") {
        fs::last_write_time(source, fs::last_write_time(source) + std::chrono::seconds(5));
        notes.clear();
        REQUIRE(kernel::loadThroughCache(source, cache, load, notes));
        CHECK(parses == 2);
        CHECK(anyNoteHas(notes, "stale"));
    }
    SECTION("a killed writer's old temporary file is removed at the next write, a young one kept") {
        const fs::path old_temp = cache / ("." + entry.filename().string() + ".4242.0.tmp");
        const fs::path young_temp = cache / ("." + entry.filename().string() + ".4343.0.tmp");
        const fs::path other = cache / ".not-ours.tmp";
        for (const auto& p : {old_temp, young_temp, other})
            writeAll(p, "half an entry");
        fs::last_write_time(old_temp, fs::file_time_type::clock::now() - std::chrono::hours(2));
        fs::last_write_time(other, fs::file_time_type::clock::now() - std::chrono::hours(2));
        writeAll(entry, ""); // damaged: the next load writes the entry again
        REQUIRE(kernel::loadThroughCache(source, cache, load, notes));
        CHECK(parses == 2);
        CHECK_FALSE(fs::exists(old_temp));
        CHECK(fs::exists(young_temp));
        CHECK(fs::exists(other));
    }
    SECTION("the source's size changed: rebuilt, the new file parsed") {
        const auto mtime = fs::last_write_time(source);
        std::ofstream(source, std::ios::binary | std::ios::app) << "garbage";
        fs::last_write_time(source, mtime); // the same mtime: the size alone tells
        notes.clear();
        (void)kernel::loadThroughCache(source, cache, load, notes);
        CHECK(parses == 2);
        CHECK(anyNoteHas(notes, "stale"));
    }
}

TEST_CASE("an unwritable cache folder costs only the cache", "[profile_cache]") {
    TempFolder dir("profile-cache-ro");
    const fs::path blocker = dir.path / "not-a-folder";
    writeAll(blocker, "a file where the cache folder would be");
    int parses = 0;
    const kernel::ProfileLoader load = [&](const fs::path& p) {
        ++parses;
        return kernel::loadIsfProfile(p);
    };
    std::vector<std::string> notes;
    for (int run = 1; run <= 2; ++run) {
        auto p = kernel::loadThroughCache(kIsf, blocker / "dumpprocs", load, notes);
        REQUIRE(p);
        CHECK(parses == run);
        CHECK(p->member("_EPROCESS.ActiveProcessLinks"));
    }
    CHECK(anyNoteHas(notes, "not written"));
}

TEST_CASE("the cache folder keeps the most recently used entries only", "[profile_cache]") {
    TempFolder dir("profile-cache-prune");
    const auto base = fs::file_time_type::clock::now() - std::chrono::hours(100);
    // Five entries used an hour apart (entry 0 longest ago) and a file that is no entry.
    for (int i = 0; i < 5; ++i) {
        const fs::path entry =
            dir.path / ("entry" + std::to_string(i) + kernel::kProfileCacheSuffix);
        writeAll(entry, "x");
        fs::last_write_time(entry, base + std::chrono::hours(i));
    }
    writeAll(dir.path / "notes.txt", "not an entry");
    fs::last_write_time(dir.path / "notes.txt", base - std::chrono::hours(1));
    CHECK(kernel::pruneProfileCache(dir.path, 5) == 0);
    CHECK(kernel::pruneProfileCache(dir.path, 2) == 3);
    for (int i = 0; i < 5; ++i)
        CHECK(fs::exists(dir.path / ("entry" + std::to_string(i) + kernel::kProfileCacheSuffix)) ==
              (i >= 3));
    CHECK(fs::exists(dir.path / "notes.txt"));
    CHECK(kernel::pruneProfileCache(dir.path / "missing", 0) == 0);

    SECTION("a hit makes its entry the most recently used") {
        const fs::path folder = dir.path / "cache";
        const kernel::ProfileLoader load = [](const fs::path& p) {
            return kernel::loadIsfProfile(p);
        };
        std::vector<std::string> notes;
        REQUIRE(kernel::loadThroughCache(kIsf, folder, load, notes));
        const fs::path entry = kernel::profileCacheEntry(folder, *kernel::stampOf(kIsf));
        fs::last_write_time(entry, base);
        REQUIRE(kernel::loadThroughCache(kIsf, folder, load, notes));
        CHECK(anyNoteHas(notes, "read from"));
        CHECK(fs::last_write_time(entry) > base + std::chrono::hours(99));
    }
}

TEST_CASE("a profile from the cache goes through the same structural check", "[profile_cache]") {
    TempFolder dir("profile-cache-check");
    const fs::path source = dir.path / "nt.json.xz";
    fs::copy_file(kIsf, source);
    const fs::path cache = dir.path / "cache";
    // An entry whose checksum is right but whose _EPROCESS member lies past sizeof(_EPROCESS):
    // decoded, then refused by the check that refuses the same profile parsed from a file.
    kernel::Profile bad = kernel::profileCachePart(parsed());
    bad.name = "nt.json.xz";
    for (auto& m : bad.types["_EPROCESS"].members)
        if (m.name == "ActiveProcessLinks")
            m.offset = 0x7FFF0;
    const auto stamp = *kernel::stampOf(source);
    fs::create_directories(cache);
    writeAll(kernel::profileCacheEntry(cache, stamp),
             kernel::encodeProfileCache(bad, stamp, toolVersion()));
    std::vector<std::string> notes;
    auto loaded = kernel::loadSymbolProfile(source, cache, &notes);
    REQUIRE(loaded);
    CHECK(anyNoteHas(notes, "read from"));
    auto checked = kernel::checkProfileStructure(*loaded);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().message.find("ActiveProcessLinks") != std::string::npos);
}

namespace {

// Sets (or, with nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = std::getenv(name))
            old_ = old;
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

} // namespace

TEST_CASE("the cli puts the profile cache in XDG_CACHE_HOME, else ~/.cache, and --no-cache in none",
          "[profile_cache]") {
    cli::Options o;
    {
        ScopedEnv xdg("XDG_CACHE_HOME", "/xdg/cache");
        ScopedEnv home("HOME", "/home/analyst");
        CHECK(cli::profileCacheFolder(o) == fs::path("/xdg/cache/dumpprocs"));
        CHECK(cli::openOptionsFor(o).profile_cache == fs::path("/xdg/cache/dumpprocs"));
        o.no_cache = true;
        CHECK(cli::profileCacheFolder(o).empty());
        o.no_cache = false;
        // The modes that show every member of a file read the file itself.
        o.show_profile = true;
        CHECK(cli::profileCacheFolder(o).empty());
        o.show_profile = false;
        o.dt_args = {"_EPROCESS", "0x1000"};
        CHECK(cli::profileCacheFolder(o).empty());
        o.dt_args.clear();
    }
    {
        // A relative XDG_CACHE_HOME is ignored, as the XDG rules say; then $HOME/.cache.
        ScopedEnv xdg("XDG_CACHE_HOME", "relative/cache");
        ScopedEnv home("HOME", "/home/analyst");
        CHECK(cli::profileCacheFolder(o) == fs::path("/home/analyst/.cache/dumpprocs"));
    }
    {
        ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
        ScopedEnv home("HOME", std::nullopt);
        CHECK(cli::profileCacheFolder(o).empty());
    }
}
