#include <algorithm>
#include <cstring>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/formats/x64_paging.hpp"

namespace dumpprocs {
namespace {

using formats::pte::k1GFrameMask;
using formats::pte::k2MFrameMask;
using formats::pte::kFrameMask;
using formats::pte::kLargePage;
using formats::pte::kPresent;
using formats::pte::kPrototype;
using formats::pte::kTransition;
using formats::pte::kTransitionFrameMask;

constexpr const char* kLevelNames[] = {"PML4E", "PDPTE", "PDE", "PTE"};

Error notPresent(const char* level, std::uint64_t entry_pa, std::uint64_t va, std::uint64_t entry) {
    return makeError(ErrorCode::NotMapped,
                     "{:#x} is not mapped: {} at physical {:#x} is not present "
                     "({:#018x})",
                     va, level, entry_pa, entry);
}

// Classifies a PTE with P=0 (§5.3): transition pages are still in RAM and may be in the dump.
Expected<std::uint64_t> invalidPte(std::uint64_t entry, std::uint64_t entry_pa, std::uint64_t va) {
    if (entry & kPrototype)
        return makeError(ErrorCode::Prototype,
                         "{:#x} is not in the dump: prototype PTE {:#018x} at physical {:#x} "
                         "(the page belongs to a section)",
                         va, entry, entry_pa);
    if (entry & kTransition)
        return entry & kTransitionFrameMask;
    if ((entry >> 32) != 0)
        return makeError(ErrorCode::PagedOut,
                         "{:#x} is paged out: PTE {:#018x} at physical {:#x} points into a "
                         "pagefile, which a crash dump does not hold",
                         va, entry, entry_pa);
    return notPresent("PTE", entry_pa, va, entry);
}

// A cut-short file is the cause worth naming: ": file truncated at X (page would be at Y)".
std::string truncationDetail(const Error& e) {
    if (e.code != ErrorCode::Truncated)
        return "";
    const auto at = e.message.find(": file truncated");
    return at == std::string::npos ? ": the file is truncated" : e.message.substr(at);
}

} // namespace

X64AddressSpace::X64AddressSpace(const PhysicalMemory& memory, std::uint64_t directory_table_base)
    : memory_(&memory), dtb_(formats::pte::directoryTableFrame(directory_table_base)),
      cache_(kCacheSlots) {}

Expected<Translation> X64AddressSpace::translate(std::uint64_t va) const {
    if (!isCanonical(va))
        return makeError(ErrorCode::NonCanonical, "{:#x} is not a canonical address", va);
    const std::uint64_t vpage = va >> kPageShift;
    CacheSlot& slot = cache_[vpage % kCacheSlots];
    if (slot.vpage == vpage)
        return Translation{slot.ppage | (va & (kPageSize - 1)), slot.page_size, slot.via};

    std::uint64_t table = dtb_;
    for (int level = 0; level < 4; ++level) {
        const unsigned shift = 39 - 9 * static_cast<unsigned>(level);
        const std::uint64_t entry_pa = table + ((va >> shift) & 0x1FF) * 8;
        std::uint64_t entry = 0;
        if (auto copied = memory_->copyFromPage(entry_pa >> kPageShift, entry_pa & (kPageSize - 1),
                                                std::as_writable_bytes(std::span(&entry, 1)));
            !copied)
            return Error{copied.error().code,
                         fmt::format("{:#x}: the page table holding its {} (physical {:#x}) is not "
                                     "in the dump{}",
                                     va, kLevelNames[level], entry_pa,
                                     truncationDetail(copied.error()))};
        Translation t;
        if (!(entry & kPresent)) {
            if (level < 3)
                return notPresent(kLevelNames[level], entry_pa, va, entry);
            DP_TRY(std::uint64_t frame, invalidPte(entry, entry_pa, va));
            t = {frame | (va & 0xFFF), kPageSize, Translation::Via::Transition};
        } else if ((entry & kLargePage) && level == 1) {
            t = {(entry & k1GFrameMask) | (va & 0x3FFFFFFF), 0x40000000,
                 Translation::Via::Hardware};
        } else if ((entry & kLargePage) && level == 2) {
            t = {(entry & k2MFrameMask) | (va & 0x1FFFFF), 0x200000, Translation::Via::Hardware};
        } else if ((entry & kLargePage) && level == 0) {
            return makeError(ErrorCode::NotMapped,
                             "{:#x}: PML4E {:#018x} at physical {:#x} has the "
                             "reserved large-page bit set",
                             va, entry, entry_pa);
        } else if (level < 3) {
            table = entry & kFrameMask;
            continue;
        } else {
            t = {(entry & kFrameMask) | (va & 0xFFF), kPageSize, Translation::Via::Hardware};
        }
        slot = {vpage, t.physical & ~(kPageSize - 1), t.page_size, t.via};
        return t;
    }
    return makeError(ErrorCode::NotMapped, "{:#x}: translation did not finish", va);
}

void X64AddressSpace::prefetch(std::span<const VirtualRange> ranges) const {
    // The distinct virtual pages asked for.
    std::vector<std::uint64_t> vpages;
    for (const VirtualRange& r : ranges) {
        if (r.length == 0 || !isCanonical(r.va) || r.va + (r.length - 1) < r.va)
            continue;
        const std::uint64_t first = r.va >> kPageShift;
        const std::uint64_t last = (r.va + (r.length - 1)) >> kPageShift;
        for (std::uint64_t vp = first; vp <= last && vpages.size() < kMaxPrefetchPages; ++vp)
            vpages.push_back(vp);
    }
    std::sort(vpages.begin(), vpages.end());
    vpages.erase(std::unique(vpages.begin(), vpages.end()), vpages.end());

    // Walk them all down the four levels together: each level's table pages in one batch. What
    // cannot be translated is dropped here; translate() reports it when the page is read.
    struct Pending {
        std::uint64_t va;
        std::uint64_t table;
    };
    std::vector<std::uint64_t> data;
    std::vector<Pending> pending, next;
    for (const std::uint64_t vp : vpages) {
        const CacheSlot& slot = cache_[vp % kCacheSlots];
        if (slot.vpage == vp)
            data.push_back(slot.ppage >> kPageShift);
        else
            pending.push_back({vp << kPageShift, dtb_});
    }
    std::vector<std::uint64_t> frames;
    for (int level = 0; level < 4 && !pending.empty(); ++level) {
        const unsigned shift = 39 - 9 * static_cast<unsigned>(level);
        frames.clear();
        for (const Pending& p : pending)
            frames.push_back(p.table >> kPageShift);
        memory_->prefetchPages(frames);
        next.clear();
        for (const Pending& p : pending) {
            const std::uint64_t entry_pa = p.table + ((p.va >> shift) & 0x1FF) * 8;
            std::uint64_t entry = 0;
            if (!memory_->copyFromPage(entry_pa >> kPageShift, entry_pa & (kPageSize - 1),
                                       std::as_writable_bytes(std::span(&entry, 1))))
                continue;
            if (!(entry & kPresent)) {
                if (level == 3 && !(entry & kPrototype) && (entry & kTransition))
                    data.push_back((entry & kTransitionFrameMask) >> kPageShift);
            } else if ((entry & kLargePage) && level == 1) {
                data.push_back(((entry & k1GFrameMask) | (p.va & 0x3FFFFFFF)) >> kPageShift);
            } else if ((entry & kLargePage) && level == 2) {
                data.push_back(((entry & k2MFrameMask) | (p.va & 0x1FFFFF)) >> kPageShift);
            } else if ((entry & kLargePage) && level == 0) {
                // reserved bit: translate() says so
            } else if (level < 3) {
                next.push_back({p.va, entry & kFrameMask});
            } else {
                data.push_back((entry & kFrameMask) >> kPageShift);
            }
        }
        pending.swap(next);
    }
    memory_->prefetchPages(data);
}

Expected<void> X64AddressSpace::read(std::uint64_t va, std::span<std::byte> out) const {
    std::size_t done = 0;
    while (done < out.size()) {
        const std::uint64_t at = va + done;
        DP_TRY(const Translation t, translate(at));
        const std::size_t offset = static_cast<std::size_t>(t.physical & (kPageSize - 1));
        const std::size_t n =
            std::min(out.size() - done, static_cast<std::size_t>(kPageSize) - offset);
        if (auto copied =
                memory_->copyFromPage(t.physical >> kPageShift, offset, out.subspan(done, n));
            !copied)
            return Error{
                copied.error().code,
                fmt::format("{:#x} maps to physical {:#x}{}, which is not in the dump{}", at,
                            t.physical,
                            t.via == Translation::Via::Transition ? " (transition page)" : "",
                            truncationDetail(copied.error()))};
        done += n;
    }
    return {};
}

} // namespace dumpprocs
