#pragma once
// Helpers for unit tests that need sample dumps: builds a dumpgen scenario into a temporary file
// (or finds a committed sample), so each test reads real files through the public reader.

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "dumpgen/scenarios.hpp"

namespace testfiles {

inline std::filesystem::path sourceDir() {
    return DUMPPROCS_SOURCE_DIR;
}
// data/: the profile data and symbol files the repository carries (data/README.md).
inline std::filesystem::path dataDir() {
    return DUMPPROCS_DATA_DIR;
}
// A path in the temp directory unique to this test process: ctest runs test binaries in
// parallel, and other checkouts of the project may run the same tests on the machine.
inline std::filesystem::path uniqueTempPath(const std::string& name) {
    return std::filesystem::temp_directory_path() /
           ("dumpprocs-" + std::to_string(::getpid()) + "-" + name);
}
inline std::filesystem::path sample(const std::string& name) {
    return sourceDir() / "testdata" / name;
}

inline std::vector<std::uint8_t> scenarioBytes(const std::string& name) {
    for (const auto& s : dumpgen::allScenarios())
        if (s.name == name)
            return dumpgen::buildScenario(s);
    return {};
}

// Writes `bytes` to a fresh file in the temp dir and returns its path.
inline std::filesystem::path writeTemp(const std::string& stem,
                                       const std::vector<std::uint8_t>& bytes) {
    auto path = std::filesystem::temp_directory_path() /
                ("dumpprocs-unit-" + std::to_string(::getpid()) + "-" + stem);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return path;
}

template <typename T> T rawAt(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
    T v{};
    std::memcpy(&v, bytes.data() + offset, sizeof(T));
    return v;
}

template <typename T> void putAt(std::vector<std::uint8_t>& bytes, std::size_t offset, T v) {
    std::memcpy(bytes.data() + offset, &v, sizeof(T));
}

} // namespace testfiles
