#pragma once
// The physical memory of a synthetic machine and the page tables over it. Sparse: only the frames
// that something was written to exist, so a dump holds only what is used.

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace dumpgen {

constexpr std::uint64_t kPage = 0x1000;
using Page = std::array<std::uint8_t, kPage>;

// Where PhysicalImage::allocateFrame() puts its n-th frame (a collision is retried with n+1).
// Empty: frames are packed from PFN 0x100 up. A big machine's placement scatters them over its
// whole RAM, as a real server's pool pages are.
using FramePlacement = std::function<std::uint64_t(std::uint64_t n)>;

class PhysicalImage {
  public:
    explicit PhysicalImage(FramePlacement placement = {}) : placement_(std::move(placement)) {}
    // A fresh zeroed frame from the bump allocator (or the placement).
    std::uint64_t allocateFrame();
    // Makes sure frame `pfn` exists (zeroed) and returns it.
    Page& frame(std::uint64_t pfn) { return frames_[pfn]; }
    bool has(std::uint64_t pfn) const { return frames_.count(pfn) != 0; }
    void write(std::uint64_t pa, std::span<const std::uint8_t> bytes);
    template <typename T> void put(std::uint64_t pa, T value) {
        write(pa, std::span(reinterpret_cast<const std::uint8_t*>(&value), sizeof(T)));
    }
    std::uint64_t get64(std::uint64_t pa) const;
    const std::map<std::uint64_t, Page>& frames() const { return frames_; }
    void setNextFrame(std::uint64_t pfn) { next_ = pfn; }

  private:
    std::map<std::uint64_t, Page> frames_;
    std::uint64_t next_ = 0x100; // low memory left alone, as firmware would
    FramePlacement placement_;
    std::uint64_t placed_ = 0; // frames asked of the placement so far
};

// x64 4-level page tables (dump-format.md §5.1).
class PageTables {
  public:
    static constexpr std::uint64_t kPresent = 1, kWrite = 2, kLarge = 0x80, kPat4k = 0x80,
                                   kPatLarge = 0x1000, kNx = 1ULL << 63;

    PageTables(PhysicalImage& mem, unsigned self_ref_index);
    std::uint64_t pml4() const { return pml4_; }

    void map4k(std::uint64_t va, std::uint64_t pfn, std::uint64_t flags = kPresent | kWrite);
    void map2m(std::uint64_t va, std::uint64_t pa, bool pat = false);
    void map1g(std::uint64_t va, std::uint64_t pa);
    // Writes a raw PTE (transition, prototype, paged-out entries) for a 4 KiB page.
    void setPte(std::uint64_t va, std::uint64_t raw);
    bool mapped4k(std::uint64_t va) const;
    // A new top-level table that shares the kernel half (entries 256..511) but for its own
    // self-reference entry, as every process has.
    std::uint64_t clonePml4ForProcess();
    // Copies the kernel half into every clone again: top-level entries the kernel gained after a
    // process was made are in every address space (Windows shares them from the start).
    void refreshClones();

  private:
    std::uint64_t tableFor(std::uint64_t va, int level); // physical address of the table
    PhysicalImage& mem_;
    unsigned self_ref_index_;
    std::uint64_t pml4_;
    std::vector<std::uint64_t> clones_;
};

// Writes at kernel virtual addresses, backing each touched 4 KiB page with a new frame.
class KernelMemory {
  public:
    KernelMemory(PhysicalImage& mem, PageTables& pt) : mem_(mem), pt_(pt) {}
    void write(std::uint64_t va, std::span<const std::uint8_t> bytes);
    template <typename T> void put(std::uint64_t va, T value) {
        write(va, std::span(reinterpret_cast<const std::uint8_t*>(&value), sizeof(T)));
    }
    void putBytes(std::uint64_t va, const std::string& text) {
        write(va, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    }
    void setBit(std::uint64_t va, unsigned bit, bool value = true);
    // Makes sure the page of `va` is mapped (zeroed) without writing.
    void touch(std::uint64_t va);
    std::uint64_t physicalOf(std::uint64_t va);

  private:
    PhysicalImage& mem_;
    PageTables& pt_;
    std::map<std::uint64_t, std::uint64_t> backing_; // virtual page -> pfn
};

} // namespace dumpgen
