#pragma once
// Shared pieces of the libFuzzer targets: the fuzz input as a real (memory-backed) file, so the
// dump goes through the same read-only mmap path as on the command line, and quiet logging.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

namespace dumpprocs::fuzz {

// One memfd per process, rewritten with every input; opened by path /proc/self/fd/N.
class InputFile {
  public:
    InputFile() : fd_(::memfd_create("dumpprocs-fuzz", MFD_CLOEXEC)) {
        if (fd_ < 0) {
            std::perror("memfd_create");
            std::abort();
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    const std::string& write(const std::uint8_t* data, std::size_t size) {
        if (::ftruncate(fd_, 0) != 0 ||
            ::pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size)) {
            std::perror("memfd write");
            std::abort();
        }
        return path_;
    }

  private:
    int fd_;
    std::string path_;
};

// Logs go nowhere: the targets check behaviour, not messages, and stderr would slow them down.
inline void quietLogging() {
    static bool done = false;
    if (done)
        return;
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "dumpprocs", std::make_shared<spdlog::sinks::null_sink_mt>()));
    done = true;
}

// Keeps the optimiser from dropping rendered output that nobody looks at.
inline void consume(const std::string& text) {
    static volatile std::size_t sink = 0;
    sink = sink + text.size() + (text.empty() ? 0 : static_cast<unsigned char>(text.back()));
}

} // namespace dumpprocs::fuzz
