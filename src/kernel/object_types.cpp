#include "dumpprocs/kernel/object_types.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "dumpprocs/kernel/profile_manifest.hpp"

namespace dumpprocs::kernel {
namespace {

// Windows puts this value in ObTypeIndexTable[1] (slot 0 is null): types start at index 2.
constexpr std::uint64_t kTypeTableSentinel = 0xbad0b0b0;
constexpr unsigned kMaxTypes = 256; // TypeIndex is one byte
// _UNICODE_STRING on x64: Length at +0, Buffer at +8.
constexpr std::uint32_t kUnicodeLength = 0, kUnicodeBuffer = 8;
constexpr std::uint16_t kMaxTypeName = 64;

std::optional<std::string> typeName(const KernelContext& k, std::uint64_t type) {
    const auto& as = k.addressSpace();
    const std::uint32_t at = *k.layout().object_type.name;
    auto length = as.read<std::uint16_t>(type + at + kUnicodeLength);
    auto buffer = as.read<std::uint64_t>(type + at + kUnicodeBuffer);
    if (!length || !buffer || *length > kMaxTypeName || (*length & 1))
        return std::nullopt;
    std::vector<std::byte> bytes(*length);
    if (!as.read(*buffer, bytes))
        return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
        out += static_cast<char>(bytes[i]);
    return out;
}

// How many slots from 2 on hold an _OBJECT_TYPE whose Index is the slot (0: not the table).
unsigned typedSlots(const KernelContext& k, std::uint64_t table) {
    const auto& as = k.addressSpace();
    unsigned n = 0;
    for (unsigned i = 2; i < kMaxTypes; ++i) {
        auto type = as.read<std::uint64_t>(table + 8ULL * i);
        if (!type || !isKernelAddress(*type))
            break;
        auto index = as.read<std::uint8_t>(*type + *k.layout().object_type.index);
        if (!index || *index != i)
            break;
        ++n;
    }
    return n;
}

Expected<std::pair<std::uint64_t, std::string>> findIndexTable(const KernelContext& k) {
    const auto& image = k.kernelImage();
    if (!image)
        return makeError(ErrorCode::NotFound, "the kernel image was not found");
    if (auto rva = symbolRva(k.profile(), KernelSymbol::ObTypeIndexTable))
        if (typedSlots(k, image->base + *rva) > 0)
            return std::pair{image->base + *rva, std::string("ISF symbol")};
    for (const auto& section : image->sections) {
        if (section.name != ".data")
            continue;
        const std::uint64_t start = image->base + section.rva;
        std::vector<std::uint64_t> words(section.virtual_size / 8);
        std::vector<std::byte> bytes(words.size() * 8);
        // Page by page: a page the dump lacks leaves zeros, which never look like the table.
        for (std::size_t at = 0; at < bytes.size(); at += kPageSize) {
            const std::size_t n = std::min<std::size_t>(kPageSize, bytes.size() - at);
            (void)k.addressSpace().read(start + at, std::span(bytes).subspan(at, n));
        }
        std::memcpy(words.data(), bytes.data(), bytes.size());
        for (std::size_t i = 1; i < words.size(); ++i)
            if (words[i] == kTypeTableSentinel && words[i - 1] == 0 &&
                typedSlots(k, start + 8 * (i - 1)) >= 2)
                return std::pair{start + 8 * (i - 1),
                                 std::string("its shape in .data (null, 0xbad0b0b0, then types "
                                             "whose Index is their slot)")};
    }
    return makeError(
        ErrorCode::NotFound,
        "nt!ObTypeIndexTable is not in the symbol data and no table of its shape is in "
        "the kernel's .data");
}

} // namespace

Expected<ProcessTypeCounts> findProcessTypeCounts(const KernelContext& k) {
    const auto& t = k.layout().object_type;
    if (!t.name || !t.index || !t.total_objects || !t.total_handles)
        return makeError(ErrorCode::NotFound,
                         "profile {} lacks _OBJECT_TYPE.Name, Index or the object counts",
                         k.profile().name);
    DP_TRY(const auto table, findIndexTable(k));
    const unsigned slots = typedSlots(k, table.first);
    for (unsigned i = 2; i < 2 + slots; ++i) {
        auto type = k.addressSpace().read<std::uint64_t>(table.first + 8ULL * i);
        if (!type || typeName(k, *type) != "Process")
            continue;
        auto objects = k.addressSpace().read<std::uint32_t>(*type + *t.total_objects);
        auto handles = k.addressSpace().read<std::uint32_t>(*type + *t.total_handles);
        if (!objects || !handles)
            return makeError(ErrorCode::NotFound,
                             "the Process type object at {:#x}: counts not "
                             "readable",
                             *type);
        return ProcessTypeCounts{
            *type, table.first, *objects, *handles,
            fmt::format("nt!ObTypeIndexTable at {:#x} by {}", table.first, table.second)};
    }
    return makeError(ErrorCode::NotFound,
                     "nt!ObTypeIndexTable at {:#x} ({} types) has no type named \"Process\"",
                     table.first, slots);
}

} // namespace dumpprocs::kernel
