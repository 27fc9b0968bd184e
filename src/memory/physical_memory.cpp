#include "dumpprocs/memory/physical_memory.hpp"

#include <algorithm>
#include <cstring>

namespace dumpprocs {

Expected<void> PhysicalMemory::copyFromPage(std::uint64_t pfn, std::size_t offset,
                                            std::span<std::byte> out) const {
    DP_TRY(ByteView bytes, page(pfn));
    DP_TRY(ByteView part, bytes.slice(offset, out.size()));
    std::memcpy(out.data(), part.data(), out.size());
    return {};
}

Expected<void> readPhysical(const PhysicalMemory& memory, std::uint64_t pa,
                            std::span<std::byte> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const std::uint64_t at = pa + done;
        const std::size_t offset = static_cast<std::size_t>(at & (kPageSize - 1));
        const std::size_t n =
            std::min(out.size() - done, static_cast<std::size_t>(kPageSize) - offset);
        DP_CHECK(memory.copyFromPage(at >> kPageShift, offset, out.subspan(done, n)));
        done += n;
    }
    return {};
}

} // namespace dumpprocs
