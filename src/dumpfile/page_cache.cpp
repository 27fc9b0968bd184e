#include "page_cache.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>

#include "mapped_file.hpp"

namespace dumpprocs::dumpfile {
namespace {

constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
constexpr std::size_t kStorageBytes = PageCache::kSlots * PageCache::kPageBytes;

} // namespace

PageCache::PageCache(const MappedFile& file) : file_(file), tags_(kSlots, kEmpty) {
    void* p = ::mmap(nullptr, kStorageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (p == MAP_FAILED)
        throw std::bad_alloc();
    ::madvise(p, kStorageBytes, MADV_HUGEPAGE);  // advisory: fewer, larger faults where THP is on
    storage_ = static_cast<std::byte*>(p);
}

PageCache::~PageCache() { ::munmap(storage_, kStorageBytes); }

bool PageCache::copyCached(std::uint64_t pfn, std::size_t offset, std::span<std::byte> out) const {
    const std::size_t index = static_cast<std::size_t>(pfn % kSlots);
    std::lock_guard lock(mutex_);
    if (tags_[index] != pfn)
        return false;
    std::memcpy(out.data(), slot(index) + offset, out.size());
    return true;
}

bool PageCache::readAndCopy(std::uint64_t pfn, std::uint64_t file_offset, std::size_t offset,
                            std::span<std::byte> out) {
    const std::size_t index = static_cast<std::size_t>(pfn % kSlots);
    std::lock_guard lock(mutex_);
    if (tags_[index] != pfn) {
        tags_[index] = kEmpty;
        if (!file_.readAt(file_offset, std::span<std::byte>(slot(index), kPageBytes)))
            return false;
        tags_[index] = pfn;
    }
    std::memcpy(out.data(), slot(index) + offset, out.size());
    return true;
}

} // namespace dumpprocs::dumpfile
