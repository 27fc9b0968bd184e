// The analysis façade (Session::open and the runs on it) on the three containers, and the report
// layer's column model: one rule per format, the formats' known disagreements kept per cell.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "dumpprocs/analysis/info.hpp"
#include "dumpprocs/analysis/read.hpp"
#include "dumpprocs/analysis/run_views.hpp"
#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/report/info_report.hpp"
#include "dumpprocs/report/table.hpp"
#include "test_support_files.hpp"

using namespace dumpprocs;
using analysis::Container;
using analysis::Message;
using analysis::Session;

namespace {

const std::vector<std::string> kHiddenIn19041 = {"rootkit.exe (pid 996, 0xffffe0001103e060)",
                                                 "hidden.exe (pid 1064, 0xffffe0001104e060)"};

// A copy of a sample in the temp dir, removed when the test ends.
class TempFile {
  public:
    explicit TempFile(const std::string& stem)
        : path_(std::filesystem::temp_directory_path() /
                ("dumpprocs-analysis-" + std::to_string(::getpid()) + "-" + stem)) {}
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// The sample's memory as a raw physical image: each page at file offset = physical address.
void writeRawImage(const std::filesystem::path& dump_path, const std::filesystem::path& out) {
    auto dump = dumpfile::CrashDump::open(dump_path);
    REQUIRE(dump);
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    (*dump)->forEachPresentRange([&](std::uint64_t pfn, std::uint64_t, ByteView bytes) {
        REQUIRE(::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(pfn * kPageSize)) ==
                static_cast<ssize_t>(bytes.size()));
    });
    REQUIRE(::ftruncate(fd, static_cast<off_t>((*dump)->pageSpan() * kPageSize)) == 0);
    ::close(fd);
}

bool saysSomething(const std::vector<Message>& messages, Message::Level level,
                   const std::string& part) {
    return std::any_of(messages.begin(), messages.end(), [&](const Message& m) {
        return m.level == level && m.text.find(part) != std::string::npos;
    });
}

// The HIDDEN rows of every view; dkom_19041 hides rootkit.exe (pid 996) and hidden.exe (1064).
std::vector<std::string> hiddenOf(Session& s) {
    auto k = s.kernel();
    REQUIRE(k);
    auto cv = analysis::runViews(**k, analysis::expandViews({"all"}, false).names);
    REQUIRE(cv);
    std::vector<std::string> labels;
    for (const auto& h : analysis::hiddenProcesses(*cv))
        labels.push_back(h.label());
    return labels;
}

} // namespace

TEST_CASE("Session: a kernel dump opens its kernel on the first kernel() call", "[analysis]") {
    auto s = Session::open(testfiles::sample("dkom_19041.dmp"), {});
    REQUIRE(s);
    CHECK((*s)->container() == Container::CrashDump);
    CHECK((*s)->crashDump());
    CHECK_FALSE((*s)->rawImage());
    CHECK((*s)->physicalMemory());
    auto k = (*s)->kernel();
    REQUIRE(k);
    CHECK((*k)->facts().dtb_source == "header");
    // Asked again: the same kernel, nothing new to say.
    (void)(*s)->takeMessages();
    auto again = (*s)->kernel();
    REQUIRE(again);
    CHECK(*again == *k);
    CHECK((*s)->takeMessages().empty());
    CHECK(hiddenOf(**s) == kHiddenIn19041);
}

