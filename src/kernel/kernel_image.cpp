#include "dumpprocs/kernel/kernel_image.hpp"

#include <array>
#include <cstring>

#include "dumpprocs/formats/pe.hpp"
#include "dumpprocs/support/text.hpp"

namespace dumpprocs::kernel {

namespace pe = formats::pe;
namespace {

constexpr std::uint32_t kMaxHeaderOffset = 0x1000; // e_lfanew beyond the first page: no image
constexpr std::uint16_t kMaxSections = 96;         // PE/COFF limit

Expected<std::vector<ImageSection>> readSections(const VirtualMemory& as, std::uint64_t table,
                                                 std::uint16_t count) {
    std::vector<ImageSection> sections;
    for (std::uint16_t i = 0; i < count; ++i) {
        DP_TRY(auto raw, as.read<pe::SectionHeader>(table + i * sizeof(pe::SectionHeader)));
        ImageSection s;
        s.name = escapeBytes(std::string_view(raw.Name, sizeof(raw.Name))); // bytes of the dump
        s.rva = raw.VirtualAddress;
        s.virtual_size = raw.VirtualSize ? raw.VirtualSize : raw.SizeOfRawData;
        s.characteristics = raw.Characteristics;
        sections.push_back(std::move(s));
    }
    return sections;
}

// Finds the CodeView RSDS record through the debug directory; absent is not an error.
void readCodeView(const VirtualMemory& as, KernelImage& image, const pe::DataDirectory& dir) {
    if (dir.VirtualAddress == 0 || dir.Size < sizeof(pe::DebugDirectory) ||
        dir.VirtualAddress >= image.size_of_image)
        return;
    const std::uint32_t entries =
        std::min<std::uint32_t>(dir.Size / sizeof(pe::DebugDirectory), 32);
    for (std::uint32_t i = 0; i < entries; ++i) {
        auto entry = as.read<pe::DebugDirectory>(image.base + dir.VirtualAddress +
                                                 i * sizeof(pe::DebugDirectory));
        if (!entry || entry->Type != pe::kDebugTypeCodeView)
            continue;
        auto rsds = as.read<pe::CodeViewRsdsHeader>(image.base + entry->AddressOfRawData);
        if (!rsds || rsds->Signature != pe::kCodeViewRsds)
            continue;
        image.pdb = PdbId{formatPdbGuid(rsds->Guid), rsds->Age};
        std::array<char, 64> name{};
        const std::uint64_t name_va = image.base + entry->AddressOfRawData + sizeof(*rsds);
        if (as.read(name_va, std::as_writable_bytes(std::span(name.data(), name.size() - 1))))
            image.pdb_name = escapeBytes(std::string_view(name.data(), name.size()));
        return;
    }
}

} // namespace

const ImageSection* KernelImage::sectionOf(std::uint64_t va) const {
    if (!contains(va))
        return nullptr;
    const std::uint64_t rva = va - base;
    for (const auto& s : sections)
        if (rva >= s.rva && rva - s.rva < s.virtual_size)
            return &s;
    return nullptr;
}

std::string formatPdbGuid(const std::uint8_t (&g)[16]) {
    std::uint32_t data1;
    std::uint16_t data2, data3;
    std::memcpy(&data1, g, 4);
    std::memcpy(&data2, g + 4, 2);
    std::memcpy(&data3, g + 6, 2);
    std::string out = fmt::format("{:08X}{:04X}{:04X}", data1, data2, data3);
    for (int i = 8; i < 16; ++i)
        out += fmt::format("{:02X}", g[i]);
    return out;
}

Expected<PeHeaders> readPeHeaders(const VirtualMemory& as, std::uint64_t base) {
    DP_TRY(auto dos, as.read<pe::DosHeader>(base));
    if (dos.e_magic != pe::kDosMagic)
        return makeError(ErrorCode::InvalidData, "no MZ header at image base {:#x}", base);
    if (dos.e_lfanew == 0 || dos.e_lfanew > kMaxHeaderOffset)
        return makeError(ErrorCode::InvalidData, "image at {:#x}: e_lfanew {:#x} is absurd", base,
                         dos.e_lfanew);
    DP_TRY(auto nt, as.read<pe::NtHeaders64>(base + dos.e_lfanew));
    if (nt.Signature != pe::kNtSignature || nt.Optional.Magic != pe::kPe32PlusMagic)
        return makeError(ErrorCode::InvalidData, "image at {:#x}: no PE32+ header at {:#x}", base,
                         base + dos.e_lfanew);
    return PeHeaders{nt, base + dos.e_lfanew};
}

Expected<KernelImage> readKernelImage(const VirtualMemory& as, std::uint64_t base) {
    DP_TRY(const PeHeaders headers, readPeHeaders(as, base));
    const pe::NtHeaders64& nt = headers.nt;
    if (nt.Optional.SizeOfImage == 0 || nt.Optional.SizeOfImage > kMaxKernelImageSize)
        return makeError(ErrorCode::InvalidData,
                         "kernel image at {:#x}: SizeOfImage {:#x} is absurd", base,
                         nt.Optional.SizeOfImage);
    KernelImage image;
    image.base = base;
    image.size_of_image = nt.Optional.SizeOfImage;
    image.machine = nt.File.Machine;
    image.timestamp = nt.File.TimeDateStamp;
    const std::uint64_t section_table =
        headers.address + offsetof(pe::NtHeaders64, Optional) + nt.File.SizeOfOptionalHeader;
    DP_TRY(image.sections,
           readSections(as, section_table, std::min(nt.File.NumberOfSections, kMaxSections)));
    if (nt.Optional.NumberOfRvaAndSizes > pe::kDebugDirectoryIndex)
        readCodeView(as, image, nt.Optional.DataDirectories[pe::kDebugDirectoryIndex]);
    return image;
}

} // namespace dumpprocs::kernel
