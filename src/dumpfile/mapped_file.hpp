#pragma once
// A read-only memory mapping of a whole file (PROT_READ, MAP_PRIVATE): the dump is never written.

#include <cstddef>
#include <filesystem>
#include <memory>

#include "dumpprocs/support/byte_view.hpp"

namespace dumpprocs::dumpfile {

class MappedFile {
public:
    // Fails (ErrorCode::Io) for a missing or unreadable file, a directory, or an empty file.
    static Expected<std::unique_ptr<MappedFile>> open(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    ByteView view() const { return ByteView(data_, size_, 0, "file offset"); }
    std::size_t size() const { return size_; }

private:
    MappedFile(const std::byte* data, std::size_t size) : data_(data), size_(size) {}
    const std::byte* data_;
    std::size_t size_;
};

} // namespace dumpprocs::dumpfile
