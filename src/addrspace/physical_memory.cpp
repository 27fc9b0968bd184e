#include "dumpprocs/addrspace/physical_memory.hpp"

#include <algorithm>
#include <cstring>

namespace dumpprocs {

Expected<void> readPhysical(const PhysicalMemory& memory, std::uint64_t pa,
                            std::span<std::byte> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const std::uint64_t at = pa + done;
        DP_TRY(ByteView page, memory.page(at >> kPageShift));
        const std::size_t offset = static_cast<std::size_t>(at & (kPageSize - 1));
        const std::size_t n = std::min(out.size() - done, static_cast<std::size_t>(kPageSize) - offset);
        std::memcpy(out.data() + done, page.data() + offset, n);
        done += n;
    }
    return {};
}

} // namespace dumpprocs
