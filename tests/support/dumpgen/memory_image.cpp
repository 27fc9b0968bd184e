#include "dumpgen/memory_image.hpp"

namespace dumpgen {

std::uint64_t PhysicalImage::allocateFrame() {
    if (placement_) {
        for (;;) {
            const std::uint64_t pfn = placement_(placed_++);
            if (frames_.try_emplace(pfn).second)
                return pfn;
        }
    }
    while (frames_.count(next_))
        ++next_;
    frames_[next_];
    return next_++;
}

void PhysicalImage::write(std::uint64_t pa, std::span<const std::uint8_t> bytes) {
    for (std::size_t done = 0; done < bytes.size();) {
        const std::uint64_t at = pa + done;
        const std::size_t off = at % kPage;
        const std::size_t n = std::min(bytes.size() - done, static_cast<std::size_t>(kPage - off));
        std::memcpy(frames_[at / kPage].data() + off, bytes.data() + done, n);
        done += n;
    }
}

std::uint64_t PhysicalImage::get64(std::uint64_t pa) const {
    auto it = frames_.find(pa / kPage);
    if (it == frames_.end())
        return 0;
    std::uint64_t v;
    std::memcpy(&v, it->second.data() + pa % kPage, 8);
    return v;
}

PageTables::PageTables(PhysicalImage& mem, unsigned self_ref_index)
    : mem_(mem), self_ref_index_(self_ref_index) {
    pml4_ = mem_.allocateFrame() * kPage;
    // The self-reference entry real kernels keep (index 0x1ED before 1607, random after).
    mem_.put(pml4_ + self_ref_index * 8ULL, pml4_ | kPresent | kWrite | kNx);
}

std::uint64_t PageTables::tableFor(std::uint64_t va, int level) {
    std::uint64_t table = pml4_;
    for (int l = 0; l < level; ++l) {
        const unsigned shift = 39 - 9 * static_cast<unsigned>(l);
        const std::uint64_t entry_pa = table + ((va >> shift) & 0x1FF) * 8;
        std::uint64_t entry = mem_.get64(entry_pa);
        if (!(entry & kPresent)) {
            entry = mem_.allocateFrame() * kPage | kPresent | kWrite;
            mem_.put(entry_pa, entry);
        }
        table = entry & 0x000FFFFFFFFFF000ULL;
    }
    return table;
}

void PageTables::map4k(std::uint64_t va, std::uint64_t pfn, std::uint64_t flags) {
    setPte(va, pfn * kPage | flags);
}

void PageTables::setPte(std::uint64_t va, std::uint64_t raw) {
    mem_.put(tableFor(va, 3) + ((va >> 12) & 0x1FF) * 8, raw);
}

void PageTables::map2m(std::uint64_t va, std::uint64_t pa, bool pat) {
    mem_.put(tableFor(va, 2) + ((va >> 21) & 0x1FF) * 8,
             pa | kPresent | kWrite | kLarge | (pat ? kPatLarge : 0));
}

void PageTables::map1g(std::uint64_t va, std::uint64_t pa) {
    mem_.put(tableFor(va, 1) + ((va >> 30) & 0x1FF) * 8, pa | kPresent | kWrite | kLarge);
}

bool PageTables::mapped4k(std::uint64_t va) const {
    std::uint64_t table = pml4_;
    for (int l = 0; l < 4; ++l) {
        const unsigned shift = 39 - 9 * static_cast<unsigned>(l);
        const std::uint64_t entry = mem_.get64(table + ((va >> shift) & 0x1FF) * 8);
        if (!(entry & kPresent))
            return false;
        table = entry & 0x000FFFFFFFFFF000ULL;
    }
    return true;
}

std::uint64_t PageTables::clonePml4ForProcess() {
    const std::uint64_t pml4 = mem_.allocateFrame() * kPage;
    clones_.push_back(pml4);
    refreshClones();
    return pml4;
}

void PageTables::refreshClones() {
    for (const std::uint64_t pml4 : clones_) {
        for (unsigned i = 256; i < 512; ++i)
            mem_.put(pml4 + i * 8ULL, mem_.get64(pml4_ + i * 8ULL));
        // Its own self-reference entry, as every address space has (the kernel's names the
        // kernel's).
        mem_.put(pml4 + self_ref_index_ * 8ULL,
                 (mem_.get64(pml4_ + self_ref_index_ * 8ULL) & ~0x000FFFFFFFFFF000ULL) | pml4);
    }
}

void KernelMemory::touch(std::uint64_t va) {
    physicalOf(va);
}

std::uint64_t KernelMemory::physicalOf(std::uint64_t va) {
    const std::uint64_t vpage = va / kPage;
    auto it = backing_.find(vpage);
    if (it == backing_.end()) {
        const std::uint64_t pfn = mem_.allocateFrame();
        pt_.map4k(vpage * kPage, pfn);
        it = backing_.emplace(vpage, pfn).first;
    }
    return it->second * kPage + va % kPage;
}

void KernelMemory::write(std::uint64_t va, std::span<const std::uint8_t> bytes) {
    for (std::size_t done = 0; done < bytes.size();) {
        const std::uint64_t at = va + done;
        const std::size_t n =
            std::min(bytes.size() - done, static_cast<std::size_t>(kPage - at % kPage));
        mem_.write(physicalOf(at), bytes.subspan(done, n));
        done += n;
    }
}

void KernelMemory::setBit(std::uint64_t va, unsigned bit, bool value) {
    const std::uint64_t byte_va = va + bit / 8;
    auto& f = mem_.frame(physicalOf(byte_va) / kPage);
    auto& b = f[physicalOf(byte_va) % kPage];
    const auto mask = static_cast<std::uint8_t>(1u << (bit % 8));
    b = value ? static_cast<std::uint8_t>(b | mask) : static_cast<std::uint8_t>(b & ~mask);
}

} // namespace dumpgen
