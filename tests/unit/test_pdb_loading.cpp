// The PDB reader on real PDB files: the stand-in kernel (tests/pdb/standin_kernel_19041.c),
// compiled by clang-14 and linked by lld-link-14 at build time, declares the 19041 row's layout;
// its PDB must give the built-in row's offsets, bitfields and sizes, its GUID and age, and the
// RVAs the linker gave its globals. Malformed files fail with a message, never abort.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "dumpprocs/kernel/isf_export.hpp"
#include "dumpprocs/kernel/kernel_image.hpp"
#include "dumpprocs/kernel/pdb_loader.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/profile_validator.hpp"
#include "dumpprocs/kernel/symbol_search.hpp"

using namespace dumpprocs;
namespace fs = std::filesystem;

namespace {

std::string readAll(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

fs::path tempPath(const std::string& stem) {
    return fs::temp_directory_path() /
           ("dumpprocs-unit-" + std::to_string(::getpid()) + "-" + stem);
}

fs::path writeTemp(const std::string& stem, const std::string& bytes) {
    const auto path = tempPath(stem);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

std::string magic() {
    return std::string(kernel::kMsf7Magic);
}

} // namespace

TEST_CASE("PDB reader: a file that is not an MSF 7.00 PDB is refused with a message",
          "[kernel][pdb]") {
    SECTION("text") {
        const auto path = writeTemp("not.pdb", "this is no program database\n");
        CHECK_FALSE(kernel::isPdbFile(path));
        auto p = kernel::loadPdbProfile(path);
        REQUIRE_FALSE(p);
        CHECK_THAT(p.error().message, Catch::Contains("no MSF 7.00 signature"));
        fs::remove(path);
    }
    SECTION("the magic alone") {
        const auto path = writeTemp("magic.pdb", magic());
        CHECK(kernel::isPdbFile(path));
        auto p = kernel::loadPdbProfile(path);
        REQUIRE_FALSE(p);
        CHECK_THAT(p.error().message, Catch::Contains("malformed MSF"));
        fs::remove(path);
    }
    SECTION("garbage after the magic, in every block size") {
        for (std::uint32_t block : {512u, 1024u, 4096u, 0u, 0xFFFFFFFFu}) {
            std::string bytes = magic();
            bytes.resize(64 * 1024);
            for (std::size_t i = magic().size(); i < bytes.size(); ++i)
                bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
            std::memcpy(bytes.data() + 32, &block, 4);
            const auto path = writeTemp("garbage.pdb", bytes);
            auto p = kernel::loadPdbProfile(path);
            CHECK_FALSE(p);
            auto id = kernel::readPdbId(path);
            CHECK_FALSE(id);
            fs::remove(path);
        }
    }
    SECTION("a folder") {
        auto p = kernel::loadPdbProfile(fs::temp_directory_path());
        REQUIRE_FALSE(p);
        CHECK_THAT(p.error().message, Catch::Contains("is a directory"));
    }
}

#ifdef DUMPPROCS_STANDIN_PDB

namespace {

// The RSDS record lld-link wrote into the stand-in image: GUID and age, as the kernel image
// reader formats them.
kernel::PdbId rsdsOf(const fs::path& exe) {
    const std::string bytes = readAll(exe);
    const auto at = bytes.find("RSDS");
    REQUIRE(at != std::string::npos);
    REQUIRE(at + 24 <= bytes.size());
    std::uint8_t guid[16];
    std::memcpy(guid, bytes.data() + at + 4, 16);
    std::uint32_t age = 0;
    std::memcpy(&age, bytes.data() + at + 20, 4);
    return kernel::PdbId{kernel::formatPdbGuid(guid), age};
}

// Every member the tool reads (layout.cpp, the profile selector, the scan) and the members
// whose kind or bits decide how it reads them.
constexpr const char* kReadMembers[] = {
    "_KPROCESS.Header",
    "_KPROCESS.DirectoryTableBase",
    "_EPROCESS.UniqueProcessId",
    "_EPROCESS.ActiveProcessLinks",
    "_EPROCESS.MmProcessLinks",
    "_EPROCESS.InheritedFromUniqueProcessId",
    "_EPROCESS.ImageFileName",
    "_EPROCESS.CreateTime",
    "_EPROCESS.ExitTime",
    "_EPROCESS.ActiveThreads",
    "_EPROCESS.ThreadListHead",
    "_EPROCESS.Peb",
    "_EPROCESS.ObjectTable",
    "_EPROCESS.ProcessInserted",
    "_EPROCESS.ProcessExiting",
    "_EPROCESS.ProcessDelete",
    "_EPROCESS.Minimal",
    "_KTHREAD.Header",
    "_KTHREAD.Process",
    "_KTHREAD.ApcState",
    "_KTHREAD.State",
    "_KTHREAD.Priority",
    "_KTHREAD.WaitTime",
    "_KAPC_STATE.Process",
    "_ETHREAD.Cid",
    "_ETHREAD.ThreadListEntry",
    "_OBJECT_HEADER.PointerCount",
    "_OBJECT_HEADER.HandleCount",
    "_OBJECT_HEADER.TypeIndex",
    "_OBJECT_HEADER.InfoMask",
    "_OBJECT_HEADER.Body",
    "_HANDLE_TABLE.TableCode",
    "_HANDLE_TABLE_ENTRY.ObjectPointerBits",
    "_KPRCB.CurrentThread",
    "_KPRCB.IdleThread",
    "_KPRCB.Number",
    "_KLDR_DATA_TABLE_ENTRY.InLoadOrderLinks",
    "_KLDR_DATA_TABLE_ENTRY.DllBase",
    "_KLDR_DATA_TABLE_ENTRY.SizeOfImage",
    "_KLDR_DATA_TABLE_ENTRY.FullDllName",
    "_KLDR_DATA_TABLE_ENTRY.BaseDllName",
    "_POOL_HEADER.PoolTag",
    "_POOL_HEADER.BlockSize",
};

} // namespace

TEST_CASE("PDB reader: the stand-in kernel's PDB gives the built-in 19041 row's layout",
          "[kernel][pdb]") {
    const fs::path pdb = DUMPPROCS_STANDIN_PDB;
    REQUIRE(kernel::isPdbFile(pdb));
    auto loaded = kernel::loadPdbProfile(pdb);
    INFO((loaded ? std::string() : loaded.error().message));
    REQUIRE(loaded);
    const kernel::Profile& p = *loaded;
    const kernel::Profile* row = kernel::findBuiltinProfile("19041");
    REQUIRE(row);

    SECTION("every member the tool reads: same offset, kind, size and bits") {
        for (const char* name : kReadMembers) {
            INFO(name);
            const auto* want = row->member(name);
            const auto* got = p.member(name);
            REQUIRE(want);
            REQUIRE(got);
            CHECK(got->offset == want->offset);
            CHECK(got->kind == want->kind);
            CHECK(got->bit_position == want->bit_position);
            CHECK(got->bit_length == want->bit_length);
            if (want->kind != kernel::MemberKind::Unsigned &&
                want->kind != kernel::MemberKind::Signed)
                CHECK(got->size == want->size);
        }
    }
    SECTION("every member of the built-in row is in the PDB at the same offset and bit") {
        std::size_t compared = 0;
        for (const auto& [tname, type] : row->types)
            for (const auto& m : type.members) {
                INFO(tname + "." + m.name);
                const auto* got = p.member(tname + "." + m.name);
                REQUIRE(got);
                CHECK(got->offset == m.offset);
                if (m.kind == kernel::MemberKind::Bitfield) {
                    CHECK(got->kind == kernel::MemberKind::Bitfield);
                    CHECK(got->bit_position == m.bit_position);
                    CHECK(got->bit_length == m.bit_length);
                }
                ++compared;
            }
        CHECK(compared > 100);
    }
    SECTION("the sizes the row gives") {
        for (const auto& [tname, type] : row->types) {
            if (type.size == 0)
                continue;
            INFO(tname);
            auto size = p.sizeOf(tname);
            REQUIRE(size);
            CHECK(*size == type.size);
        }
    }
    SECTION("pointers name their targets, forward references included; arrays and bitfields") {
        const auto* table = p.member("_EPROCESS.ObjectTable");
        REQUIRE(table);
        CHECK(table->kind == kernel::MemberKind::Pointer);
        CHECK(table->type_name == "_HANDLE_TABLE");
        const auto* session = p.member("_EPROCESS.Session"); // a type the PDB never defines
        REQUIRE(session);
        CHECK(session->type_name == "_MM_SESSION_SPACE");
        const auto* pcb = p.member("_EPROCESS.Pcb");
        REQUIRE(pcb);
        CHECK(pcb->kind == kernel::MemberKind::Struct);
        CHECK(pcb->size == 0x438); // through the forward reference to the definition
        const auto* name = p.member("_EPROCESS.ImageFileName");
        REQUIRE(name);
        CHECK(name->kind == kernel::MemberKind::CharArray);
        CHECK(name->count == 15);
        const auto* apc = p.member("_KAPC_STATE.ApcListHead");
        REQUIRE(apc);
        CHECK(apc->kind == kernel::MemberKind::Array);
        CHECK(apc->count == 2);
        CHECK(apc->size == 32);
        CHECK(apc->type_name == "_LIST_ENTRY");
        const auto* bits = p.member("_HANDLE_TABLE_ENTRY.ObjectPointerBits");
        REQUIRE(bits);
        CHECK(bits->size == 8);
        CHECK(bits->bit_position == 20);
        CHECK(bits->bit_length == 44);
        const auto* table_code = p.member("_HANDLE_TABLE.TableCode"); // volatile
        REQUIRE(table_code);
        CHECK(table_code->kind == kernel::MemberKind::Unsigned);
        CHECK(table_code->size == 8);
        // A named member of an unnamed type stays one member (_LARGE_INTEGER.u).
        CHECK(p.member("_LARGE_INTEGER.u"));
        CHECK(p.member("_LARGE_INTEGER.QuadPart"));
    }
    SECTION("what the tool derives from it") {
        CHECK(p.handle_era == kernel::HandleEntryEra::Win81Plus);
        CHECK(p.source == kernel::ProfileSource::Pdb);
        CHECK_THAT(p.data_source, Catch::StartsWith("PDB "));
        auto checked = kernel::checkProfileStructure(p);
        INFO((checked ? std::string() : checked.error().message));
        CHECK(checked);
    }
    SECTION("GUID and age: the image's RSDS record names this PDB") {
        const auto rsds = rsdsOf(DUMPPROCS_STANDIN_EXE);
        REQUIRE(p.pdb_ids.size() == 1);
        CHECK(p.pdb_ids[0] == rsds);
        CHECK(p.pdb_ids[0].guid.size() == 32);
        CHECK(p.pdb_ids[0].guid.find_first_not_of("0123456789ABCDEF") == std::string::npos);
        auto id = kernel::readPdbId(pdb);
        REQUIRE(id);
        CHECK(*id == rsds);
    }
    SECTION("the globals' RVAs, from the publics and the section headers") {
        for (const char* name :
             {"PsActiveProcessHead", "PspCidTable", "KiProcessListHead", "PsLoadedModuleList",
              "KdDebuggerDataBlock", "PsInitialSystemProcess"}) {
            INFO(name);
            REQUIRE(p.symbols.count(name) == 1);
            CHECK(p.symbols.at(name) >= 0x1000); // past the headers, inside a section
            CHECK(p.symbols.at(name) < 0x100000);
        }
        // Distinct variables, distinct places; PspCidTable is a pointer, 8 bytes apart from the
        // next global at most a few pages away.
        CHECK(p.symbols.at("PsActiveProcessHead") != p.symbols.at("PspCidTable"));
    }
}

namespace {

// Every type of `want` (the C stand-in's profile) in `got` with the same size and members.
std::size_t compareProfiles(const kernel::Profile& want_p, const kernel::Profile& got_p) {
    CHECK(got_p.types.size() == want_p.types.size());
    std::size_t compared = 0;
    for (const auto& [tname, type] : want_p.types) {
        INFO(tname);
        const auto* other = got_p.type(tname);
        REQUIRE(other);
        CHECK(other->size == type.size);
        REQUIRE(other->members.size() == type.members.size());
        for (std::size_t i = 0; i < type.members.size(); ++i) {
            const auto& want = type.members[i];
            const auto& got = other->members[i];
            INFO(want.name);
            CHECK(got.name == want.name);
            CHECK(got.offset == want.offset);
            CHECK(got.size == want.size);
            CHECK(got.kind == want.kind);
            CHECK(got.count == want.count);
            CHECK(got.bit_position == want.bit_position);
            CHECK(got.bit_length == want.bit_length);
            if (want.type_name.find("<unnamed-") == std::string::npos)
                CHECK(got.type_name == want.type_name);
            ++compared;
        }
    }
    return compared;
}

} // namespace

TEST_CASE("PDB reader: records in Microsoft's shape (unique names, members on forward "
          "references) give the same profile",
          "[kernel][pdb]") {
    // The stand-in compiled as C++: every struct has a unique name (".?AU_EPROCESS@@"), unnamed
    // types are "<unnamed-tag>" with unique names of their own, and members name forward
    // references that only the unique name leads to the definition from.
    auto c = kernel::loadPdbProfile(DUMPPROCS_STANDIN_PDB);
    auto cxx = kernel::loadPdbProfile(DUMPPROCS_STANDIN_CXX_PDB);
    REQUIRE(c);
    INFO((cxx ? std::string() : cxx.error().message));
    REQUIRE(cxx);
    const std::size_t compared = compareProfiles(*c, *cxx);
    CHECK(compared > 250);
    for (const char* name : {"PsActiveProcessHead", "PspCidTable"})
        CHECK(cxx->symbols.count(name) == 1);
    CHECK(kernel::checkProfileStructure(*cxx));
}

TEST_CASE("PDB reader: the symbol search finds the PDB in a symbol store and loose",
          "[kernel][pdb]") {
    const fs::path pdb = DUMPPROCS_STANDIN_PDB;
    const auto id = rsdsOf(DUMPPROCS_STANDIN_EXE);
    const fs::path root = tempPath("symstore");
    fs::remove_all(root);

    SECTION("symbol-server layout: ntkrnlmp.pdb/<GUID><AGE>/ntkrnlmp.pdb") {
        char age[16];
        std::snprintf(age, sizeof age, "%X", id.age); // a symbol store writes the age in hex
        const fs::path dir = root / "ntkrnlmp.pdb" / (id.guid + age);
        fs::create_directories(dir);
        fs::copy_file(pdb, dir / "ntkrnlmp.pdb");
        // A PDB of another kernel beside it is not taken.
        fs::create_directories(root / "ntkrnlmp.pdb" / "00000000000000000000000000000000" / "1");
        auto found = kernel::findSymbolFile(root, id);
        REQUIRE(found);
        CHECK(found->path == dir / "ntkrnlmp.pdb");
        CHECK_THAT(found->how, Catch::Contains("name matches"));
        auto p = kernel::loadSymbolProfile(found->path);
        REQUIRE(p);
        CHECK(p->pdb_ids.front() == id);
    }
    SECTION("a loose, renamed PDB: its info stream decides") {
        fs::create_directories(root / "flat");
        fs::copy_file(pdb, root / "flat" / "kernel-copy.PDB");
        auto found = kernel::findSymbolFile(root, id);
        REQUIRE(found);
        CHECK(found->path == root / "flat" / "kernel-copy.PDB");
        CHECK_THAT(found->how, Catch::Contains("info stream"));
    }
    SECTION("the PDB of another kernel is not picked") {
        fs::create_directories(root);
        fs::copy_file(pdb, root / "ntkrnlmp.pdb");
        auto found =
            kernel::findSymbolFile(root, kernel::PdbId{"BBED7C2955FBE4522AAA23F4B8677AD9", 1});
        REQUIRE_FALSE(found);
        CHECK_THAT(found.error().message, Catch::Contains("nor that PDB"));
        CHECK_THAT(found.error().message,
                   Catch::Contains("ntkrnlmp.pdb/BBED7C2955FBE4522AAA23F4B8677AD91/ntkrnlmp.pdb"));
    }
    SECTION("a PDB renamed .json is still read as a PDB") {
        fs::create_directories(root);
        fs::copy_file(pdb, root / "renamed.json");
        auto p = kernel::loadSymbolProfile(root / "renamed.json");
        REQUIRE(p);
        CHECK(p->pdb_ids.front() == id);
    }
    fs::remove_all(root);
}

TEST_CASE("ISF export (--export-isf): the PDB's profile written as ISF reads back the same",
          "[kernel][pdb]") {
    auto pdb = kernel::loadPdbProfile(DUMPPROCS_STANDIN_PDB);
    REQUIRE(pdb);
    const auto path = writeTemp("exported.json", kernel::exportIsf(*pdb));
    auto isf = kernel::loadIsfProfile(path);
    fs::remove(path);
    INFO((isf ? std::string() : isf.error().message));
    REQUIRE(isf);
    CHECK(isf->pdb_ids == pdb->pdb_ids);
    CHECK(isf->symbols == pdb->symbols);
    CHECK(isf->handle_era == pdb->handle_era);
    REQUIRE(isf->types.size() == pdb->types.size());
    std::size_t compared = 0;
    for (const auto& [tname, type] : pdb->types) {
        INFO(tname);
        const auto* back = isf->type(tname);
        REQUIRE(back);
        CHECK(back->size == type.size);
        REQUIRE(back->members.size() == type.members.size());
        // Members at the same offset and bit may come back in another order: found by name.
        for (const auto& want : type.members) {
            INFO(want.name);
            const auto* found = back->member(want.name);
            REQUIRE(found);
            const auto& got = *found;
            CHECK(got.offset == want.offset);
            CHECK(got.size == want.size);
            CHECK(got.bit_position == want.bit_position);
            CHECK(got.bit_length == want.bit_length);
            // A member of an unnamed type (_LARGE_INTEGER.u) is written as its bytes.
            if (want.kind != kernel::MemberKind::Struct || pdb->type(want.type_name))
                CHECK(got.kind == want.kind);
            ++compared;
        }
    }
    CHECK(compared > 250);
    CHECK(kernel::checkProfileStructure(*isf));
}

TEST_CASE("PDB reader: enums keep their constants as the underlying type reads them, and the ISF "
          "export writes them",
          "[kernel][pdb]") {
    // tests/pdb/standin_kernel_19041.c: enum _STANDIN_SIGNED { -1, 0, 0x7fffffff } (an int).
    using Constants = std::vector<std::pair<std::string, std::int64_t>>;
    const Constants want = {
        {"StandinNegative", -1}, {"StandinZero", 0}, {"StandinLargest", 0x7fffffff}};
    std::vector<fs::path> pdbs = {DUMPPROCS_STANDIN_PDB};
#ifdef DUMPPROCS_MSFT_PDB
    pdbs.push_back(DUMPPROCS_MSFT_PDB); // -1 as a signed leaf, as Microsoft's compiler writes it
#endif
    for (const auto& file : pdbs) {
        INFO(file.string());
        auto pdb = kernel::loadPdbProfile(file);
        REQUIRE(pdb);
        auto it = pdb->enums.find("_STANDIN_SIGNED");
        REQUIRE(it != pdb->enums.end());
        CHECK(it->second.size == 4);
        CHECK(it->second.is_signed);
        CHECK(it->second.constants == want);
        const auto isf = nlohmann::json::parse(kernel::exportIsf(*pdb));
        const auto& e = isf.at("enums").at("_STANDIN_SIGNED");
        CHECK(e.at("size") == 4);
        CHECK(e.at("base") == "long");
        CHECK(isf.at("base_types").at("long").at("signed") == true);
        CHECK(e.at("constants").at("StandinNegative") == -1);
        CHECK(e.at("constants").at("StandinLargest") == 0x7fffffff);
    }
}

TEST_CASE("PDB reader: an enum whose field list cannot be read keeps its size, and the PDB loads",
          "[kernel][pdb]") {
    // LF_ENUM: u16 length, u16 kind 0x1507, u16 count, u16 properties, u32 underlying type,
    // u32 field list, then the name. The field list is pointed past the TPI stream.
    std::string bytes = readAll(DUMPPROCS_STANDIN_PDB);
    const std::string name = "_STANDIN_SIGNED";
    std::size_t patched = 0;
    for (auto at = bytes.find(name); at != std::string::npos; at = bytes.find(name, at + 1)) {
        std::uint16_t kind = 0;
        if (at < 14)
            continue;
        std::memcpy(&kind, bytes.data() + at - 14, sizeof kind);
        if (kind != 0x1507)
            continue;
        const std::uint32_t nowhere = 0x00FFFFF0;
        std::memcpy(bytes.data() + at - 4, &nowhere, sizeof nowhere);
        ++patched;
    }
    REQUIRE(patched == 1);
    const auto path = writeTemp("enum-list.pdb", bytes);
    auto p = kernel::loadPdbProfile(path);
    fs::remove(path);
    INFO((p ? std::string() : p.error().message));
    REQUIRE(p);
    auto it = p->enums.find(name);
    REQUIRE(it != p->enums.end());
    CHECK(it->second.size == 4);
    CHECK(it->second.constants.empty());
    CHECK(p->member("_EPROCESS.ActiveProcessLinks"));
}

TEST_CASE("PDB reader: a cut or damaged copy of a real PDB fails with a message", "[kernel][pdb]") {
    const std::string bytes = readAll(DUMPPROCS_STANDIN_PDB);
    REQUIRE(bytes.size() > 16384);
    for (std::size_t cut :
         {std::size_t{40}, std::size_t{4096}, bytes.size() / 2, bytes.size() - 1}) {
        INFO(cut);
        const auto path = writeTemp("cut.pdb", bytes.substr(0, cut));
        auto p = kernel::loadPdbProfile(path);
        CHECK_FALSE(p);
        if (!p)
            CHECK_THAT(p.error().message, Catch::Contains("cut.pdb"));
        fs::remove(path);
    }
    // Every 4 KiB block but the superblock overwritten in turn: a result or an error, never a
    // crash (the sanitizer build checks the reads).
    for (std::size_t block = 1; block * 4096 < bytes.size(); ++block) {
        std::string damaged = bytes;
        for (std::size_t i = block * 4096; i < std::min(damaged.size(), (block + 1) * 4096); ++i)
            damaged[i] = static_cast<char>(0xA5 ^ i);
        const auto path = writeTemp("damaged.pdb", damaged);
        auto p = kernel::loadPdbProfile(path);
        if (!p)
            CHECK_FALSE(p.error().message.empty());
        fs::remove(path);
    }
    // A few hundred copies with 1 to 8 bytes changed anywhere past the superblock (type records,
    // field lists, stream directory, symbol records): a profile or an error, never a crash.
    std::uint32_t state = 0x2545F491;
    auto next = [&state] {
        state = state * 1103515245u + 12345u;
        return state >> 8;
    };
    std::size_t failed = 0;
    for (int round = 0; round < 400; ++round) {
        std::string damaged = bytes;
        const int changes = 1 + static_cast<int>(next() % 8);
        for (int c = 0; c < changes; ++c)
            damaged[64 + next() % (damaged.size() - 64)] = static_cast<char>(next());
        const auto path = writeTemp("mutated.pdb", damaged);
        auto p = kernel::loadPdbProfile(path);
        if (!p) {
            ++failed;
            CHECK_THAT(p.error().message, Catch::Contains("mutated.pdb"));
        }
        fs::remove(path);
    }
    INFO(failed << " of 400 mutated copies refused");
    CHECK(failed < 400);
}

#endif

TEST_CASE("PDB reader: absurd superblock sizes are refused before LLVM sizes anything by them",
          "[kernel][pdb]") {
    const std::string bytes = readAll(DUMPPROCS_STANDIN_PDB);
    REQUIRE(bytes.size() > 64);
    auto patched = [&](std::size_t at, std::uint32_t value) {
        std::string copy = bytes;
        std::memcpy(copy.data() + at, &value, sizeof value);
        return copy;
    };
    struct Case {
        std::size_t at;
        std::uint32_t value;
        const char* says;
    };
    for (const Case& c : {Case{40, 0xFFFFFFFFu, "blocks of 4096 bytes (offset 0x28) do not fit"},
                          Case{32, 3u, "block size 3 at offset 0x20"},
                          Case{44, 0x7FFFFFFFu, "stream directory of 2147483647 bytes"}}) {
        INFO(c.says);
        const auto path = writeTemp("absurd.pdb", patched(c.at, c.value));
        auto p = kernel::loadPdbProfile(path);
        REQUIRE_FALSE(p);
        CHECK_THAT(p.error().message, Catch::Contains(c.says));
        fs::remove(path);
    }
    // The unchanged file still loads (the checks accept what lld-link writes).
    CHECK(kernel::loadPdbProfile(DUMPPROCS_STANDIN_PDB));
}

namespace {

std::uint32_t le32At(const std::string& bytes, std::size_t at) {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes.data() + at, sizeof v);
    return v;
}

// The file offset of byte `offset` of MSF stream `stream` (the superblock's block size and
// block-map address, the directory's stream sizes and block lists), for patching test copies.
std::size_t msfStreamByte(const std::string& pdb, std::uint32_t stream, std::uint32_t offset) {
    const std::uint32_t block = le32At(pdb, 32);
    const std::size_t directory = std::size_t{le32At(pdb, le32At(pdb, 52) * block)} * block;
    const std::uint32_t streams = le32At(pdb, directory);
    std::size_t list = directory + 4 + 4 * std::size_t{streams};
    for (std::uint32_t s = 0; s < stream; ++s) {
        const std::uint32_t size = le32At(pdb, directory + 4 + 4 * s);
        if (size != 0xFFFFFFFFu)
            list += 4 * ((std::size_t{size} + block - 1) / block);
    }
    return std::size_t{le32At(pdb, list + 4 * (offset / block))} * block + offset % block;
}

} // namespace

TEST_CASE("PDB reader: counts LLVM would allocate by are checked against the stream first",
          "[kernel][pdb]") {
    const std::string bytes = readAll(DUMPPROCS_STANDIN_PDB);
    REQUIRE(bytes.size() > 4096);
    auto patched = [&](std::uint32_t stream, std::uint32_t offset, std::uint32_t value) {
        std::string copy = bytes;
        std::memcpy(copy.data() + msfStreamByte(copy, stream, offset), &value, sizeof value);
        return copy;
    };
    // The info stream: a 28-byte header, the named-stream map's string buffer (its size, then
    // the bytes), then the hash table's size and capacity and its present-bit words.
    const std::uint32_t names = le32At(bytes, msfStreamByte(bytes, 1, 28));
    const std::uint32_t table = 28 + 4 + names;
    REQUIRE(le32At(bytes, msfStreamByte(bytes, 1, table + 4)) < 64); // lld-link's capacity
    struct Case {
        std::string pdb;
        const char* says;
    };
    for (const Case& c : {Case{patched(1, table + 4, 0xFFFFFFFFu), "claims 4294967295 buckets"},
                          Case{patched(1, table + 4, 1u), "marks a bucket past its capacity of 1"},
                          Case{patched(2, 12, 0xFFFFFFF0u), "type indices in"},
                          Case{patched(2, 8, 0xFFFFFFF0u), "type indices end (0x"}}) {
        INFO(c.says);
        const auto path = writeTemp("counts.pdb", c.pdb);
        auto p = kernel::loadPdbProfile(path);
        REQUIRE_FALSE(p);
        CHECK_THAT(p.error().message, Catch::Contains(c.says));
        fs::remove(path);
    }
}

#ifdef DUMPPROCS_MSFT_PDB
TEST_CASE("PDB reader: the stand-in rewritten into Microsoft's record shape gives the same profile",
          "[kernel][pdb]") {
    // tests/pdb/msft_shape.py: unnamed types named <unnamed-tag> / <anonymous-tag> (unscoped, so
    // several types share the name), no nested-type records, members at forward references,
    // negative enumerators as signed leaves.
    auto c = kernel::loadPdbProfile(DUMPPROCS_STANDIN_PDB);
    auto msft = kernel::loadPdbProfile(DUMPPROCS_MSFT_PDB);
    REQUIRE(c);
    INFO((msft ? std::string() : msft.error().message));
    REQUIRE(msft);
    CHECK(compareProfiles(*c, *msft) > 250);
    CHECK(msft->type("<unnamed-tag>") == nullptr);
    CHECK(msft->type("<anonymous-tag>") == nullptr);
    CHECK(msft->pdb_ids == c->pdb_ids);
    CHECK(kernel::checkProfileStructure(*msft));
}
#endif

TEST_CASE("PDB reader: a name that is no UTF-8 is kept as \\xNN, and the ISF export writes it",
          "[kernel][pdb]") {
    // Found by fuzz_pdb: a stray byte in a member name made the JSON writer throw.
    std::string bytes = readAll(DUMPPROCS_STANDIN_PDB);
    const std::string name = "RefTraceEnabled";
    std::size_t replaced = 0;
    for (auto at = bytes.find(name); at != std::string::npos; at = bytes.find(name, at + 1)) {
        bytes[at] = '\x99';
        ++replaced;
    }
    REQUIRE(replaced > 0);
    const auto path = writeTemp("latin1.pdb", bytes);
    auto p = kernel::loadPdbProfile(path);
    fs::remove(path);
    REQUIRE(p);
    CHECK(p->member("_EPROCESS.\\x99efTraceEnabled"));
    const std::string isf = kernel::exportIsf(*p);
    CHECK_THAT(isf, Catch::Contains("\\\\x99efTraceEnabled"));
}
