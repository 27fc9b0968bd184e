#include "mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace dumpprocs::dumpfile {

Expected<std::unique_ptr<MappedFile>> MappedFile::open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return makeError(ErrorCode::Io, "{}: cannot open: {}", path.string(), std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return makeError(ErrorCode::Io, "{}: cannot stat: {}", path.string(), std::strerror(err));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return makeError(ErrorCode::Io, "{}: is a directory, not a dump file", path.string());
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        ::close(fd);
        return makeError(ErrorCode::Io, "{}: not a regular file", path.string());
    }
    if (st.st_size == 0) {
        ::close(fd);
        return makeError(ErrorCode::Io, "{}: the file is empty", path.string());
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    if (data == MAP_FAILED) {
        ::close(fd);
        return makeError(ErrorCode::Io, "{}: cannot map {} bytes: {}", path.string(), size,
                         std::strerror(err));
    }
    ::madvise(data, size, MADV_RANDOM);
    return std::unique_ptr<MappedFile>(
        new MappedFile(static_cast<const std::byte*>(data), size, fd));
}

bool MappedFile::readAt(std::uint64_t offset, std::span<std::byte> out) const {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n =
            ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::size_t MappedFile::readVectorAt(std::uint64_t offset,
                                     std::span<const struct iovec> buffers) const {
    std::vector<iovec> left(buffers.begin(), buffers.end());
    std::size_t first = 0;
    std::size_t done = 0;
    while (first < left.size()) {
        const int count = static_cast<int>(std::min<std::size_t>(left.size() - first, 1024));
        const ssize_t n =
            ::preadv(fd_, left.data() + first, count, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += static_cast<std::size_t>(n);
        // Skip the buffers filled; shorten the one filled in part.
        auto rest = static_cast<std::size_t>(n);
        while (first < left.size() && rest >= left[first].iov_len) {
            rest -= left[first].iov_len;
            ++first;
        }
        if (rest > 0) {
            left[first].iov_base = static_cast<std::byte*>(left[first].iov_base) + rest;
            left[first].iov_len -= rest;
        }
    }
    return done;
}

ByteView MappedFile::copyOf(const ByteView& view, std::span<std::byte> buffer) const {
    const std::byte* p = view.data();
    if (p < data_ || p > data_ + size_ ||
        view.size() > static_cast<std::size_t>(data_ + size_ - p) || view.size() > buffer.size())
        return view;
    const auto offset = static_cast<std::uint64_t>(p - data_);
    if (!readAt(offset, buffer.first(view.size())))
        return view;
    return ByteView(buffer.data(), view.size(), view.base(), view.what());
}

MappedFile::~MappedFile() {
    ::munmap(const_cast<std::byte*>(data_), size_);
    ::close(fd_);
}

} // namespace dumpprocs::dumpfile
