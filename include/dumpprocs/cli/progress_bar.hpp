#pragma once
// A one-line progress bar on stderr for long scans: redrawn at most ten times a second, erased
// when done. The CLI only makes one when stderr is a terminal and -q was not given.

#include <chrono>
#include <cstdint>
#include <string>

namespace dumpprocs::cli {

class ProgressBar {
  public:
    explicit ProgressBar(std::string label) : label_(std::move(label)) {}
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    void update(std::uint64_t done, std::uint64_t total);

    // The line drawn for `done` of `total` (no carriage return), for tests.
    static std::string render(const std::string& label, std::uint64_t done, std::uint64_t total,
                              unsigned width = 30);

  private:
    std::string label_;
    std::chrono::steady_clock::time_point last_{};
    bool drawn_ = false;
};

} // namespace dumpprocs::cli
