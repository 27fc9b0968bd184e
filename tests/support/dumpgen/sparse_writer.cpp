#include "dumpgen/sparse_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace dumpgen {
namespace {

constexpr std::uint64_t kHeaderBytes = 0x2000;

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

std::uint64_t totalPages(const std::vector<RamRun>& ram) {
    std::uint64_t total = 0;
    for (const auto& r : ram)
        total += r.pages;
    return total;
}

// The index of `pfn` among the stored pages (its rank), or throws if the RAM map lacks it.
class RankOf {
  public:
    explicit RankOf(const std::vector<RamRun>& ram) : ram_(ram) {
        for (const auto& r : ram_) {
            before_.push_back(total_);
            total_ += r.pages;
        }
    }
    std::uint64_t operator()(std::uint64_t pfn) const {
        for (std::size_t i = 0; i < ram_.size(); ++i)
            if (pfn >= ram_[i].first_pfn && pfn - ram_[i].first_pfn < ram_[i].pages)
                return before_[i] + (pfn - ram_[i].first_pfn);
        throw std::runtime_error("frame " + std::to_string(pfn) + " lies outside the RAM map");
    }

  private:
    const std::vector<RamRun>& ram_;
    std::vector<std::uint64_t> before_;
    std::uint64_t total_ = 0;
};

class SparseFile {
  public:
    explicit SparseFile(const std::string& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0)
            fail("cannot create");
    }
    ~SparseFile() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    SparseFile(const SparseFile&) = delete;
    SparseFile& operator=(const SparseFile&) = delete;

    void writeAt(std::uint64_t offset, const void* data, std::size_t size) {
        const auto* bytes = static_cast<const std::uint8_t*>(data);
        for (std::size_t done = 0; done < size;) {
            const ssize_t n =
                ::pwrite(fd_, bytes + done, size - done, static_cast<off_t>(offset + done));
            if (n <= 0)
                fail("cannot write");
            done += static_cast<std::size_t>(n);
        }
    }
    void setSize(std::uint64_t size) {
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
            fail("cannot set the size of");
    }
    void close() {
        if (::close(fd_) != 0)
            fail("cannot close");
        fd_ = -1;
    }

  private:
    [[noreturn]] void fail(const char* what) {
        throw std::runtime_error(std::string(what) + " " + path_ + ": " + std::strerror(errno));
    }
    std::string path_;
    int fd_ = -1;
};

template <typename T> void put(std::vector<std::uint8_t>& out, std::size_t at, T value) {
    std::memcpy(out.data() + at, &value, sizeof(T));
}

bool allZero(const Page& page) {
    return std::all_of(page.begin(), page.end(), [](std::uint8_t b) { return b == 0; });
}

// Type 1: the runs in the header, pages from 0x2000.
std::uint64_t writeRunHeader(SparseFile& file, std::vector<std::uint8_t> header,
                             const std::vector<RamRun>& ram) {
    if (ram.size() > 42)
        throw std::runtime_error("more than 42 physical runs: the header cannot hold them");
    put<std::uint32_t>(header, 0x88, static_cast<std::uint32_t>(ram.size()));
    put<std::uint32_t>(header, 0x8C, 0);
    put<std::uint64_t>(header, 0x90, totalPages(ram));
    for (std::size_t i = 0; i < ram.size(); ++i) {
        put<std::uint64_t>(header, 0x98 + 16 * i, ram[i].first_pfn);
        put<std::uint64_t>(header, 0xA0 + 16 * i, ram[i].pages);
    }
    const std::uint64_t file_size = kHeaderBytes + totalPages(ram) * kPage;
    put<std::uint64_t>(header, 0xFA0, file_size); // RequiredDumpSpace
    file.writeAt(0, header.data(), header.size());
    return kHeaderBytes;
}

