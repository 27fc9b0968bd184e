#pragma once
// Finding KDDEBUGGER_DATA64 without a dump header: plain blocks by their tag in physical memory,
// and the encoded block through the operands of nt!KdCopyDataBlock. Used by the kernel context
// (a header whose KDBG is encoded) and by raw-image discovery; needs no DumpFacts, so neither
// includes the other through it.

#include <cstdint>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/kdbg.hpp"
#include "dumpprocs/memory/physical_memory.hpp"

namespace dumpprocs::kernel {

// Physical addresses of plain KDDEBUGGER_DATA64 blocks ("KDBG" at +0x10, plausible Size).
std::vector<std::uint64_t> findKdbgBlocks(const PhysicalMemory& memory);
// The block at physical `pa` read as KDBG (its `address` is the virtual one, or 0 if unknown).
Expected<KdDebuggerData> readKdbgPhysical(const PhysicalMemory& memory, const X64AddressSpace& as,
                                          std::uint64_t pa);

// The operands of nt!KdCopyDataBlock, found by its code in the kernel's executable sections:
// `cmp byte [rip+x], 0` (KdpDataBlockEncoded), then RIP-relative loads of KiWaitNever and
// KiWaitAlways and a `lea` of the block (dump-format.md §4.3, the disassembly trick).
struct KdbgEncoding {
    std::uint64_t code = 0;         // where the cmp is
    std::uint64_t encoded_flag = 0; // &nt!KdpDataBlockEncoded (the E of the algorithm)
    std::uint64_t wait_never = 0;   // the values of nt!KiWaitNever and nt!KiWaitAlways
    std::uint64_t wait_always = 0;
    std::uint64_t block = 0; // &nt!KdDebuggerDataBlock
};
// Decodes qword `q` of an encoded block.
std::uint64_t decodeKdbgQword(std::uint64_t q, const KdbgEncoding& e);
// Finds KdCopyDataBlock in the image at `kernel_base` and decodes the block it names.
Expected<KdDebuggerData> readEncodedKdbg(const VirtualMemory& as, std::uint64_t kernel_base,
                                         KdbgEncoding& found);

} // namespace dumpprocs::kernel
