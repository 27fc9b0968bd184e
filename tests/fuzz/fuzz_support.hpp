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

// A rendered report (text, JSON or CSV) must be valid UTF-8 whatever bytes the dump held: a
// string taken from the dump unescaped would break the terminal or make nlohmann::json throw.
inline bool validUtf8(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t length = c < 0x80           ? 1
                                   : (c >> 5) == 0x6  ? 2
                                   : (c >> 4) == 0xE  ? 3
                                   : (c >> 3) == 0x1E ? 4
                                                      : 0;
        if (length == 0 || i + length > text.size())
            return false;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80)
                return false;
        i += length;
    }
    return true;
}

inline void consumeRendered(const std::string& text) {
    if (!validUtf8(text)) {
        std::fputs("rendered output is not valid UTF-8\n", stderr);
        std::abort();
    }
    consume(text);
}

} // namespace dumpprocs::fuzz
