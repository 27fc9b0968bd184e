#pragma once
// On-disk layouts of the 64-bit Windows crash dump ("PAGEDU64"): DUMP_HEADER64, its run
// descriptor and the headers that follow it at 0x2000 (SUMMARY_DUMP64, RDMP), declared once, with
// every offset that data/reference/dump-format.md gives checked at compile time. The triage dump's
// own layouts are in formats/triage.hpp.

#include <cstddef>
#include <cstdint>

namespace dumpprocs::formats {

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
static_assert(sizeof(PhysicalMemoryRun64) == 16);
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

// Full dumps (type 1) keep their PHYSICAL_MEMORY_DESCRIPTOR64 in PhysicalMemoryBlockBuffer; the
// runs it lists must end before the CONTEXT record.
inline constexpr std::uint64_t kRunDescriptorOffset =
    offsetof(DumpHeader64, PhysicalMemoryBlockBuffer);
inline constexpr std::uint64_t kRunDescriptorPagesOffset =
    kRunDescriptorOffset + offsetof(PhysicalMemoryDescriptor64, NumberOfPages);
// File offset of run `index` of the header's run descriptor.
constexpr std::uint64_t runOffset(std::uint64_t index) noexcept {
    return kRunDescriptorOffset + offsetof(PhysicalMemoryDescriptor64, Run) +
           sizeof(PhysicalMemoryRun64) * index;
}
static_assert(runOffset(0) == 0x98);
static_assert(runOffset(kMaxRunsInHeader) <= offsetof(DumpHeader64, ContextRecord));

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

} // namespace dumpprocs::formats
