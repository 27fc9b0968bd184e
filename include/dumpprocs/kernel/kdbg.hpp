#pragma once
// KDDEBUGGER_DATA64 ("KDBG", dump-format.md §4): the kernel's own table of key globals and
// structure offsets, which a BSOD-written dump holds in plain form at the header's
// KdDebuggerDataBlock.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "dumpprocs/addrspace/address_space.hpp"

namespace dumpprocs::kernel {

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
static_assert(offsetof(KdDebuggerData64Layout, OffsetKThreadState) == 0x2A2);
static_assert(offsetof(KdDebuggerData64Layout, SizeEProcess) == 0x2A8);
static_assert(offsetof(KdDebuggerData64Layout, OffsetPrcbCurrentThread) == 0x2B4);
static_assert(offsetof(KdDebuggerData64Layout, OffsetPrcbNumber) == 0x2BE);
static_assert(offsetof(KdDebuggerData64Layout, SizeEThread) == 0x2C0);

inline constexpr std::uint64_t kKdbgOffsetPrcbIdleThread = 0x350; // Win8+ blocks only

struct KdDebuggerData {
    std::uint64_t address = 0;
    std::uint32_t size = 0;
    std::uint64_t kern_base = 0;
    std::uint64_t ps_loaded_module_list = 0;
    std::uint64_t ps_active_process_head = 0;
    std::uint64_t psp_cid_table = 0;      // address of nt!PspCidTable (a pointer variable)
    std::uint64_t ki_processor_block = 0; // address of the KPRCB pointer array
    std::uint64_t mm_pfn_database = 0;    // address of nt!MmPfnDatabase
    std::uint16_t size_eprocess = 0, offset_eprocess_peb = 0, offset_eprocess_dtb = 0;
    std::uint16_t offset_prcb_current_thread = 0, offset_prcb_number = 0;
    std::uint16_t offset_kthread_state = 0;
    std::optional<std::uint16_t> offset_prcb_idle_thread;
};

// Reads the block at `va`, checking the tag and size. An encoded block (Windows 8+ without a
// debugger, seen in raw captures) fails with InvalidData saying so.
Expected<KdDebuggerData> readKdbg(const VirtualMemory& as, std::uint64_t va);
// The same checks on a block already in hand (e.g. decoded); `va` is where it lies.
Expected<KdDebuggerData> parseKdbg(std::span<const std::byte> block, std::uint64_t va);
Expected<KdDebuggerData> parseKdbg(const KdDebuggerData64Layout& raw,
                                   std::optional<std::uint16_t> prcb_idle_thread, std::uint64_t va);

} // namespace dumpprocs::kernel
