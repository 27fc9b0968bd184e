#include "page_cache.hpp"

#include <sys/mman.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstring>

#include "mapped_file.hpp"

namespace dumpprocs::dumpfile {
namespace {

constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
constexpr std::uint8_t kMaxUses = 3;
constexpr std::size_t kMaxRunPages = 64; // pages per preadv(2) (IOV_MAX is 1024)

std::size_t indexBits(std::size_t slots) {
    std::size_t bits = 1;
    while ((std::size_t{1} << bits) < 2 * slots)
        ++bits;
    return bits;
}

} // namespace

PageCache::PageCache(const MappedFile& file, std::size_t slots)
    : file_(file), slots_(std::max<std::size_t>(slots, 2)), index_bits_(indexBits(slots_)),
      index_pfn_(std::size_t{1} << index_bits_, kEmpty),
      index_slot_(std::size_t{1} << index_bits_, 0), slot_pfn_(slots_, kEmpty),
      slot_uses_(slots_, 0) {
    const std::size_t bytes = slots_ * kPageBytes;
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;                         // no cache: every read is served from the mapping
    ::madvise(p, bytes, MADV_HUGEPAGE); // advisory: fewer, larger faults where THP is on
    storage_ = static_cast<std::byte*>(p);
}

PageCache::~PageCache() {
    if (storage_)
        ::munmap(storage_, slots_ * kPageBytes);
}

std::size_t PageCache::home(std::uint64_t pfn) const {
    return static_cast<std::size_t>((pfn * 0x9E3779B97F4A7C15ULL) >> (64 - index_bits_));
}

std::size_t PageCache::position(std::uint64_t pfn) const {
    const std::size_t mask = index_pfn_.size() - 1;
    std::size_t at = home(pfn);
    while (index_pfn_[at] != pfn && index_pfn_[at] != kEmpty)
        at = (at + 1) & mask; // never full: at most slots_ of 2x slots_ are used
    return at;
}

// Linear probing without tombstones: the entries after the hole that would no longer be found
// from their home move back into it.
void PageCache::erase(std::size_t at) {
    const std::size_t mask = index_pfn_.size() - 1;
    std::size_t hole = at;
    std::size_t next = at;
    while (true) {
        next = (next + 1) & mask;
        if (index_pfn_[next] == kEmpty)
            break;
        const std::size_t want = home(index_pfn_[next]);
        // Stays when its home lies cyclically in (hole, next].
        const bool stays =
            hole <= next ? (hole < want && want <= next) : (hole < want || want <= next);
        if (stays)
            continue;
        index_pfn_[hole] = index_pfn_[next];
        index_slot_[hole] = index_slot_[next];
        hole = next;
    }
    index_pfn_[hole] = kEmpty;
}

std::size_t PageCache::takeSlot() {
    if (used_ < slots_)
        return used_++;
    while (slot_uses_[hand_] > 0) {
        --slot_uses_[hand_];
        hand_ = (hand_ + 1) % slots_;
    }
    const std::size_t victim = hand_;
    hand_ = (hand_ + 1) % slots_;
    if (slot_pfn_[victim] != kEmpty) {
        erase(position(slot_pfn_[victim]));
        slot_pfn_[victim] = kEmpty;
        ++stats_.evictions;
    }
    return victim;
}

void PageCache::install(std::uint64_t pfn, std::size_t slot_index) {
    const std::size_t at = position(pfn);
    index_pfn_[at] = pfn;
    index_slot_[at] = static_cast<std::uint32_t>(slot_index);
    slot_pfn_[slot_index] = pfn;
    slot_uses_[slot_index] = 1;
}

bool PageCache::contains(std::uint64_t pfn) const {
    if (!storage_)
        return false;
    std::lock_guard lock(mutex_);
    return index_pfn_[position(pfn)] == pfn;
}

bool PageCache::copyCached(std::uint64_t pfn, std::size_t offset, std::span<std::byte> out) const {
    if (!storage_)
        return false;
    std::lock_guard lock(mutex_);
    const std::size_t at = position(pfn);
    if (index_pfn_[at] != pfn)
        return false;
    const std::uint32_t s = index_slot_[at];
    if (slot_uses_[s] < kMaxUses)
        ++slot_uses_[s];
    ++stats_.hits;
    std::memcpy(out.data(), slot(s) + offset, out.size());
    return true;
}

bool PageCache::readAndCopy(std::uint64_t pfn, std::uint64_t file_offset, std::size_t offset,
                            std::span<std::byte> out) {
    if (!storage_)
        return false;
    std::lock_guard lock(mutex_);
    std::size_t at = position(pfn);
    if (index_pfn_[at] != pfn) {
        ++stats_.misses;
        const std::size_t s = takeSlot();
        ++stats_.read_calls;
        if (!file_.readAt(file_offset, std::span<std::byte>(slot(s), kPageBytes))) {
            // The slot stays free (holds nothing) until the hand comes back to it.
            return false;
        }
        ++stats_.pages_read;
        install(pfn, s);
        at = position(pfn);
    }
    std::memcpy(out.data(), slot(index_slot_[at]) + offset, out.size());
    return true;
}

void PageCache::readBatch(std::span<const PageRead> pages) {
    if (!storage_ || pages.empty())
        return;
    std::vector<PageRead> wanted(pages.begin(), pages.end());
    std::sort(wanted.begin(), wanted.end(), [](const PageRead& a, const PageRead& b) {
        return a.file_offset < b.file_offset || (a.file_offset == b.file_offset && a.pfn < b.pfn);
    });
    std::lock_guard lock(mutex_);
    // Not cached yet, each pfn once, at most half the cache.
    std::vector<PageRead> todo;
    todo.reserve(wanted.size());
    for (const PageRead& p : wanted) {
        if (todo.size() >= slots_ / 2)
            break;
        if (!todo.empty() && todo.back().pfn == p.pfn)
            continue;
        if (index_pfn_[position(p.pfn)] == p.pfn)
            continue;
        todo.push_back(p);
    }
    std::vector<iovec> iov;
    std::vector<std::size_t> run_slots;
    for (std::size_t i = 0; i < todo.size();) {
        std::size_t n = 1;
        while (i + n < todo.size() && n < kMaxRunPages &&
               todo[i + n].file_offset == todo[i].file_offset + n * kPageBytes)
            ++n;
        iov.clear();
        run_slots.clear();
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t s = takeSlot();
            run_slots.push_back(s);
            iov.push_back(iovec{slot(s), kPageBytes});
        }
        ++stats_.read_calls;
        const std::size_t got = file_.readVectorAt(todo[i].file_offset, iov);
        for (std::size_t k = 0; k < n; ++k) {
            if ((k + 1) * kPageBytes <= got) {
                install(todo[i + k].pfn, run_slots[k]);
                ++stats_.pages_read;
            }
            // A page not read whole leaves its slot free (slot_pfn_ stays kEmpty).
        }
        i += n;
    }
}

PageCache::Stats PageCache::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

} // namespace dumpprocs::dumpfile
