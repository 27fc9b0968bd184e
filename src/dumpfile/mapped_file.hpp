#pragma once
// A read-only memory mapping of a whole file (PROT_READ, MAP_PRIVATE): the dump is never written.
// The descriptor stays open for pread(2), which the page cache uses (see page_cache.hpp).

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

struct iovec;

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
    // Copies [offset, offset+out.size()) with pread(2); false on an I/O error or a short read.
    bool readAt(std::uint64_t offset, std::span<std::byte> out) const;
    // Reads from `offset` into the buffers in turn with preadv(2) (restarted after a short read);
    // returns the bytes read, less than the total at the end of the file or on an I/O error.
    std::size_t readVectorAt(std::uint64_t offset, std::span<const struct iovec> buffers) const;
    // The bytes of the mapping at [p, p+n) copied into `buffer` with pread(2) and viewed with
    // `view`'s base and name; `view` itself when they are not all inside the mapping, `buffer`
    // is too small or the read fails.
    ByteView copyOf(const ByteView& view, std::span<std::byte> buffer) const;

  private:
    MappedFile(const std::byte* data, std::size_t size, int fd)
        : data_(data), size_(size), fd_(fd) {}
    const std::byte* data_;
    std::size_t size_;
    int fd_;
};

} // namespace dumpprocs::dumpfile
