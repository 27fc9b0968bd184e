#include "dumpprocs/addrspace/flat_physical_memory.hpp"

#include <algorithm>

namespace dumpprocs {

FlatPhysicalMemory::FlatPhysicalMemory(ByteView bytes, std::vector<PageRun> present)
    : bytes_(bytes) {
    const std::uint64_t held = bytes.size() / kPageSize;
    for (const auto& run : present) {
        if (run.first_pfn >= held)
            continue;
        const std::uint64_t pages = std::min(run.pages, held - run.first_pfn);
        if (pages)
            runs_.push_back(PageRun{run.first_pfn, pages});
    }
}

Expected<ByteView> FlatPhysicalMemory::page(std::uint64_t pfn) const {
    auto it = std::upper_bound(runs_.begin(), runs_.end(), pfn,
                               [](std::uint64_t p, const PageRun& r) { return p < r.first_pfn; });
    if (it == runs_.begin() || pfn >= std::prev(it)->first_pfn + std::prev(it)->pages)
        return makeError(ErrorCode::PageNotInDump, "physical page {:#x} is not in the image",
                         pfn * kPageSize);
    auto bytes = bytes_.slice(pfn * kPageSize, kPageSize);
    if (!bytes)
        return bytes.error();
    return ByteView(bytes->data(), kPageSize, pfn * kPageSize, "physical address");
}

std::uint64_t FlatPhysicalMemory::pageSpan() const {
    return runs_.empty() ? 0 : runs_.back().first_pfn + runs_.back().pages;
}

std::uint64_t FlatPhysicalMemory::presentPageCount() const {
    std::uint64_t total = 0;
    for (const auto& r : runs_)
        total += r.pages;
    return total;
}

void FlatPhysicalMemory::forEachPresentRange(
    const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const {
    for (const auto& r : runs_)
        if (auto bytes = bytes_.slice(r.first_pfn * kPageSize, r.pages * kPageSize))
            visit(r.first_pfn, r.pages,
                  ByteView(bytes->data(), bytes->size(), r.first_pfn * kPageSize,
                           "physical address"));
}

} // namespace dumpprocs
