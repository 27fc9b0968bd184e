// The scan's progress display: the notice before a big scan, the bar's units and its time left.
#include <catch2/catch.hpp>

#include "dumpprocs/cli/progress_bar.hpp"

using namespace dumpprocs::cli;

TEST_CASE("a scan of 4 GiB or more is announced, naming --no-scan, where a person reads stderr",
          "[progress]") {
    CHECK(wantScanNotice(4ULL << 30, false, true));
    CHECK(wantScanNotice(48ULL << 30, false, true));
    CHECK_FALSE(wantScanNotice((4ULL << 30) - 4096, false, true)); // a small dump: no notice
    CHECK_FALSE(wantScanNotice(48ULL << 30, true, true));          // -q
    CHECK_FALSE(wantScanNotice(48ULL << 30, false, false));        // a script's or batch's stderr
    const std::string notice = scanNotice(48ULL << 30);
    CHECK(notice.find("48.0 GiB") != std::string::npos);
    CHECK(notice.find("--no-scan") != std::string::npos);
    CHECK(notice.find('\n') == std::string::npos); // one line
}

TEST_CASE("the time left is told from the rate so far, never before a second or a byte",
          "[progress]") {
    CHECK_FALSE(secondsLeft(0, 100, 5.0));    // nothing done yet
    CHECK_FALSE(secondsLeft(50, 100, 0.5));   // too early to tell
    CHECK_FALSE(secondsLeft(100, 100, 10.0)); // done
    CHECK(secondsLeft(25, 100, 10.0) == 30u); // a quarter in 10 s: 30 s more
    CHECK(secondsLeft(1ULL << 30, 48ULL << 30, 2.0) == 94u);
    CHECK(etaText(0) == "0 s");
    CHECK(etaText(42) == "42 s");
    CHECK(etaText(201) == "3:21");
    CHECK(etaText(3907) == "1:05:07");
}

TEST_CASE("the bar counts in MiB below 1 GiB, in GiB from there, with the time left",
          "[progress]") {
    CHECK(ProgressBar::render("scan", 1 << 20, 4 << 20, 8) == "scan [##......]  25% 1.0/4.0 MiB");
    CHECK(ProgressBar::render("scan", 0, 0, 4) == "scan [####] 100% 0.0/0.0 MiB");
    CHECK(ProgressBar::render("scan", 12ULL << 30, 48ULL << 30, 8, 6.0) ==
          "scan [##......]  25% 12.0/48.0 GiB ETA 18 s");
    CHECK(ProgressBar::render("scan", 1ULL << 30, 48ULL << 30, 8, 0.2) ==
          "scan [........]   2% 1.0/48.0 GiB");
}
