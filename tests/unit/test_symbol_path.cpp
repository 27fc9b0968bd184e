// --symbol-path / _NT_SYMBOL_PATH: WinDbg's syntax parsed into local folders (searched) and URLs
// (named, never used), and the exact places a folder is searched (symbol store, two-tier store,
// loose file).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "dumpprocs/kernel/symbol_search.hpp"

using namespace dumpprocs;
namespace fs = std::filesystem;

TEST_CASE("Symbol path: WinDbg's elements give local folders and URLs", "[kernel][symbols]") {
    SECTION("srv* with a cache folder and a URL") {
        auto p = kernel::parseSymbolPath(
            "srv*C:\\symbols*https://msdl.microsoft.com/download/symbols", "_NT_SYMBOL_PATH");
        CHECK(p.origin == "_NT_SYMBOL_PATH");
        REQUIRE(p.folders.size() == 1);
        CHECK(p.folders[0] == fs::path("C:\\symbols"));
        REQUIRE(p.urls.size() == 1);
        CHECK(p.urls[0] == "https://msdl.microsoft.com/download/symbols");
    }
    SECTION("cache*, symsrv*symsrv.dll*, plain folders, ';'-separated, case and blanks") {
        auto p = kernel::parseSymbolPath(" cache*/var/cache/sym ; SYMSRV*symsrv.dll*/mnt/store*"
                                         "HTTP://example.org/sym;/opt/pdbs;;srv**https://x;"
                                         "/opt/pdbs",
                                         "--symbol-path");
        REQUIRE(p.folders.size() == 3); // the repeated /opt/pdbs once; "srv**" has no folder
        CHECK(p.folders[0] == fs::path("/var/cache/sym"));
        CHECK(p.folders[1] == fs::path("/mnt/store"));
        CHECK(p.folders[2] == fs::path("/opt/pdbs"));
        REQUIRE(p.urls.size() == 2);
        CHECK(p.urls[0] == "HTTP://example.org/sym");
        CHECK(p.urls[1] == "https://x");
    }
    SECTION("a URL alone, and an empty path") {
        auto p = kernel::parseSymbolPath("https://msdl.microsoft.com/download/symbols", "x");
        CHECK(p.folders.empty());
        CHECK(p.urls.size() == 1);
        CHECK(kernel::parseSymbolPath("", "x").empty());
        CHECK(kernel::parseSymbolPath(" ; ;", "x").empty());
    }
}

