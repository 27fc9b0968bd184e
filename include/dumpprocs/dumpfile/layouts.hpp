#pragma once
// On-disk layouts of the 64-bit Windows crash dump ("PAGEDU64"), declared once, with every offset
// that data/reference/dump-format.md gives checked at compile time.

#include <cstddef>
#include <cstdint>

namespace dumpprocs::dumpfile {

inline constexpr std::uint32_t kSignaturePage = 0x45474150;    // "PAGE"
inline constexpr std::uint32_t kValidDump64 = 0x34365544;      // "DU64"
inline constexpr std::uint32_t kValidDump32 = 0x504D5544;      // "DUMP" (32-bit header)
inline constexpr std::uint32_t kMinidumpMagic = 0x504D444D;    // "MDMP" (user-mode minidump)
inline constexpr std::uint32_t kSummarySignature = 0x504D4453; // "SDMP"
inline constexpr std::uint32_t kFullSignature = 0x504D4446;    // "FDMP"
inline constexpr std::uint32_t kRdmpSignature = 0x504D4452;    // "RDMP"
inline constexpr std::uint32_t kTriageValid = 0x44475254;      // "TRGD"
inline constexpr std::uint64_t kPageFiller64 = 0x4547415045474150ULL;
inline constexpr std::uint64_t kHeaderSize = 0x2000;
inline constexpr std::uint32_t kMaxRunsInHeader =
    43; // 704-byte union (§1.1): 0x98 + 16*43 <= 0x348

struct PhysicalMemoryRun64 {
    std::uint64_t BasePage;
    std::uint64_t PageCount;
};

struct PhysicalMemoryDescriptor64 {
    std::uint32_t NumberOfRuns;
    std::uint32_t Padding;
    std::uint64_t NumberOfPages;
    PhysicalMemoryRun64 Run[1];
};
static_assert(offsetof(PhysicalMemoryDescriptor64, NumberOfPages) == 0x8);
static_assert(offsetof(PhysicalMemoryDescriptor64, Run) == 0x10);

struct ExceptionRecord64 {
    std::uint32_t ExceptionCode;
    std::uint32_t ExceptionFlags;
    std::uint64_t ExceptionRecord;
    std::uint64_t ExceptionAddress;
    std::uint32_t NumberParameters;
    std::uint32_t UnusedAlignment;
    std::uint64_t ExceptionInformation[15];
};
static_assert(sizeof(ExceptionRecord64) == 0x98);
static_assert(offsetof(ExceptionRecord64, ExceptionAddress) == 0x10);
static_assert(offsetof(ExceptionRecord64, ExceptionInformation) == 0x20);

// The x64 CONTEXT fields this tool reports (§6); the record is 0x4D0 bytes at header 0x348.
struct Context64Prefix {
    std::uint64_t PHome[6];
    std::uint32_t ContextFlags;
    std::uint32_t MxCsr;
    std::uint16_t SegCs, SegDs, SegEs, SegFs, SegGs, SegSs;
    std::uint32_t EFlags;
    std::uint64_t Dr[6]; // Dr0-Dr3, Dr6, Dr7
    std::uint64_t Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi;
    std::uint64_t R8, R9, R10, R11, R12, R13, R14, R15;
    std::uint64_t Rip;
    std::uint8_t FltSavePrefix[0x18];
    std::uint32_t FltSaveMxCsr;
};
static_assert(offsetof(Context64Prefix, ContextFlags) == 0x30);
static_assert(offsetof(Context64Prefix, MxCsr) == 0x34);
static_assert(offsetof(Context64Prefix, SegCs) == 0x38);
static_assert(offsetof(Context64Prefix, EFlags) == 0x44);
static_assert(offsetof(Context64Prefix, Rax) == 0x78);
static_assert(offsetof(Context64Prefix, Rsp) == 0x98);
static_assert(offsetof(Context64Prefix, Rip) == 0xF8);
static_assert(offsetof(Context64Prefix, FltSaveMxCsr) == 0x118);
inline constexpr std::size_t kContextSize = 0x4D0;

struct DumpHeader64 {
    std::uint32_t Signature;
    std::uint32_t ValidDump;
    std::uint32_t MajorVersion;
    std::uint32_t MinorVersion;
    std::uint64_t DirectoryTableBase;
    std::uint64_t PfnDataBase;
    std::uint64_t PsLoadedModuleList;
    std::uint64_t PsActiveProcessHead;
    std::uint32_t MachineImageType;
    std::uint32_t NumberProcessors;
    std::uint32_t BugCheckCode;
    std::uint32_t Padding0;
    std::uint64_t BugCheckParameter[4];
    char VersionUser[32];
    std::uint64_t KdDebuggerDataBlock;
    std::uint8_t PhysicalMemoryBlockBuffer[704];
    std::uint8_t ContextRecord[3000];
    ExceptionRecord64 Exception;
    std::uint32_t DumpType;
    std::uint32_t Padding1;
    std::int64_t RequiredDumpSpace;
    std::uint64_t SystemTime;
    char Comment[128];
    std::uint64_t SystemUpTime;
    std::uint32_t MiniDumpFields;
    std::uint32_t SecondaryDataState;
    std::uint32_t ProductType;
    std::uint32_t SuiteMask;
    std::uint32_t WriterStatus;
    std::uint8_t Unused1;
    std::uint8_t KdSecondaryVersion;
    std::uint8_t Unused[2];
    std::uint32_t Attributes;
    std::uint32_t BootId;
    std::uint8_t Reserved0[4008];
};
static_assert(sizeof(DumpHeader64) == 0x2000);
static_assert(offsetof(DumpHeader64, DirectoryTableBase) == 0x010);
static_assert(offsetof(DumpHeader64, PfnDataBase) == 0x018);
static_assert(offsetof(DumpHeader64, PsLoadedModuleList) == 0x020);
static_assert(offsetof(DumpHeader64, PsActiveProcessHead) == 0x028);
static_assert(offsetof(DumpHeader64, MachineImageType) == 0x030);
static_assert(offsetof(DumpHeader64, NumberProcessors) == 0x034);
static_assert(offsetof(DumpHeader64, BugCheckCode) == 0x038);
static_assert(offsetof(DumpHeader64, BugCheckParameter) == 0x040);
static_assert(offsetof(DumpHeader64, VersionUser) == 0x060);
static_assert(offsetof(DumpHeader64, KdDebuggerDataBlock) == 0x080);
static_assert(offsetof(DumpHeader64, PhysicalMemoryBlockBuffer) == 0x088);
static_assert(offsetof(DumpHeader64, ContextRecord) == 0x348);
static_assert(offsetof(DumpHeader64, Exception) == 0xF00);
static_assert(offsetof(DumpHeader64, DumpType) == 0xF98);
static_assert(offsetof(DumpHeader64, RequiredDumpSpace) == 0xFA0);
static_assert(offsetof(DumpHeader64, SystemTime) == 0xFA8);
static_assert(offsetof(DumpHeader64, Comment) == 0xFB0);
static_assert(offsetof(DumpHeader64, SystemUpTime) == 0x1030);
static_assert(offsetof(DumpHeader64, MiniDumpFields) == 0x1038);
static_assert(offsetof(DumpHeader64, SecondaryDataState) == 0x103C);
static_assert(offsetof(DumpHeader64, ProductType) == 0x1040);
static_assert(offsetof(DumpHeader64, SuiteMask) == 0x1044);
static_assert(offsetof(DumpHeader64, WriterStatus) == 0x1048);
static_assert(offsetof(DumpHeader64, KdSecondaryVersion) == 0x104D);
static_assert(offsetof(DumpHeader64, Attributes) == 0x1050);
static_assert(offsetof(DumpHeader64, BootId) == 0x1054);
static_assert(offsetof(DumpHeader64, Reserved0) == 0x1058);

// SUMMARY_DUMP64 at file offset 0x2000 of bitmap dumps (types 5 and 6), §2.2.
struct SummaryDump64 {
    std::uint32_t Signature; // SDMP or FDMP
    std::uint32_t ValidDump; // DUMP
    std::uint32_t DumpOptions;
    std::uint32_t Spare0;
    std::uint64_t Spare1;
    std::uint64_t Spare2;
    std::uint64_t HeaderSize; // absolute file offset of the first stored page
    std::uint64_t Pages;      // set bits = pages stored
    std::uint64_t BitmapSize; // bits = PFN span covered
    // the bitmap follows at +0x38
};
static_assert(offsetof(SummaryDump64, HeaderSize) == 0x20);
static_assert(offsetof(SummaryDump64, Pages) == 0x28);
static_assert(offsetof(SummaryDump64, BitmapSize) == 0x30);
static_assert(sizeof(SummaryDump64) == 0x38);

// RDMP header of types 8, 9 and 0xA at 0x2000 (§2.4, reverse-engineered by kdmp-parser).
struct RdmpHeader64 {
    std::uint32_t Marker;    // 0x40
    std::uint32_t Signature; // RDMP
    std::uint32_t ValidDump; // DUMP
    std::uint32_t Unused;
    std::uint64_t MetadataSize;
    std::uint64_t FirstPageOffset;
};
static_assert(sizeof(RdmpHeader64) == 0x20);
inline constexpr std::uint64_t kRdmpRangesOffset = 0x2030;

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

} // namespace dumpprocs::dumpfile
