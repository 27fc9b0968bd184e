#include "dumpprocs/kernel/kdbg.hpp"

namespace dumpprocs::kernel {

Expected<KdDebuggerData> readKdbg(const VirtualMemory& as, std::uint64_t va) {
    DP_TRY(auto raw, as.read<KdDebuggerData64Layout>(va));
    std::optional<std::uint16_t> idle;
    if (raw.Size >= kKdbgOffsetPrcbIdleThread + 2)
        if (auto v = as.read<std::uint16_t>(va + kKdbgOffsetPrcbIdleThread))
            idle = *v;
    return parseKdbg(raw, idle, va);
}

Expected<KdDebuggerData> parseKdbg(std::span<const std::byte> block, std::uint64_t va) {
    const ByteView bytes(block, va, "KDBG byte");
    DP_TRY(auto raw, bytes.read<KdDebuggerData64Layout>(0));
    std::optional<std::uint16_t> idle;
    if (raw.Size >= kKdbgOffsetPrcbIdleThread + 2)
        if (auto v = bytes.read<std::uint16_t>(kKdbgOffsetPrcbIdleThread))
            idle = *v;
    return parseKdbg(raw, idle, va);
}

Expected<KdDebuggerData> parseKdbg(const KdDebuggerData64Layout& raw,
                                   std::optional<std::uint16_t> idle, std::uint64_t va) {
    if (raw.OwnerTag != kKdbgOwnerTag)
        return makeError(ErrorCode::InvalidData,
                         "KDBG at {:#x}: OwnerTag is {:#010x}, not 'KDBG' (the block is encoded or "
                         "this is not KDBG)",
                         va, raw.OwnerTag);
    if (raw.Size < sizeof(KdDebuggerData64Layout) || raw.Size > 0x1000)
        return makeError(ErrorCode::InvalidData, "KDBG at {:#x}: Size {:#x} is not plausible", va,
                         raw.Size);
    KdDebuggerData k;
    k.address = va;
    k.size = raw.Size;
    k.kern_base = raw.KernBase;
    k.ps_loaded_module_list = raw.PsLoadedModuleList;
    k.ps_active_process_head = raw.PsActiveProcessHead;
    k.psp_cid_table = raw.PspCidTable;
    k.ki_processor_block = raw.KiProcessorBlock;
    k.mm_pfn_database = raw.MmPfnDatabase;
    k.size_eprocess = raw.SizeEProcess;
    k.offset_eprocess_peb = raw.OffsetEprocessPeb;
    k.offset_eprocess_dtb = raw.OffsetEprocessDirectoryTableBase;
    k.offset_prcb_current_thread = raw.OffsetPrcbCurrentThread;
    k.offset_prcb_number = raw.OffsetPrcbNumber;
    k.offset_kthread_state = raw.OffsetKThreadState;
    k.offset_prcb_idle_thread = idle;
    return k;
}

} // namespace dumpprocs::kernel
