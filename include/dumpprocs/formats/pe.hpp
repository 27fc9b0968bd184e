#pragma once
// On-image PE32+ structures the kernel-image reader needs (Microsoft PE/COFF specification),
// declared once with their offsets checked at compile time.

#include <cstddef>
#include <cstdint>

#include "dumpprocs/formats/nt.hpp"

namespace dumpprocs::formats::pe {

using formats::kMachineAmd64;                      // IMAGE_FILE_MACHINE_AMD64, formats/nt.hpp
inline constexpr std::uint16_t kDosMagic = 0x5A4D; // "MZ"
inline constexpr std::uint32_t kNtSignature = 0x00004550; // "PE\0\0"
inline constexpr std::uint16_t kPe32PlusMagic = 0x20B;
inline constexpr std::uint32_t kDebugTypeCodeView = 2;
inline constexpr std::uint32_t kCodeViewRsds = 0x53445352; // "RSDS"
inline constexpr unsigned kDebugDirectoryIndex = 6;

struct DosHeader {
    std::uint16_t e_magic;
    std::uint8_t unused[0x3A];
    std::uint32_t e_lfanew;
};
static_assert(sizeof(DosHeader) == 0x40 && offsetof(DosHeader, e_lfanew) == 0x3C);

struct FileHeader {
    std::uint16_t Machine;
    std::uint16_t NumberOfSections;
    std::uint32_t TimeDateStamp;
    std::uint32_t PointerToSymbolTable;
    std::uint32_t NumberOfSymbols;
    std::uint16_t SizeOfOptionalHeader;
    std::uint16_t Characteristics;
};
static_assert(sizeof(FileHeader) == 0x14 && offsetof(FileHeader, SizeOfOptionalHeader) == 0x10);

struct DataDirectory {
    std::uint32_t VirtualAddress;
    std::uint32_t Size;
};

// The fields of IMAGE_OPTIONAL_HEADER64 up to and including the data directories.
struct OptionalHeader64 {
    std::uint16_t Magic;
    std::uint8_t MajorLinkerVersion, MinorLinkerVersion;
    std::uint32_t SizeOfCode, SizeOfInitializedData, SizeOfUninitializedData;
    std::uint32_t AddressOfEntryPoint, BaseOfCode;
    std::uint64_t ImageBase;
    std::uint32_t SectionAlignment, FileAlignment;
    std::uint16_t MajorOperatingSystemVersion, MinorOperatingSystemVersion;
    std::uint16_t MajorImageVersion, MinorImageVersion;
    std::uint16_t MajorSubsystemVersion, MinorSubsystemVersion;
    std::uint32_t Win32VersionValue, SizeOfImage, SizeOfHeaders, CheckSum;
    std::uint16_t Subsystem, DllCharacteristics;
    std::uint64_t SizeOfStackReserve, SizeOfStackCommit, SizeOfHeapReserve, SizeOfHeapCommit;
    std::uint32_t LoaderFlags, NumberOfRvaAndSizes;
    DataDirectory DataDirectories[16];
};
static_assert(offsetof(OptionalHeader64, ImageBase) == 0x18);
static_assert(offsetof(OptionalHeader64, SizeOfImage) == 0x38);
static_assert(offsetof(OptionalHeader64, NumberOfRvaAndSizes) == 0x6C);
static_assert(offsetof(OptionalHeader64, DataDirectories) == 0x70);
static_assert(sizeof(OptionalHeader64) == 0xF0);

struct NtHeaders64 {
    std::uint32_t Signature;
    FileHeader File;
    OptionalHeader64 Optional;
};
static_assert(offsetof(NtHeaders64, Optional) == 0x18);

struct SectionHeader {
    char Name[8];
    std::uint32_t VirtualSize;
    std::uint32_t VirtualAddress;
    std::uint32_t SizeOfRawData;
    std::uint32_t PointerToRawData;
    std::uint32_t PointerToRelocations;
    std::uint32_t PointerToLinenumbers;
    std::uint16_t NumberOfRelocations;
    std::uint16_t NumberOfLinenumbers;
    std::uint32_t Characteristics;
};
static_assert(sizeof(SectionHeader) == 40 && offsetof(SectionHeader, Characteristics) == 0x24);

struct DebugDirectory {
    std::uint32_t Characteristics;
    std::uint32_t TimeDateStamp;
    std::uint16_t MajorVersion, MinorVersion;
    std::uint32_t Type;
    std::uint32_t SizeOfData;
    std::uint32_t AddressOfRawData;
    std::uint32_t PointerToRawData;
};
static_assert(sizeof(DebugDirectory) == 28 && offsetof(DebugDirectory, AddressOfRawData) == 0x14);

struct CodeViewRsdsHeader {
    std::uint32_t Signature; // "RSDS"
    std::uint8_t Guid[16];   // GUID: u32 Data1, u16 Data2, u16 Data3, u8 Data4[8] (little-endian)
    std::uint32_t Age;
    // followed by the NUL-terminated PDB file name
};
static_assert(sizeof(CodeViewRsdsHeader) == 24 && offsetof(CodeViewRsdsHeader, Age) == 0x14);

} // namespace dumpprocs::formats::pe
