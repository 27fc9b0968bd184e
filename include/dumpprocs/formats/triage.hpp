#pragma once
// On-disk layouts of the triage ("mini kernel", DumpType 4) dump: TRIAGE_DUMP64 at 0x2000 and the
// tables it points at, declared once with their offsets checked at compile time
// (data/reference/dump-format.md §2.5, ntiodump.h).

#include <cstddef>
#include <cstdint>

namespace dumpprocs::formats {

inline constexpr std::uint64_t kTriageHeaderOffset = 0x2000; // after DUMP_HEADER64

// TRIAGE_DUMP64 at 0x2000 of triage dumps (type 4), §2.5; offsets are absolute file offsets.
struct TriageDump64 {
    std::uint32_t ServicePackBuild, SizeOfDump, ValidOffset, ContextOffset, ExceptionOffset,
        MmOffset, UnloadedDriversOffset, PrcbOffset, ProcessOffset, ThreadOffset, CallStackOffset,
        SizeOfCallStack, DriverListOffset, DriverCount, StringPoolOffset, StringPoolSize,
        BrokenDriverOffset, TriageOptions;
    std::uint64_t TopOfStack;
    std::uint64_t BStoreUnion[2];
    std::uint64_t DataPageAddress;
    std::uint32_t DataPageOffset, DataPageSize, DebuggerDataOffset, DebuggerDataSize,
        DataBlocksOffset, DataBlocksCount;
};
static_assert(offsetof(TriageDump64, ProcessOffset) == 0x20);
static_assert(offsetof(TriageDump64, TriageOptions) == 0x44);
static_assert(offsetof(TriageDump64, TopOfStack) == 0x48);
static_assert(offsetof(TriageDump64, DataPageAddress) == 0x60);
static_assert(offsetof(TriageDump64, DebuggerDataOffset) == 0x70);
static_assert(offsetof(TriageDump64, DataBlocksOffset) == 0x78);
static_assert(offsetof(TriageDump64, DataBlocksCount) == 0x7C);

struct TriageDataBlock64 {
    std::uint64_t Address;
    std::uint32_t Offset;
    std::uint32_t Size;
};
static_assert(sizeof(TriageDataBlock64) == 16);

// DUMP_DRIVER_ENTRY64 (ntiodump.h): one per loaded driver, DriverCount of them from
// DriverListOffset. After the name offset comes a KLDR_DATA_TABLE_ENTRY64 snapshot (0x88 bytes)
// in which Windows keeps DllBase, SizeOfImage, CheckSum and TimeDateStamp and zeroes the links and
// the UNICODE_STRINGs (both real files in testdata/real do). Stride 0x90 in both files.
struct DumpDriverEntry64 {
    std::uint32_t DriverNameOffset; // absolute file offset of a DUMP_STRING in the string pool
    std::uint32_t Alignment;
    std::uint64_t InLoadOrderLinks[2];
    std::uint64_t ExceptionTable;
    std::uint32_t ExceptionTableSize;
    std::uint32_t Padding0;
    std::uint64_t GpValue;
    std::uint64_t NonPagedDebugInfo;
    std::uint64_t DllBase;
    std::uint64_t EntryPoint;
    std::uint32_t SizeOfImage;
    std::uint32_t Padding1;
    std::uint64_t FullDllName[2];
    std::uint64_t BaseDllName[2];
    std::uint32_t Flags;
    std::uint16_t LoadCount;
    std::uint16_t Undefined5;
    std::uint64_t SectionPointer;
    std::uint32_t CheckSum;
    std::uint32_t Padding2;
    std::uint32_t TimeDateStamp;
    std::uint32_t Padding3;
};
static_assert(offsetof(DumpDriverEntry64, InLoadOrderLinks) == 0x08);
static_assert(offsetof(DumpDriverEntry64, DllBase) == 0x38);
static_assert(offsetof(DumpDriverEntry64, SizeOfImage) == 0x48);
static_assert(offsetof(DumpDriverEntry64, FullDllName) == 0x50);
static_assert(offsetof(DumpDriverEntry64, BaseDllName) == 0x60);
static_assert(offsetof(DumpDriverEntry64, CheckSum) == 0x80);
static_assert(offsetof(DumpDriverEntry64, TimeDateStamp) == 0x88);
static_assert(sizeof(DumpDriverEntry64) == 0x90);

// DUMP_STRING: u32 Length, then UTF-16LE text and a NUL. ntiodump.h says Length is in bytes;
// the files Windows writes count UTF-16 code units (33 for "\SystemRoot\system32\ntoskrnl.exe"
// in both real dumps), so the reader accepts either, checked by where the NUL is.
inline constexpr std::uint32_t kDumpStringHeaderSize = 4;

// UnloadedDriversOffset: a u64 count, then up to 50 (MI_UNLOADED_DRIVERS) of these, most recent
// last. Name.Buffer is zeroed; the text is in DriverName, cut to 12 UTF-16 units.
struct DumpUnloadedDriver64 {
    std::uint16_t NameLength; // UNICODE_STRING64.Length: bytes of the copy in DriverName (<= 24)
    std::uint16_t NameMaximumLength;
    std::uint32_t NamePadding;
    std::uint64_t NameBuffer;
    std::uint16_t DriverName[12]; // MAX_UNLOADED_NAME_LENGTH / sizeof(WCHAR)
    std::uint64_t StartAddress;
    std::uint64_t EndAddress;
};
static_assert(offsetof(DumpUnloadedDriver64, DriverName) == 0x10);
static_assert(offsetof(DumpUnloadedDriver64, StartAddress) == 0x28);
static_assert(sizeof(DumpUnloadedDriver64) == 0x38);
inline constexpr std::uint32_t kMaxUnloadedDrivers = 50;

} // namespace dumpprocs::formats