// Types 5/6 (dump-format.md §2.2): SDMP/FDMP header at 0x2000, the bitmap after it, pages from
// the page-aligned HeaderSize.
std::uint64_t writeBitmapHeader(SparseFile& file, std::vector<std::uint8_t> header,
                                const std::vector<RamRun>& ram, std::uint32_t dump_type) {
    const RamRun& last = ram.back();
    const std::uint64_t bits = ((last.first_pfn + last.pages + 63) / 64) * 64;
    const std::uint64_t header_size = kHeaderBytes + ((0x38 + bits / 8 + 4 + 0xFFF) & ~0xFFFULL);
    std::vector<std::uint8_t> summary(header_size - kHeaderBytes, 0);
    std::memcpy(summary.data(), dump_type == 5 ? "FDMP" : "SDMP", 4);
    std::memcpy(summary.data() + 4, "DUMP", 4);
    put<std::uint64_t>(summary, 0x20, header_size);
    put<std::uint64_t>(summary, 0x28, totalPages(ram));
    put<std::uint64_t>(summary, 0x30, bits);
    std::uint8_t* bitmap = summary.data() + 0x38;
    for (const auto& r : ram) {
        std::uint64_t pfn = r.first_pfn;
        const std::uint64_t end = r.first_pfn + r.pages;
        for (; pfn < end && pfn % 8; ++pfn)
            bitmap[pfn / 8] = static_cast<std::uint8_t>(bitmap[pfn / 8] | (1u << (pfn % 8)));
        const std::uint64_t whole = (end - pfn) / 8;
        std::memset(bitmap + pfn / 8, 0xFF, whole);
        for (pfn += whole * 8; pfn < end; ++pfn)
            bitmap[pfn / 8] = static_cast<std::uint8_t>(bitmap[pfn / 8] | (1u << (pfn % 8)));
    }
    put<std::uint64_t>(header, 0xFA0, header_size + totalPages(ram) * kPage);
    file.writeAt(0, header.data(), header.size());
    file.writeAt(kHeaderBytes, summary.data(), summary.size());
    return header_size;
}

} // namespace

std::vector<RamRun> pcRamMap(std::uint64_t ram_bytes) {
    const std::uint64_t pages = ram_bytes / kPage;
    constexpr std::uint64_t kLowEnd = 0x9F, kBelowHole = 0xC0000, kAboveHole = 0x100000;
    if (pages < kBelowHole)
        throw std::runtime_error("the PC RAM map needs at least 3 GiB");
    std::vector<RamRun> ram = {{1, kLowEnd - 1}, {0x100, kBelowHole - 0x100}};
    const std::uint64_t rest = pages - (kLowEnd - 1) - (kBelowHole - 0x100);
    if (rest > 0)
        ram.push_back({kAboveHole, rest});
    return ram;
}

FramePlacement scatteredOver(const std::vector<RamRun>& ram) {
    if (ram.empty())
        return {};
    return [ram, total = totalPages(ram)](std::uint64_t n) {
        std::uint64_t index = splitmix64(n) % total;
        for (const auto& r : ram) {
            if (index < r.pages)
                return r.first_pfn + index;
            index -= r.pages;
        }
        return ram.back().first_pfn; // not reached: index < total
    };
}

void writeSparseDump(const PhysicalImage& memory, const DumpHeaderFields& fields,
                     const std::vector<RamRun>& ram, const std::string& path) {
    if (ram.empty())
        throw std::runtime_error("a sparse dump needs a RAM map");
    for (std::size_t i = 1; i < ram.size(); ++i)
        if (ram[i].first_pfn < ram[i - 1].first_pfn + ram[i - 1].pages)
            throw std::runtime_error("RAM runs must ascend without overlap");
    SparseFile file(path);
    std::vector<std::uint8_t> header = headerPage(fields);
    std::uint64_t first_page;
    if (fields.dump_type == 1)
        first_page = writeRunHeader(file, std::move(header), ram);
    else if (fields.dump_type == 5 || fields.dump_type == 6)
        first_page = writeBitmapHeader(file, std::move(header), ram, fields.dump_type);
    else
        throw std::runtime_error("dumpgen writes DumpType 1, 5 or 6 only");
    const RankOf rank(ram);
    for (const auto& [pfn, page] : memory.frames()) {
        const std::uint64_t at = first_page + rank(pfn) * kPage;
        if (!allZero(page))
            file.writeAt(at, page.data(), page.size());
    }
    file.setSize(first_page + totalPages(ram) * kPage);
    file.close();
}

} // namespace dumpgen