TEST_CASE("Session: a header the memory contradicts is reconciled, with a warning", "[analysis]") {
    const auto source = testfiles::sample("dkom_19041.dmp");
    TempFile damaged("zero-dtb.dmp");
    {
        std::ifstream in(source, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        std::fill_n(bytes.begin() + 0x10, 8, 0); // DUMP_HEADER64.DirectoryTableBase
        std::ofstream(damaged.path(), std::ios::binary)
            .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    auto s = Session::open(damaged.path(), {});
    REQUIRE(s);
    auto k = (*s)->kernel();
    REQUIRE(k);
    CHECK((*k)->facts().dtb_source != "header");
    CHECK(saysSomething((*s)->takeMessages(), Message::Level::Warn,
                        "the header disagrees with the memory"));
    CHECK(hiddenOf(**s) == kHiddenIn19041);

    // --trust-header keeps the header's zero, and the kernel cannot be read through it.
    analysis::OpenOptions trust;
    trust.trust_header = true;
    auto t = Session::open(damaged.path(), trust);
    REQUIRE(t);
    CHECK_FALSE((*t)->kernel());
}

TEST_CASE("Session: a raw image is detected and its kernel found by scanning", "[analysis]") {
    TempFile raw("image.raw");
    writeRawImage(testfiles::sample("dkom_19041.dmp"), raw.path());
    REQUIRE(analysis::looksLikeRawImage(raw.path()));
    auto s = Session::open(raw.path(), {});
    REQUIRE(s);
    CHECK((*s)->container() == Container::Raw);
    REQUIRE((*s)->rawImage());
    REQUIRE((*s)->discovery());
    CHECK(saysSomething((*s)->takeMessages(), Message::Level::Info, "not a crash dump"));
    CHECK(hiddenOf(**s) == kHiddenIn19041);

    // --info on it: the raw image's model, rendered without the file.
    const auto info = analysis::info(**s);
    REQUIRE(info.raw);
    CHECK_FALSE(info.dump);
    CHECK(info.kernel);
    const auto text = report::renderInfo(info, report::OutputFormat::Text);
    CHECK(text.find("Raw image") != std::string::npos);
    CHECK(text.find("[scan: PML4 self-reference") != std::string::npos);

    // A physical read needs no kernel; one past the image stops with the reason.
    auto read = analysis::readMemory(**s, {0x1000, 0x20, true});
    REQUIRE(read);
    CHECK(read->bytes.size() == 0x20);
    CHECK_FALSE(read->error);
}

TEST_CASE("Session: a triage dump gives its saved driver list without the kernel", "[analysis]") {
    auto s = Session::open(testfiles::sample("real/triage_x64.dmp"), {});
    REQUIRE(s);
    CHECK((*s)->container() == Container::Triage);
    CHECK_FALSE((*s)->physicalMemory());
    CHECK((*s)->hasSavedDriverList());
    auto modules = (*s)->modules();
    REQUIRE(modules);
    CHECK_FALSE(modules->modules.empty());
    // --physical is refused with the reason; --info still has the header.
    auto read = analysis::readMemory(**s, {0x1000, 0x10, true});
    REQUIRE_FALSE(read);
    CHECK(read.error().message.find("no physical memory") != std::string::npos);
    const auto info = analysis::info(**s);
    REQUIRE(info.dump);
    CHECK(info.dump->saved_memory);
    CHECK(info.modules);
}

TEST_CASE("Session: what is not a dump is refused with the file named", "[analysis]") {
    auto s = Session::open(testfiles::sample("README.md"), {});
    REQUIRE_FALSE(s);
    CHECK(s.error().message.find("README.md") != std::string::npos);
}

TEST_CASE("expandViews: all in the table's order, each once, without the scan under --no-scan",
          "[analysis]") {
    const auto all = analysis::expandViews({"mm", "all", "mm"}, true);
    CHECK(all.all);
    CHECK(all.names.front() == "mm");
    CHECK(std::count(all.names.begin(), all.names.end(), "mm") == 1);
    CHECK(std::find(all.names.begin(), all.names.end(), "scan") == all.names.end());
    const auto one = analysis::expandViews({"active"}, false);
    CHECK_FALSE(one.all);
    CHECK(one.names == std::vector<std::string>{"active"});
}

TEST_CASE("Column model: one spelling per type and format, a cell's own rule where they differ",
          "[report][table]") {
    using report::Align;
    using report::Cell;
    report::Table t;
    t.columns = {{"No.", "index", "index", 4, Align::Right},
                 {"Name", "name", "name", 8, Align::Left, "  "},
                 {"PID", "pid", "pid", 0, Align::Left, " "},
                 {"", "", "deleted"}};
    t.add({Cell::number(7), Cell::text("a,b"), Cell::number(4), Cell::flag(true)});
    // A list head: "<no name>" in text only; an unsaved PID: ? in text, null in JSON, raw in CSV.
    t.add({Cell::missing().inText(""), Cell::text("").inText("<no name>"),
           Cell::number(0x1234).inText("?").inJson(nullptr), Cell::flag(false)});
    CHECK(report::renderText(t) == " No.  Name     PID\n"
                                   "   7  a,b      4\n"
                                   "      <no name> ?\n");
    CHECK(report::renderCsv(t) == "index,name,pid\n"
                                  "7,\"a,b\",4\n"
                                  ",,4660\n");
    CHECK(report::renderJson(t).dump() ==
          R"([{"index":7,"name":"a,b","pid":4,"deleted":true},)"
          R"({"index":null,"name":"","pid":null,"deleted":false}])");
    t.json_order = {3, 0};
    CHECK(report::renderJsonRow(t, t.rows[0]).dump() == R"({"deleted":true,"index":7})");
}

TEST_CASE("runViews: dtb before a scan view takes its roots from the scan's one pass",
          "[analysis]") {
    auto s = Session::open(testfiles::sample("dkom_19041.dmp"), {});
    REQUIRE(s);
    auto k = (*s)->kernel();
    REQUIRE(k);
    auto run = [&](std::vector<std::string> names) {
        auto cv = analysis::runViews(**k, names);
        REQUIRE(cv);
        return std::move(*cv);
    };
    auto addresses = [](const views::ViewResult& v) {
        std::vector<std::uint64_t> out;
        for (const auto& e : v.entries)
            out.push_back(e.eprocess);
        return out;
    };
    auto fromScanPass = [](const views::ViewResult& v) {
        return std::count(v.details.begin(), v.details.end(),
                          "page-table roots from the scan's pass over physical memory") == 1;
    };
    const auto alone = run({"dtb"});
    const auto scan_alone = run({"scan"});
    const auto first = run({"dtb", "scan"});
    const auto after = run({"scan", "dtb"});
    CHECK_FALSE(fromScanPass(alone.views[0]));
    CHECK(fromScanPass(first.views[0]));
    CHECK(fromScanPass(after.views[1]));
    // The same roots and rows as the dtb view's own pass; the scan's rows unchanged.
    CHECK(addresses(first.views[0]) == addresses(alone.views[0]));
    CHECK(first.views[0].unowned_roots == alone.views[0].unowned_roots);
    CHECK_FALSE(addresses(first.views[1]).empty());
    CHECK(addresses(first.views[1]) == addresses(scan_alone.views[0]));
}
