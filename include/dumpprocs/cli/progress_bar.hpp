#pragma once
// A one-line progress bar on stderr for long scans: redrawn at most ten times a second, erased
// when done, with the amount in MiB or GiB and, once a second has passed, the time left. The CLI
// only makes one when stderr is a terminal and -q was not given; on a big dump the scan is
// announced first by one line that names --no-scan (scanNotice).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace dumpprocs::cli {

// From this much memory to scan (4 GiB) the scan is announced before it starts.
inline constexpr std::uint64_t kScanNoticeBytes = 4ULL << 30;

// Whether to announce a scan of `total` bytes: only when it is that big, and only where a person
// reads stderr (a terminal, no -q): a batch's or a script's stderr gets no notice.
bool wantScanNotice(std::uint64_t total, bool quiet, bool stderr_is_terminal);
// "note: the scan reads all 48.0 GiB of physical memory, which takes a while: --no-scan ..."
std::string scanNotice(std::uint64_t total);

// "1:05:07", "3:21" or "42 s": a time left, to the second.
std::string etaText(std::uint64_t seconds);
// The time left when `done` of `total` took `elapsed`; nullopt before a second has passed or
// anything was done (no guess from nothing).
std::optional<std::uint64_t> secondsLeft(std::uint64_t done, std::uint64_t total,
                                         double elapsed_seconds);

class ProgressBar {
  public:
    explicit ProgressBar(std::string label)
        : label_(std::move(label)), start_(std::chrono::steady_clock::now()) {}
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    void update(std::uint64_t done, std::uint64_t total);

    // The line drawn for `done` of `total` after `elapsed_seconds` (no carriage return), for
    // tests: MiB below 1 GiB in all, GiB from there; "ETA ..." once secondsLeft() knows it.
    static std::string render(const std::string& label, std::uint64_t done, std::uint64_t total,
                              unsigned width = 30, double elapsed_seconds = 0);

  private:
    std::string label_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_{};
    bool drawn_ = false;
};

} // namespace dumpprocs::cli
