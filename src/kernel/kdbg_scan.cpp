// KDBG without a header: the plain block's "KDBG" OwnerTag in physical memory. The Windows 8+
// encoded block of raw captures has no tag to find (see docs/raw-images.md).

#include <cstring>
#include <string_view>

#include "dumpprocs/kernel/raw_discovery.hpp"

namespace dumpprocs::kernel {
namespace {

constexpr std::uint32_t kMinKdbgSize = sizeof(KdDebuggerData64Layout);
constexpr std::uint32_t kMaxKdbgSize = 0x1000;
constexpr std::size_t kMaxKdbgHits = 64;

} // namespace

std::vector<std::uint64_t> findKdbgBlocks(const PhysicalMemory& memory) {
    std::vector<std::uint64_t> out;
    memory.forEachPresentRange([&](std::uint64_t, std::uint64_t, ByteView bytes) {
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        for (std::size_t at = text.find("KDBG"); at != std::string_view::npos && out.size() < kMaxKdbgHits;
             at = text.find("KDBG", at + 1)) {
            if (at % 8 != 0 || at < 0x10)
                continue;
            auto size = bytes.read<std::uint32_t>(at + 4);
            auto kern_base = bytes.read<std::uint64_t>(at + 8);
            if (!size || *size < kMinKdbgSize || *size > kMaxKdbgSize || *size % 8 != 0 ||
                !kern_base || !isKernelAddress(*kern_base))
                continue;
            out.push_back(bytes.base() + at - 0x10);
        }
    });
    return out;
}

Expected<KdDebuggerData> readKdbgPhysical(const PhysicalMemory& memory, const X64AddressSpace& as,
                                          std::uint64_t pa) {
    KdDebuggerData64Layout raw;
    DP_CHECK(readPhysical(memory, pa, std::as_writable_bytes(std::span(&raw, 1))));
    // The block's virtual address: its Header.List is on nt!KdpDebuggerDataListHead, so either
    // link, or the list head's link back, is the block itself.
    std::vector<std::uint64_t> guesses{raw.ListFlink, raw.ListBlink};
    if (auto back = as.read<std::uint64_t>(raw.ListFlink + 8))
        guesses.push_back(*back);
    if (auto forward = as.read<std::uint64_t>(raw.ListBlink))
        guesses.push_back(*forward);
    for (std::uint64_t va : guesses) {
        auto t = as.translate(va);
        if (t && t->physical == pa)
            return readKdbg(as, va);
    }
    return makeError(ErrorCode::NotFound,
                     "KDBG at physical {:#x}: none of its list links ({:#x}, {:#x}) leads to its "
                     "virtual address through this page-table root",
                     pa, raw.ListFlink, raw.ListBlink);
}

} // namespace dumpprocs::kernel
