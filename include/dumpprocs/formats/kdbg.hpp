#pragma once
// The byte layout of KDDEBUGGER_DATA64 ("KDBG", dump-format.md §4): the prefix this tool reads,
// with its offsets checked at compile time. kernel/kdbg.hpp reads it; a triage dump's saved copy
// is placed by the same offsets.

#include <cstddef>
#include <cstdint>

namespace dumpprocs::formats {

inline constexpr std::uint32_t kKdbgOwnerTag = 0x4742444B; // "KDBG"

// The prefix of KDDEBUGGER_DATA64 this tool reads (dump-format.md §4.1, ROS wdbgexts.h).
struct KdDebuggerData64Layout {
    std::uint64_t ListFlink;
    std::uint64_t ListBlink;
    std::uint32_t OwnerTag;
    std::uint32_t Size;
    std::uint64_t KernBase;
    std::uint64_t BreakpointWithStatus;
    std::uint64_t SavedContext;
    std::uint16_t ThCallbackStack, NextCallback, FramePointer, PaeEnabled;
    std::uint64_t KiCallUserMode;
    std::uint64_t KeUserCallbackDispatcher;
    std::uint64_t PsLoadedModuleList;
    std::uint64_t PsActiveProcessHead;
    std::uint64_t PspCidTable;
    std::uint64_t Block060[(0x0C0 - 0x060) / 8];
    std::uint64_t MmPfnDatabase;
    std::uint64_t Block0C8[(0x208 - 0x0C8) / 8];
    std::uint64_t NtBuildLab;
    std::uint64_t KiNormalSystemCall;
    std::uint64_t KiProcessorBlock;
    std::uint64_t Block220[(0x298 - 0x220) / 8];
    std::uint16_t OffsetKThreadNextProcessor, OffsetKThreadTeb, OffsetKThreadKernelStack,
        OffsetKThreadInitialStack, OffsetKThreadApcProcess, OffsetKThreadState, OffsetKThreadBStore,
        OffsetKThreadBStoreLimit, SizeEProcess, OffsetEprocessPeb, OffsetEprocessParentCID,
        OffsetEprocessDirectoryTableBase, SizePrcb, OffsetPrcbDpcRoutine, OffsetPrcbCurrentThread,
        OffsetPrcbMhz, OffsetPrcbCpuType, OffsetPrcbVendorString, OffsetPrcbProcStateContext,
        OffsetPrcbNumber, SizeEThread;
};
static_assert(offsetof(KdDebuggerData64Layout, OwnerTag) == 0x10);
static_assert(offsetof(KdDebuggerData64Layout, KernBase) == 0x18);
static_assert(offsetof(KdDebuggerData64Layout, PsLoadedModuleList) == 0x48);
static_assert(offsetof(KdDebuggerData64Layout, PsActiveProcessHead) == 0x50);
static_assert(offsetof(KdDebuggerData64Layout, PspCidTable) == 0x58);
static_assert(offsetof(KdDebuggerData64Layout, MmPfnDatabase) == 0xC0);
static_assert(offsetof(KdDebuggerData64Layout, KiProcessorBlock) == 0x218);
static_assert(offsetof(KdDebuggerData64Layout, OffsetKThreadApcProcess) == 0x2A0);
static_assert(offsetof(KdDebuggerData64Layout, OffsetKThreadState) == 0x2A2);
static_assert(offsetof(KdDebuggerData64Layout, SizeEProcess) == 0x2A8);
static_assert(offsetof(KdDebuggerData64Layout, OffsetPrcbCurrentThread) == 0x2B4);
static_assert(offsetof(KdDebuggerData64Layout, OffsetPrcbNumber) == 0x2BE);
static_assert(offsetof(KdDebuggerData64Layout, SizeEThread) == 0x2C0);

inline constexpr std::uint64_t kKdbgOffsetPrcbIdleThread = 0x350; // Win8+ blocks only

} // namespace dumpprocs::formats
