// The structural profile check (issue 13 item 6): every built-in row passes it, and each kind of
// hostile layout (member past its type, absurd size, wrong kind, bitfield past its container,
// symbol RVA past any kernel) is refused with the type and member named, before any view reads.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/profile_validator.hpp"
#include "dumpprocs/support/text.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;
using kernel::MemberKind;

namespace {

// A copy of the 7601c row as if it came from a symbol file.
kernel::Profile isfLike() {
    kernel::Profile p = *kernel::findBuiltinProfile("7601c");
    p.source = kernel::ProfileSource::Isf;
    p.name = "test.json";
    p.types.at("_KAPC_STATE").size =
        0x30; // a symbol file states every size; the row lacks this one
    return p;
}

kernel::MemberInfo& memberOf(kernel::Profile& p, const char* type, const char* member) {
    for (auto& m : p.types.at(type).members)
        if (m.name == member)
            return m;
    FAIL("no member " << type << "." << member);
    throw;
}

std::string problems(const kernel::Profile& p) {
    auto r = kernel::checkProfileStructure(p);
    return r ? std::string() : r.error().message;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("every built-in profile passes the structural check", "[kernel][profile]") {
    for (const auto& row : kernel::builtinProfiles()) {
        INFO("row " << row.name);
        const auto defects = kernel::profileDefects(row);
        for (const auto& d : defects)
            INFO(d.where << " " << d.problem);
        CHECK(defects.empty());
    }
    INFO(problems(isfLike()));
    CHECK(kernel::profileDefects(isfLike()).empty());
}

TEST_CASE("a member past its type is refused, naming type and member", "[kernel][profile]") {
    auto p = isfLike();
    memberOf(p, "_EPROCESS", "ImageFileName").offset = 0x7fffffff;
    const std::string why = problems(p);
    CHECK(contains(why, "_EPROCESS.ImageFileName offset 0x7fffffff + 15 bytes lies past "
                        "sizeof(_EPROCESS) 0x4f8"));
    auto layout = kernel::KernelLayout::resolve(p, 7601);
    REQUIRE_FALSE(layout);
    CHECK(layout.error().code == ErrorCode::InvalidData);
    CHECK(contains(layout.error().message, "_EPROCESS.ImageFileName"));
}

TEST_CASE("an _EPROCESS of 0x40 bytes is refused", "[kernel][profile]") {
    auto p = isfLike();
    p.types.at("_EPROCESS").size = 0x40;
    const std::string why = problems(p);
    CHECK(contains(why, "_EPROCESS.UniqueProcessId offset 0x180 + 8 bytes lies past "
                        "sizeof(_EPROCESS) 0x40"));
    CHECK(contains(why, "sizeof(_KPROCESS) 0x160 is larger than sizeof(_EPROCESS) 0x40"));
}

TEST_CASE("absurd and zero type sizes are refused", "[kernel][profile]") {
    auto p = isfLike();
    p.types.at("_EPROCESS").size = 0x7fffffff;
    CHECK(contains(problems(p), "sizeof(_EPROCESS) 0x7fffffff is absurd (at most 0x2000)"));
    p.types.at("_EPROCESS").size = 0;
    CHECK(contains(problems(p), "sizeof(_EPROCESS) is 0"));
    // A built-in row may leave a size it does not know at 0; members are then bounded by the
    // largest sane size.
    p.source = kernel::ProfileSource::Builtin;
    CHECK(problems(p).empty());
    memberOf(p, "_EPROCESS", "Peb").offset = 0x3000;
    CHECK(contains(problems(p), "_EPROCESS.Peb offset 0x3000 + 8 bytes lies past the largest "
                                "sane sizeof(_EPROCESS) 0x2000"));
}

TEST_CASE("members of the wrong kind are refused", "[kernel][profile]") {
    auto p = isfLike();
    auto& name = memberOf(p, "_EPROCESS", "ImageFileName");
    name.kind = MemberKind::Pointer;
    name.size = 8;
    name.type_name = "unsigned char";
    CHECK(contains(problems(p), "_EPROCESS.ImageFileName is a pointer (unsigned char) where the "
                                "tool reads a char array"));

    p = isfLike();
    auto& links = memberOf(p, "_EPROCESS", "ActiveProcessLinks");
    links.kind = MemberKind::Array;
    CHECK(contains(problems(p), "_EPROCESS.ActiveProcessLinks is an array"));

    p = isfLike();
    auto& process = memberOf(p, "_KTHREAD", "Process");
    process.kind = MemberKind::Struct;
    process.type_name = "_LIST_ENTRY";
    process.size = 16;
    CHECK(contains(problems(p), "_KTHREAD.Process is a struct (_LIST_ENTRY) where the tool reads "
                                "a pointer or 64-bit integer"));

    p = isfLike();
    memberOf(p, "_ETHREAD", "Cid").type_name = "_LIST_ENTRY";
    CHECK(contains(problems(p), "_ETHREAD.Cid is a struct (_LIST_ENTRY) where the tool reads an "
                                "embedded _CLIENT_ID"));

    p = isfLike();
    memberOf(p, "_EPROCESS", "ActiveThreads").size = 2;
    CHECK(contains(problems(p), "_EPROCESS.ActiveThreads is 2 bytes where the tool reads 4"));
}

TEST_CASE("bitfields must lie inside their container and the word read", "[kernel][profile]") {
    auto p = isfLike();
    auto& inserted = memberOf(p, "_EPROCESS", "ProcessInserted");
    inserted.bit_position = 40;
    CHECK(contains(problems(p), "_EPROCESS.ProcessInserted bits 40..40 do not fit in its 4-byte "
                                "container"));
    inserted.bit_position = 1;
    inserted.bit_length = 0;
    CHECK(contains(problems(p), "_EPROCESS.ProcessInserted bits"));
    inserted.bit_length = 1;
    inserted.kind = MemberKind::Unsigned;
    CHECK(contains(problems(p), "_EPROCESS.ProcessInserted is an unsigned integer"));
    inserted.kind = MemberKind::Bitfield;
    inserted.size = 3;
    CHECK(contains(problems(p), "container of 3 bytes"));
}

TEST_CASE("_KAPC_STATE.Process must lie inside _KTHREAD.ApcState", "[kernel][profile]") {
    auto p = isfLike();
    memberOf(p, "_KAPC_STATE", "Process").offset = 0x40;
    CHECK(contains(problems(p), "_KAPC_STATE.Process offset 0x40 + 8 bytes lies past "
                                "_KTHREAD.ApcState (0x30 bytes)"));
}

TEST_CASE("a symbol RVA past any kernel image is refused", "[kernel][profile]") {
    auto p = isfLike();
    p.symbols["PspCidTable"] = 0x10000000000ULL;
    CHECK(contains(problems(p), "symbol PspCidTable RVA 0x10000000000 lies past"));
    p.symbols["PspCidTable"] = 0x2f2000;
    CHECK(problems(p).empty());
}

namespace {

std::string loadError(const std::string& name, const std::string& text) {
    const auto path = testfiles::uniqueTempPath(name);
    std::ofstream(path, std::ios::binary) << text;
    auto p = kernel::loadIsfProfile(path);
    std::filesystem::remove(path);
    return p ? std::string() : p.error().message;
}

std::string oneField(const std::string& field) {
    return R"({"base_types": {"unsigned char": {"kind": "char", "size": 1, "signed": false}},
               "user_types": {"_EPROCESS": {"kind": "struct", "size": 1272, "fields": {)" +
           field + "}}}}";
}

} // namespace

TEST_CASE("ISF values that do not fit are errors naming the member, never wrapped",
          "[kernel][isf]") {
    CHECK(contains(loadError("dp_isf_neg.json",
                             oneField(R"("Peb": {"offset": -8, "type": {"kind": "pointer"}})")),
                   "_EPROCESS.Peb: offset -8 is negative"));
    CHECK(contains(
        loadError("dp_isf_huge.json",
                  oneField(R"("Peb": {"offset": 4294967680, "type": {"kind": "pointer"}})")),
        "_EPROCESS.Peb: offset 0x100000180 is too large"));
    CHECK(contains(loadError("dp_isf_float.json",
                             oneField(R"("Peb": {"offset": 1.5, "type": {"kind": "pointer"}})")),
                   "_EPROCESS.Peb: offset 1.5 is not an integer"));
    CHECK(contains(loadError("dp_isf_bit.json", oneField(R"("Flags": {"offset": 0, "type": )"
                                                         R"({"kind": "bitfield", )"
                                                         R"("bit_position": 300}})")),
                   "_EPROCESS.Flags: bit_position 0x12c is too large"));
    CHECK(contains(loadError("dp_isf_array.json",
                             oneField(R"("Big": {"offset": 0, "type": {"kind": "array", )"
                                      R"("count": 4294967295, "subtype": {"kind": "pointer"}}})")),
                   "_EPROCESS.Big: array of 4294967295 x 8 bytes is larger than 4 GiB"));
    // Missing pieces (no "type", no "enums" section, an array without subtype) are errors, not
    // reads of absent keys.
    CHECK(contains(loadError("dp_isf_notype.json", oneField(R"("Peb": {"offset": 8})")),
                   "_EPROCESS.Peb: type null is not an object"));
    CHECK(contains(loadError("dp_isf_nosub.json", oneField(R"("A": {"offset": 8, "type": )"
                                                           R"({"kind": "array", "count": 2}})")),
                   "_EPROCESS.A: type null is not an object"));
    CHECK(loadError("dp_isf_noenums.json",
                    oneField(R"("Mode": {"offset": 8, "type": {"kind": "enum", "name": "_M"}})"))
              .empty());
}

TEST_CASE("bytes from the dump are escaped into printable UTF-8", "[support][text]") {
    CHECK(escapeBytes(std::string_view(".rdata_\xb0", 8)) == ".rdata_\\xb0");
    CHECK(escapeBytes(std::string_view(".text\0\0\0", 8)) == ".text");
    CHECK(escapeBytes("a\\b\x01") == "a\\x5cb\\x01");
    CHECK(escapeBytes("ntkrnlmp.pdb") == "ntkrnlmp.pdb");
}

TEST_CASE("text that is mostly UTF-8 keeps its valid sequences", "[support][text]") {
    CHECK(toValidUtf8("dumps/a\xb0.dmp") == "dumps/a\\xb0.dmp");
    CHECK(toValidUtf8("C:\\dumps\\caf\xc3\xa9.dmp") == "C:\\dumps\\caf\xc3\xa9.dmp");
    // Overlong forms, surrogates and a sequence cut short are not UTF-8.
    CHECK(toValidUtf8("\xc0\xaf") == "\\xc0\\xaf");
    CHECK(toValidUtf8("\xed\xa0\x80") == "\\xed\\xa0\\x80");
    CHECK(toValidUtf8("ab\xe2\x82") == "ab\\xe2\\x82");
    CHECK(toValidUtf8("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
}
