#pragma once
// The ntoskrnl image as it lies in memory: its PE headers, sections and CodeView PDB identity.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/formats/pe.hpp"
#include "dumpprocs/kernel/profile.hpp"

namespace dumpprocs::kernel {

// SizeOfImage above this is no ntoskrnl (real ones are under 16 MiB); symbol RVAs are bounded too.
inline constexpr std::uint32_t kMaxKernelImageSize = 0x10000000; // 256 MiB

struct ImageSection {
    std::string name;
    std::uint32_t rva = 0;
    std::uint32_t virtual_size = 0;
    std::uint32_t characteristics = 0;
};

struct KernelImage {
    std::uint64_t base = 0;
    std::uint32_t size_of_image = 0;
    std::uint16_t machine = 0;
    std::uint32_t timestamp = 0;
    std::vector<ImageSection> sections;
    std::optional<PdbId> pdb;
    std::string pdb_name;
    std::string found_by; // "KDBG KernBase", "PsLoadedModuleList first entry"

    bool contains(std::uint64_t va) const { return va >= base && va - base < size_of_image; }
    // The section holding `va`, or nullptr (also when va is in the headers).
    const ImageSection* sectionOf(std::uint64_t va) const;
};

// The NT headers of a PE32+ image mapped at `base`, and where they are.
struct PeHeaders {
    formats::pe::NtHeaders64 nt;
    std::uint64_t address = 0; // base + e_lfanew
};
// Reads and checks the MZ header, e_lfanew (inside the first page) and the PE32+ signature and
// magic at `base`. Fails naming the address of whatever is wrong.
Expected<PeHeaders> readPeHeaders(const VirtualMemory& as, std::uint64_t base);

// Reads and checks the PE32+ headers at `base` (readPeHeaders, then a sane SizeOfImage), its
// sections and CodeView record. Fails naming the address of whatever is wrong.
Expected<KernelImage> readKernelImage(const VirtualMemory& as, std::uint64_t base);

// "BBED7C2955FBE4522AAA23F4B8677AD9": the symbol-server spelling of a GUID stored little-endian.
std::string formatPdbGuid(const std::uint8_t (&guid)[16]);

} // namespace dumpprocs::kernel
