// Process names in the analysed system's ANSI code page (issue 17 item 2): the decoder,
// --codepage's argument, and the names the catalog shows on dkom_26100, whose テスト.exe has a
// Shift-JIS ImageFileName and a UTF-16 image path and whose 日本語.exe has no image path.
#include <catch2/catch.hpp>

#include "dumpprocs/analysis/run_views.hpp"
#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/kernel/code_page.hpp"
#include "dumpprocs/views/views.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;

namespace {

const char* const kTestExeSjis = "\x83\x65\x83\x58\x83\x67.exe"; // テスト.exe in code page 932
const char* const kNihongoSjis = "\x93\xfa\x96\x7b\x8c\xea.exe"; // 日本語.exe in code page 932

} // namespace

TEST_CASE("code page 932 decodes Shift-JIS; other code pages give other text", "[codepage]") {
    CHECK(kernel::decodeCodePage(kTestExeSjis, 932) == "\u30c6\u30b9\u30c8.exe");
    CHECK(kernel::decodeCodePage(kNihongoSjis, 932) == "\u65e5\u672c\u8a9e.exe");
    // The same bytes read as Windows-1252 are other characters, not an error.
    CHECK(kernel::decodeCodePage("\xe9t\xe9.exe", 1252) == "\u00e9t\u00e9.exe");
    CHECK(kernel::decodeCodePage("caf\xc3\xa9", 65001) == "caf\u00e9");
}

TEST_CASE("bytes a code page does not define, or control characters, are no decoding",
          "[codepage]") {
    CHECK_FALSE(kernel::decodeCodePage("\x83", 932));         // a lead byte without its trail byte
    CHECK_FALSE(kernel::decodeCodePage("\xff\xff.exe", 932)); // not Shift-JIS
    CHECK_FALSE(kernel::decodeCodePage("\xc3(", 65001));      // invalid UTF-8
    CHECK_FALSE(kernel::decodeCodePage("a\x1b[2Jb", 1252));   // ESC: would reach the terminal
    CHECK_FALSE(kernel::decodeCodePage("a\x81z", 1252));      // 1252 leaves 0x81 undefined
    CHECK_FALSE(kernel::decodeCodePage("abc", 999));          // no such code page
}

TEST_CASE("the code page argument takes the known code pages, with or without cp, nothing else",
          "[codepage]") {
    for (unsigned page : kernel::knownCodePages())
        CHECK(kernel::checkCodePage(page));
    for (auto [text, page] :
         {std::pair<const char*, unsigned>{"932", 932}, {"CP1252", 1252}, {"cp65001", 65001}}) {
        auto parsed = analysis::parseCodePage(text);
        REQUIRE(parsed);
        CHECK(*parsed == page);
    }
    for (const char* bad :
         {"", "cp", "999", "0", "-932", "932x", "shift-jis", "1259", "99999999"}) {
        INFO(bad);
        auto parsed = analysis::parseCodePage(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().code == ErrorCode::Usage);
        CHECK(parsed.error().message.find("is not a code page the tool knows") !=
              std::string::npos);
    }
}

TEST_CASE("a Shift-JIS ImageFileName is shown by its image path's file name, else by --codepage",
          "[codepage][views]") {
    auto session = analysis::Session::open(testfiles::sample("dkom_26100.dmp"), {});
    REQUIRE(session);
    auto k = (*session)->kernel();
    REQUIRE(k);
    auto namesOf = [&](unsigned code_page) {
        views::ProcessCatalog catalog(**k, code_page);
        auto active = views::runView("active", catalog);
        REQUIRE(active);
        std::map<std::string, std::string> raw_to_name; // name_raw -> name
        for (const auto& e : active->entries) {
            const auto& r = catalog.get(e.eprocess);
            raw_to_name[r.nameRawHex()] = r.name();
        }
        return raw_to_name;
    };
    const std::string test_raw = "8365835883672e657865", nihongo_raw = "93fa967b8cea2e657865";
    auto plain = namesOf(0);
    CHECK(plain.at(test_raw) == "\u30c6\u30b9\u30c8.exe");            // from the path
    CHECK(plain.at(nihongo_raw) == "\\x93\\xfa\\x96{\\x8c\\xea.exe"); // no path: escaped
    CHECK(plain.at("736d73732e657865") == "smss.exe");
    auto japanese = namesOf(932);
    CHECK(japanese.at(test_raw) == "\u30c6\u30b9\u30c8.exe");
    CHECK(japanese.at(nihongo_raw) == "\u65e5\u672c\u8a9e.exe");
    // The path wins over a wrong code page; the bytes without one are decoded as asked.
    auto korean = namesOf(949);
    CHECK(korean.at(test_raw) == "\u30c6\u30b9\u30c8.exe");
    CHECK(korean.at(nihongo_raw) != "\u65e5\u672c\u8a9e.exe");
}
