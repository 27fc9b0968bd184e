// Built-in profiles (generated from data/) against the article's offsets and against the
// Volatility 3 ISF files they came from.
#include <catch2/catch.hpp>

#include "dumpprocs/kernel/profile.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs::kernel;

namespace {

std::uint32_t offsetIn(const std::string& row, const std::string& member) {
    const Profile* p = findBuiltinProfile(row);
    REQUIRE(p);
    auto o = p->offsetOf(member);
    REQUIRE(o);
    return *o;
}

} // namespace

TEST_CASE("one built-in profile per row of kernel-offsets.json", "[profile]") {
    const std::vector<std::string> expected = {
        "7600",   "7601a", "7601b",  "7601c",  "9200",  "9600a", "9600b", "10240a",
        "10240b", "10586", "14393a", "14393b", "15063", "16299", "17134", "17763",
        "18362",  "19041", "20348",  "22000",  "22621", "22631", "26100"};
    std::vector<std::string> names;
    for (const auto& p : builtinProfiles())
        names.push_back(p.name);
    CHECK(names == expected);
}

TEST_CASE("the Windows 7 SP1 row has the article's offsets; 7601c moved MmProcessLinks",
          "[profile]") {
    CHECK(offsetIn("7601a", "_EPROCESS.UniqueProcessId") == 0x180);
    CHECK(offsetIn("7601a", "_EPROCESS.ActiveProcessLinks") == 0x188);
    CHECK(offsetIn("7601a", "_EPROCESS.ImageFileName") == 0x2e0);
    CHECK(offsetIn("7601a", "_EPROCESS.ActiveThreads") == 0x328);
    CHECK(offsetIn("7601a", "_EPROCESS.Peb") == 0x338);
    CHECK(offsetIn("7601a", "_EPROCESS.MmProcessLinks") == 0x420);
    CHECK(offsetIn("7601c", "_EPROCESS.MmProcessLinks") == 0x428);
}

TEST_CASE("Flags3.Minimal sits where the article's dt shows it", "[profile]") {
    CHECK(offsetIn("9600a", "_EPROCESS.Minimal") == 0x67c);
    CHECK(offsetIn("15063", "_EPROCESS.Minimal") == 0x6cc);
    const Profile* win7 = findBuiltinProfile("7601a");
    REQUIRE(win7);
    CHECK_FALSE(win7->hasMember("_EPROCESS.Minimal"));
}

TEST_CASE("26100's blank object-header fields are marked as fallbacks", "[profile]") {
    const Profile* p = findBuiltinProfile("26100");
    REQUIRE(p);
    const MemberInfo* type_index = p->member("_OBJECT_HEADER.TypeIndex");
    REQUIRE(type_index);
    CHECK(type_index->fallback.has_value());
    const MemberInfo* links = p->member("_EPROCESS.ActiveProcessLinks");
    REQUIRE(links);
    CHECK_FALSE(links->fallback.has_value());
}

TEST_CASE("an ISF file gives the same offsets as the built-in row made from it", "[profile][isf]") {
    const auto isf = testfiles::dataDir() / "windows-symbols" / "isf_jpcert" /
                     "BBED7C2955FBE4522AAA23F4B8677AD9-1.json.xz";
    INFO(isf.string());
    REQUIRE(std::filesystem::exists(isf));
    auto loaded = loadIsfProfile(isf);
    REQUIRE(loaded);
    const Profile* builtin = findBuiltinProfile("19041");
    REQUIRE(builtin);
    std::size_t compared = 0;
    for (const auto& [type_name, type] : builtin->types)
        for (const auto& m : type.members) {
            if (m.fallback)
                continue;
            const std::string qualified = type_name + "." + m.name;
            const MemberInfo* other = loaded->member(qualified);
            INFO(qualified);
            REQUIRE(other);
            CHECK(other->offset == m.offset);
            CHECK(other->bit_position == m.bit_position);
            CHECK(other->bit_length == m.bit_length);
            ++compared;
        }
    CHECK(compared > 60);
}

TEST_CASE("ISF files that are not JSON or lack types are rejected with the file named",
          "[profile][isf]") {
    auto not_json = testfiles::writeTemp("bad.json", {'n', 'o', 't', ' ', 'j', 's', 'o', 'n'});
    auto r = loadIsfProfile(not_json);
    std::filesystem::remove(not_json);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("bad.json") != std::string::npos);

    const std::string empty = R"({"metadata": {}, "base_types": {}})";
    auto no_types = testfiles::writeTemp("notypes.json", {empty.begin(), empty.end()});
    auto r2 = loadIsfProfile(no_types);
    std::filesystem::remove(no_types);
    REQUIRE_FALSE(r2);
    CHECK(r2.error().message.find("notypes.json") != std::string::npos);
}
