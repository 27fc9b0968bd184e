#pragma once
// FlatPhysicalMemory: physical memory laid out flat in one buffer (byte n of the buffer is
// physical address n), with the present pages given as runs. The shape of a raw memory image;
// used by the pool-scan tests and benchmark to make large synthetic images cheaply.

#include <cstdint>
#include <vector>

#include "dumpprocs/memory/physical_memory.hpp"

namespace dumpprocs {

struct PageRun {
    std::uint64_t first_pfn = 0;
    std::uint64_t pages = 0;
};

class FlatPhysicalMemory final : public PhysicalMemory {
  public:
    // `bytes` must outlive the object; runs past its end are clipped. Runs ascending, disjoint.
    FlatPhysicalMemory(ByteView bytes, std::vector<PageRun> present);
    explicit FlatPhysicalMemory(ByteView bytes) // every page present
        : FlatPhysicalMemory(bytes, {PageRun{0, bytes.size() / kPageSize}}) {}

    Expected<ByteView> page(std::uint64_t pfn) const override;
    std::uint64_t pageSpan() const override;
    std::uint64_t presentPageCount() const override;
    void forEachPresentRange(
        const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const override;

  private:
    ByteView bytes_;
    std::vector<PageRun> runs_;
};

} // namespace dumpprocs
