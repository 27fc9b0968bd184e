// The ISF loader's streaming parse (symbols straight into a map, enum constants skipped) must
// give the profile a plain DOM parse would.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "dumpprocs/kernel/profile.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;

namespace {

constexpr const char* kIsf = R"({
  "base_types": {"unsigned long": {"kind": "int", "signed": false, "size": 4, "endian": "little"},
                 "short": {"kind": "int", "signed": true, "size": 2, "endian": "little"}},
  "enums": {"_MODE": {"base": "short", "size": 2,
                      "constants": {"KernelMode": 0, "UserMode": 1, "nested": {"not": [1, {"a": 2}]}}},
            "_EMPTY": {"constants": 7, "size": 1}},
  "metadata": {"windows": {"pdb": {"GUID": "0123456789ABCDEF0123456789ABCDEF", "age": 3}}},
  "symbols": {"PspCidTable": {"address": 5000, "type": {"kind": "pointer", "subtype": {"kind": "struct", "name": "_X"}}},
              "KiNoAddress": {"constant_data": "AAAA"},
              "PsActiveProcessHead": {"type": {"kind": "base", "name": "short"}, "address": 18446744073709551000},
              "PspCidTable": {"address": 6000}},
  "user_types": {"_X": {"kind": "struct", "size": 16, "fields": {
      "Mode": {"offset": 4, "type": {"kind": "enum", "name": "_MODE"}},
      "Count": {"offset": 0, "type": {"kind": "base", "name": "unsigned long"}},
      "symbols": {"offset": 8, "type": {"kind": "base", "name": "short"}}}}}
})";

std::filesystem::path writeTemp(const std::string& name, const std::string& text) {
    const auto path = testfiles::uniqueTempPath(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

} // namespace

TEST_CASE("ISF loading keeps symbols, enum sizes and types while skipping enum constants",
          "[kernel][isf]") {
    const auto path = writeTemp("dumpprocs_test_isf_sax.json", kIsf);
    auto p = kernel::loadIsfProfile(path);
    std::filesystem::remove(path);
    REQUIRE(p);
    // Duplicate keys: the last one wins, as in a DOM parse; a symbol without address is absent.
    CHECK(p->symbols.size() == 2);
    CHECK(p->symbols.at("PspCidTable") == 6000);
    CHECK(p->symbols.at("PsActiveProcessHead") == 18446744073709551000ULL);
    CHECK(p->symbols.count("KiNoAddress") == 0);
    const auto* mode = p->member("_X.Mode");
    REQUIRE(mode);
    CHECK(mode->kind == kernel::MemberKind::Enum);
    CHECK(mode->size == 2);
    CHECK(mode->offset == 4);
    // A field named like a top-level section is an ordinary field.
    const auto* symbols_field = p->member("_X.symbols");
    REQUIRE(symbols_field);
    CHECK(symbols_field->kind == kernel::MemberKind::Signed);
    REQUIRE(p->pdb_ids.size() == 1);
    CHECK(p->pdb_ids[0].guid == "0123456789ABCDEF0123456789ABCDEF");
    CHECK(p->pdb_ids[0].age == 3);
}

TEST_CASE("ISF loading: a scalar symbols section does not swallow the rest", "[kernel][isf]") {
    const auto path = writeTemp("dumpprocs_test_isf_scalar.json",
                                R"({"symbols": 5, "base_types": {}, "user_types": {"_Y": )"
                                R"({"size": 8, "fields": {}}}})");
    auto p = kernel::loadIsfProfile(path);
    std::filesystem::remove(path);
    REQUIRE(p);
    CHECK(p->symbols.empty());
    CHECK(p->type("_Y") != nullptr);
}

TEST_CASE("ISF loading reports broken JSON inside a skipped section", "[kernel][isf]") {
    const auto path = writeTemp("dumpprocs_test_isf_broken.json",
                                R"({"symbols": {"A": {"address": 1,}}, "user_types": {}})");
    auto p = kernel::loadIsfProfile(path);
    std::filesystem::remove(path);
    REQUIRE_FALSE(p);
    CHECK(p.error().message.find("not JSON") != std::string::npos);
}