TEST_CASE("Symbol path: a folder is searched in exact places only", "[kernel][symbols]") {
    const fs::path root =
        fs::temp_directory_path() / ("dumpprocs-unit-" + std::to_string(::getpid()) + "-sympath");
    fs::remove_all(root);
    const kernel::PdbId id{"BBED7C2955FBE4522AAA23F4B8677AD9", 0x1A};
    auto touch = [](const fs::path& p) {
        fs::create_directories(p.parent_path());
        std::ofstream(p) << "x";
    };
    auto path = kernel::parseSymbolPath(
        "srv*" + (root / "a").string() + "*https://x;" + (root / "b").string(), "--symbol-path");

    SECTION("nothing there") {
        fs::create_directories(root / "a");
        CHECK_FALSE(kernel::findInSymbolPath(path, id, "ntkrnlmp.pdb"));
    }
    SECTION("the store layout, age in hex, in the second folder") {
        const fs::path place = root / "b" / "ntkrnlmp.pdb" / (id.guid + "1A") / "ntkrnlmp.pdb";
        touch(place);
        // another age is no match
        touch(root / "a" / "ntkrnlmp.pdb" / (id.guid + "26") / "ntkrnlmp.pdb");
        auto found = kernel::findInSymbolPath(path, id, "ntkrnlmp.pdb");
        REQUIRE(found);
        CHECK(found->path == place);
        CHECK_THAT(found->how, Catch::Contains("--symbol-path"));
    }
    SECTION("the compressed file, and a name in the RSDS record with a path") {
        const fs::path place = root / "a" / "ntkrnlmp.pdb" / (id.guid + "1A") / "ntkrnlmp.pd_";
        touch(place);
        auto found = kernel::findInSymbolPath(path, id, "d:\\build\\ntkrnlmp.pdb");
        REQUIRE(found);
        CHECK(found->path == place);
    }
    SECTION("the two-tier layout only with index2.txt") {
        const fs::path place =
            root / "a" / "nt" / "ntkrnlmp.pdb" / (id.guid + "1A") / "ntkrnlmp.pdb";
        touch(place);
        CHECK_FALSE(kernel::findInSymbolPath(path, id, "ntkrnlmp.pdb"));
        touch(root / "a" / "index2.txt");
        auto found = kernel::findInSymbolPath(path, id, "ntkrnlmp.pdb");
        REQUIRE(found);
        CHECK(found->path == place);
    }
    SECTION("an upper-case name in the record finds the lower-case store") {
        const fs::path place = root / "a" / "ntkrnlmp.pdb" / (id.guid + "1A") / "ntkrnlmp.pdb";
        touch(place);
        auto found = kernel::findInSymbolPath(path, id, "NTKRNLMP.PDB");
        REQUIRE(found);
        CHECK(found->path == place);
    }
    SECTION("a loose file that is no PDB of this kernel is not taken") {
        touch(root / "b" / "ntkrnlmp.pdb");
        CHECK_FALSE(kernel::findInSymbolPath(path, id, "ntkrnlmp.pdb"));
    }
    fs::remove_all(root);
}

TEST_CASE("Compressed PDB (.pd_): a file that is no good cabinet fails with a message",
          "[kernel][symbols]") {
    const fs::path path =
        fs::temp_directory_path() / ("dumpprocs-unit-" + std::to_string(::getpid()) + ".pd_");
    SECTION("no MSCF signature") {
        std::ofstream(path, std::ios::binary) << "Microsoft C/C++ MSF 7.00\r\n";
        auto r = kernel::loadSymbolProfile(path);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("not a cabinet (no MSCF signature"));
    }
    SECTION("the signature, then garbage") {
        std::ofstream(path, std::ios::binary) << std::string("MSCF") + std::string(60, '\x7f');
        auto r = kernel::loadSymbolProfile(path);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains(path.string() + ": "));
    }
    SECTION("a cabinet cut after its header") {
        // CFHEADER of a one-folder, one-file cabinet whose data the file does not hold.
        std::string cab("MSCF\0\0\0\0", 8);
        auto le32 = [&](std::uint32_t v) {
            for (int i = 0; i < 4; ++i)
                cab += static_cast<char>((v >> (8 * i)) & 0xFF);
        };
        auto le16 = [&](std::uint16_t v) {
            cab += static_cast<char>(v & 0xFF);
            cab += static_cast<char>(v >> 8);
        };
        le32(0x10000);  // cbCabinet
        le32(0);        // reserved2
        le32(44);       // coffFiles
        le32(0);        // reserved3
        cab += '\x03';  // versionMinor
        cab += '\x01';  // versionMajor
        le16(1);        // cFolders
        le16(1);        // cFiles
        le16(0);        // flags
        le16(0);        // setID
        le16(0);        // iCabinet
        le32(0x1000);   // CFFOLDER.coffCabStart: past the end of the file
        le16(1);        // cCFData
        le16(1);        // typeCompress: MSZIP
        le32(0x100000); // CFFILE.cbFile
        le32(0);        // uoffFolderStart
        le16(0);        // iFolder
        le16(0);
        le16(0);
        le16(0x20);
        cab += std::string("ntkrnlmp.pdb\0", 13);
        std::ofstream(path, std::ios::binary) << cab;
        auto r = kernel::loadSymbolProfile(path);
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains(path.string() + ": "));
    }
    fs::remove(path);
}
