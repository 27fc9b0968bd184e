#include "dumpprocs/dumpfile/raw_image.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "dumpprocs/formats/crash_dump.hpp"
#include "mapped_file.hpp"

namespace dumpprocs::dumpfile {

using namespace formats;

namespace {

// Page-granular data extents of a (possibly sparse) file, from SEEK_DATA/SEEK_HOLE.
std::vector<PhysicalRun> dataExtents(const std::filesystem::path& path, std::uint64_t size) {
    const std::uint64_t pages = size / kPageSize;
    std::vector<PhysicalRun> runs;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {{0, pages}};
    off_t at = 0;
    while (static_cast<std::uint64_t>(at) < size) {
        const off_t data = ::lseek(fd, at, SEEK_DATA);
        if (data < 0 && errno == ENXIO)
            break;      // only a hole remains
        if (data < 0) { // the file system cannot tell: all of it is data
            ::close(fd);
            return {{0, pages}};
        }
        off_t hole = ::lseek(fd, data, SEEK_HOLE);
        if (hole < 0)
            hole = static_cast<off_t>(size);
        const std::uint64_t first = static_cast<std::uint64_t>(data) / kPageSize;
        const std::uint64_t end = std::min<std::uint64_t>(
            (static_cast<std::uint64_t>(hole) + kPageSize - 1) / kPageSize, pages);
        if (end > first) {
            if (!runs.empty() && runs.back().base_page + runs.back().page_count >= first)
                runs.back().page_count =
                    std::max(runs.back().page_count, end - runs.back().base_page);
            else
                runs.push_back({first, end - first});
        }
        at = hole;
    }
    ::close(fd);
    return runs;
}

} // namespace

RawImage::~RawImage() = default;

Expected<std::unique_ptr<RawImage>> RawImage::open(const std::filesystem::path& path) {
    std::unique_ptr<RawImage> image(new RawImage());
    image->path_ = path;
    DP_TRY(image->file_, MappedFile::open(path));
    if (image->fileSize() < kPageSize)
        return makeError(ErrorCode::NotADump,
                         "{}: {} bytes is too small for a raw memory image (not even one page)",
                         path.string(), image->fileSize());
    image->data_runs_ = dataExtents(path, image->fileSize());
    return image;
}

std::uint64_t RawImage::fileSize() const {
    return file_->size();
}

Expected<ByteView> RawImage::page(std::uint64_t pfn) const {
    const std::uint64_t pa = pfn * kPageSize;
    if (pfn >= pageSpan())
        return makeError(ErrorCode::PageNotInDump,
                         "physical page {:#x} lies past the end of the raw image ({:#x} bytes)", pa,
                         fileSize());
    return ByteView(file_->view().data() + pa, kPageSize, pa, "physical address");
}

std::uint64_t RawImage::pageSpan() const {
    return fileSize() / kPageSize;
}

std::uint64_t RawImage::presentPageCount() const {
    std::uint64_t total = 0;
    for (const auto& run : data_runs_)
        total += run.page_count;
    return total;
}

void RawImage::forEachPresentRange(
    const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const {
    for (const auto& run : data_runs_) {
        const std::uint64_t pa = run.base_page * kPageSize;
        visit(run.base_page, run.page_count,
              ByteView(file_->view().data() + pa, run.page_count * kPageSize, pa,
                       "physical address"));
    }
}

bool hasDumpSignature(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::uint32_t signature = 0;
    if (!in.read(reinterpret_cast<char*>(&signature), sizeof(signature)))
        return false;
    return signature == kSignaturePage || signature == kMinidumpMagic;
}

ByteView RawImage::scanBytes(const ByteView& range, std::span<std::byte> buffer) const {
    return file_->copyOf(range, buffer);
}

} // namespace dumpprocs::dumpfile
