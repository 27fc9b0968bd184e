#include "dumpprocs/cli/progress_bar.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace dumpprocs::cli {

std::string ProgressBar::render(const std::string& label, std::uint64_t done, std::uint64_t total,
                                unsigned width) {
    const double fraction =
        total ? static_cast<double>(std::min(done, total)) / static_cast<double>(total) : 1.0;
    const auto filled = static_cast<unsigned>(fraction * width);
    return fmt::format("{} [{}{}] {:3.0f}% {:.1f}/{:.1f} MiB", label, std::string(filled, '#'),
                       std::string(width - filled, '.'), fraction * 100,
                       static_cast<double>(done) / (1 << 20),
                       static_cast<double>(total) / (1 << 20));
}

void ProgressBar::update(std::uint64_t done, std::uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total && now - last_ < std::chrono::milliseconds(100))
        return;
    last_ = now;
    drawn_ = true;
    std::fprintf(stderr, "\r%s", render(label_, done, total).c_str());
    std::fflush(stderr);
}

ProgressBar::~ProgressBar() {
    if (drawn_) {
        std::fputs("\r\033[K", stderr); // erase the line
        std::fflush(stderr);
    }
}

} // namespace dumpprocs::cli
