#include "page_cache.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "mapped_file.hpp"

namespace dumpprocs::dumpfile {
namespace {

constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
constexpr std::size_t kStorageBytes = PageCache::kSlots * PageCache::kPageBytes;

} // namespace

PageCache::PageCache(const MappedFile& file)
    : file_(file), index_pfn_(kIndexSize, kEmpty), index_slot_(kIndexSize, 0) {
    void* p =
        ::mmap(nullptr, kStorageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;                                 // no cache: every read is served from the mapping
    ::madvise(p, kStorageBytes, MADV_HUGEPAGE); // advisory: fewer, larger faults where THP is on
    storage_ = static_cast<std::byte*>(p);
}

PageCache::~PageCache() {
    if (storage_)
        ::munmap(storage_, kStorageBytes);
}

std::size_t PageCache::position(std::uint64_t pfn) const {
    std::size_t at = static_cast<std::size_t>((pfn * 0x9E3779B97F4A7C15ULL) >> (64 - kIndexBits));
    while (index_pfn_[at] != pfn && index_pfn_[at] != kEmpty)
        at = (at + 1) & (kIndexSize - 1); // never full: at most kSlots of kIndexSize are used
    return at;
}

bool PageCache::copyCached(std::uint64_t pfn, std::size_t offset, std::span<std::byte> out) const {
    if (!storage_)
        return false;
    std::lock_guard lock(mutex_);
    const std::size_t at = position(pfn);
    if (index_pfn_[at] != pfn)
        return false;
    std::memcpy(out.data(), slot(index_slot_[at]) + offset, out.size());
    return true;
}

bool PageCache::readAndCopy(std::uint64_t pfn, std::uint64_t file_offset, std::size_t offset,
                            std::span<std::byte> out) {
    if (!storage_)
        return false;
    std::lock_guard lock(mutex_);
    std::size_t at = position(pfn);
    if (index_pfn_[at] != pfn) {
        if (used_ == kSlots) { // full: start over rather than grow
            std::fill(index_pfn_.begin(), index_pfn_.end(), kEmpty);
            used_ = 0;
            at = position(pfn);
        }
        if (!file_.readAt(file_offset, std::span<std::byte>(slot(used_), kPageBytes)))
            return false;
        index_pfn_[at] = pfn;
        index_slot_[at] = static_cast<std::uint32_t>(used_++);
    }
    std::memcpy(out.data(), slot(index_slot_[at]) + offset, out.size());
    return true;
}

} // namespace dumpprocs::dumpfile
