#pragma once
// Reading KDDEBUGGER_DATA64 ("KDBG", dump-format.md §4): the kernel's own table of key globals
// and structure offsets, which a BSOD-written dump holds in plain form at the header's
// KdDebuggerDataBlock. Its byte layout is formats/kdbg.hpp.

#include <cstdint>
#include <optional>
#include <span>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/formats/kdbg.hpp"

namespace dumpprocs::kernel {

using formats::KdDebuggerData64Layout;
using formats::kKdbgOffsetPrcbIdleThread;
using formats::kKdbgOwnerTag;

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
