#include "dumpprocs/cli/progress_bar.hpp"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace dumpprocs::cli {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024, kMiB = 1024.0 * 1024;

} // namespace

bool wantScanNotice(std::uint64_t total, bool quiet, bool stderr_is_terminal) {
    return total >= kScanNoticeBytes && !quiet && stderr_is_terminal;
}

std::string scanNotice(std::uint64_t total) {
    return fmt::format("note: the scan reads all {:.1f} GiB of physical memory, which takes a "
                       "while: --no-scan gives the cross-view of the lists and tables alone, in "
                       "milliseconds",
                       static_cast<double>(total) / kGiB);
}

std::string etaText(std::uint64_t seconds) {
    if (seconds < 60)
        return fmt::format("{} s", seconds);
    if (seconds < 3600)
        return fmt::format("{}:{:02}", seconds / 60, seconds % 60);
    return fmt::format("{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

std::optional<std::uint64_t> secondsLeft(std::uint64_t done, std::uint64_t total,
                                         double elapsed_seconds) {
    if (done == 0 || elapsed_seconds < 1.0 || done >= total)
        return std::nullopt;
    const double rate = static_cast<double>(done) / elapsed_seconds; // bytes per second
    return static_cast<std::uint64_t>(static_cast<double>(total - done) / rate + 0.5);
}

std::string ProgressBar::render(const std::string& label, std::uint64_t done, std::uint64_t total,
                                unsigned width, double elapsed_seconds) {
    const double fraction =
        total ? static_cast<double>(std::min(done, total)) / static_cast<double>(total) : 1.0;
    const auto filled = static_cast<unsigned>(fraction * width);
    const bool gib = static_cast<double>(total) >= kGiB;
    const double unit = gib ? kGiB : kMiB;
    std::string line = fmt::format("{} [{}{}] {:3.0f}% {:.1f}/{:.1f} {}", label,
                                   std::string(filled, '#'), std::string(width - filled, '.'),
                                   fraction * 100, static_cast<double>(done) / unit,
                                   static_cast<double>(total) / unit, gib ? "GiB" : "MiB");
    if (auto left = secondsLeft(done, total, elapsed_seconds))
        line += " ETA " + etaText(*left);
    return line;
}

void ProgressBar::update(std::uint64_t done, std::uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total && now - last_ < std::chrono::milliseconds(100))
        return;
    last_ = now;
    drawn_ = true;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    // Erase to the end of the line: the ETA's width changes.
    std::fprintf(stderr, "\r%s\033[K", render(label_, done, total, 30, elapsed).c_str());
    std::fflush(stderr);
}

ProgressBar::~ProgressBar() {
    if (drawn_) {
        std::fputs("\r\033[K", stderr); // erase the line
        std::fflush(stderr);
    }
}

} // namespace dumpprocs::cli
