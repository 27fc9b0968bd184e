// KDBG without a header: the plain block's "KDBG" OwnerTag in physical memory. The Windows 8+
// encoded block of raw captures has no tag to find (see docs/raw-images.md).

#include <cstddef>
#include <cstring>
#include <string_view>

#include "dumpprocs/formats/kdbg.hpp"
#include "dumpprocs/kernel/kdbg_scan.hpp"
#include "dumpprocs/kernel/kernel_image.hpp"

namespace dumpprocs::kernel {
namespace {

constexpr std::uint32_t kMinKdbgSize = sizeof(KdDebuggerData64Layout);
constexpr std::uint32_t kMaxKdbgSize = 0x1000;
constexpr std::size_t kMaxKdbgHits = 64;
constexpr std::uint32_t kSectionExecutable = 0x20000000;
constexpr std::size_t kOperandWindow = 0x60; // bytes after the cmp where the loads are looked for
constexpr std::size_t kMaxCmpSites = 4096;
// Where the "KDBG" OwnerTag and the fields after it lie in the block.
constexpr std::size_t kOwnerTagOffset = offsetof(KdDebuggerData64Layout, OwnerTag);
constexpr std::size_t kSizeAfterTag = offsetof(KdDebuggerData64Layout, Size) - kOwnerTagOffset;
constexpr std::size_t kKernBaseAfterTag =
    offsetof(KdDebuggerData64Layout, KernBase) - kOwnerTagOffset;

std::uint64_t rol64(std::uint64_t v, unsigned n) {
    n &= 63;
    return n ? (v << n) | (v >> (64 - n)) : v;
}

// A RIP-relative operand at `code[i]`: REX.W (0x48/0x4C), `opcode`, ModRM with mod=00 rm=101.
std::optional<std::uint64_t> ripTarget(std::span<const std::byte> code, std::size_t i,
                                       std::uint8_t opcode, std::uint64_t va_of_code) {
    if (i + 7 > code.size())
        return std::nullopt;
    const auto rex = static_cast<std::uint8_t>(code[i]);
    const auto op = static_cast<std::uint8_t>(code[i + 1]);
    const auto modrm = static_cast<std::uint8_t>(code[i + 2]);
    if ((rex != 0x48 && rex != 0x4C) || op != opcode || (modrm & 0xC7) != 0x05)
        return std::nullopt;
    std::int32_t d;
    std::memcpy(&d, code.data() + i + 3, 4);
    return va_of_code + i + 7 + static_cast<std::uint64_t>(static_cast<std::int64_t>(d));
}

// The operands after one `cmp byte [rip+x], 0` at code[at]: the first two 64-bit loads (mov or
// xor) and the first lea.
std::optional<KdbgEncoding> operandsAfter(std::span<const std::byte> code, std::size_t at,
                                          std::uint64_t va_of_code) {
    std::int32_t d;
    std::memcpy(&d, code.data() + at + 2, 4); // cmp byte [rip+d], imm8: 80 3D d32 ib
    KdbgEncoding e;
    e.code = va_of_code + at;
    e.encoded_flag = va_of_code + at + 7 + static_cast<std::uint64_t>(static_cast<std::int64_t>(d));
    std::vector<std::uint64_t> loads;
    std::optional<std::uint64_t> lea;
    const std::size_t end = std::min(code.size(), at + 7 + kOperandWindow);
    for (std::size_t i = at + 7; i < end; ++i) {
        if (auto t = ripTarget(code, i, 0x8B, va_of_code); t && loads.size() < 2)
            loads.push_back(*t);
        else if (auto x = ripTarget(code, i, 0x33, va_of_code); x && loads.size() < 2)
            loads.push_back(*x);
        else if (auto l = ripTarget(code, i, 0x8D, va_of_code); l && !lea)
            lea = *l;
    }
    if (loads.size() < 2 || !lea)
        return std::nullopt;
    e.wait_never = loads[0]; // addresses for now; the caller reads the values
    e.wait_always = loads[1];
    e.block = *lea;
    return e;
}

// Decodes and checks one candidate; the loads may come in either order. On success `e` holds the
// values of KiWaitNever and KiWaitAlways instead of their addresses.
Expected<KdDebuggerData> tryDecode(const VirtualMemory& as, KdbgEncoding& e) {
    DP_TRY(std::uint64_t first, as.read<std::uint64_t>(e.wait_never));
    DP_TRY(std::uint64_t second, as.read<std::uint64_t>(e.wait_always));
    DP_TRY(std::uint64_t tag_size, as.read<std::uint64_t>(e.block + kOwnerTagOffset));
    for (int order = 0; order < 2; ++order) {
        e.wait_never = order == 0 ? first : second;
        e.wait_always = order == 0 ? second : first;
        const std::uint64_t plain = decodeKdbgQword(tag_size, e);
        const auto size = static_cast<std::uint32_t>(plain >> 32);
        if (static_cast<std::uint32_t>(plain) != kKdbgOwnerTag || size < kMinKdbgSize ||
            size > kMaxKdbgSize || size % 8 != 0)
            continue;
        DP_TRY(auto bytes, as.readBytes(e.block, size));
        for (std::size_t i = 0; i + 8 <= bytes.size(); i += 8) {
            std::uint64_t q;
            std::memcpy(&q, bytes.data() + i, 8);
            q = decodeKdbgQword(q, e);
            std::memcpy(bytes.data() + i, &q, 8);
        }
        return parseKdbg(bytes, e.block);
    }
    e.wait_never = first;
    e.wait_always = second;
    return makeError(ErrorCode::InvalidData, "the block at {:#x} does not decode to a KDBG tag",
                     e.block);
}

} // namespace

std::vector<std::uint64_t> findKdbgBlocks(const PhysicalMemory& memory) {
    std::vector<std::uint64_t> out;
    memory.forEachPresentRange([&](std::uint64_t, std::uint64_t, ByteView bytes) {
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        for (std::size_t at = text.find("KDBG");
             at != std::string_view::npos && out.size() < kMaxKdbgHits;
             at = text.find("KDBG", at + 1)) {
            if (at % 8 != 0 || at < kOwnerTagOffset)
                continue;
            auto size = bytes.read<std::uint32_t>(at + kSizeAfterTag);
            auto kern_base = bytes.read<std::uint64_t>(at + kKernBaseAfterTag);
            if (!size || *size < kMinKdbgSize || *size > kMaxKdbgSize || *size % 8 != 0 ||
                !kern_base || !isKernelAddress(*kern_base))
                continue;
            out.push_back(bytes.base() + at - kOwnerTagOffset);
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

std::uint64_t decodeKdbgQword(std::uint64_t q, const KdbgEncoding& e) {
    q ^= e.wait_never;
    q = rol64(q, static_cast<unsigned>(e.wait_never & 0xFF));
    q ^= e.encoded_flag;
    q = __builtin_bswap64(q);
    return q ^ e.wait_always;
}

Expected<KdDebuggerData> readEncodedKdbg(const VirtualMemory& as, std::uint64_t kernel_base,
                                         KdbgEncoding& found) {
    DP_TRY(auto image, readKernelImage(as, kernel_base));
    std::size_t sites = 0;
    for (const auto& section : image.sections) {
        // Executable sections; a section named .text counts even without the flag.
        if (!(section.characteristics & kSectionExecutable) && section.name != ".text")
            continue;
        const std::uint64_t start = image.base + section.rva;
        for (std::uint64_t page = start; page < start + section.virtual_size; page += kPageSize) {
            // Two pages at a time, so operands just past a page boundary are seen.
            auto code = as.readBytes(page, 2 * kPageSize);
            if (!code)
                code = as.readBytes(page, kPageSize);
            if (!code)
                continue;
            for (std::size_t i = 0; i + 7 <= std::min<std::size_t>(code->size(), kPageSize); ++i) {
                if (code->at(i) != std::byte{0x80} || code->at(i + 1) != std::byte{0x3D} ||
                    code->at(i + 6) != std::byte{0x00})
                    continue;
                if (++sites > kMaxCmpSites)
                    break;
                auto e = operandsAfter(*code, i, page);
                if (!e)
                    continue;
                auto k = tryDecode(as, *e);
                if (!k)
                    continue;
                found = *e;
                return k;
            }
        }
    }
    return makeError(ErrorCode::NotFound,
                     "no KdCopyDataBlock found in the executable sections of the kernel at {:#x} "
                     "({} cmp-byte sites looked at)",
                     kernel_base, sites);
}

} // namespace dumpprocs::kernel
