#pragma once
// TriageMemory: the virtual memory a triage ("mini kernel", DumpType 4) dump saved. It has no
// physical memory and no page tables: only ranges keyed by virtual address, the data blocks
// ({VA, file offset, size}) plus the structures TRIAGE_DUMP64 points at (the PRCB, thread and
// process of the crash, the KDBG copy, the call stack). Reads outside them fail saying so.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/addrspace/virtual_memory.hpp"
#include "dumpprocs/support/byte_view.hpp"

namespace dumpprocs::dumpfile {

struct TriageInfo;

struct SavedRange {
    std::uint64_t va = 0;
    std::uint64_t file_offset = 0;
    std::uint64_t size = 0;
    std::string what; // "data block 17", "PRCB", "thread", "process", "KDBG", "call stack"
};

class TriageMemory final : public VirtualMemory {
  public:
    // `file` must outlive the object. `kdbg_va` is the header's KdDebuggerDataBlock.
    TriageMemory(ByteView file, const TriageInfo& triage, std::optional<std::uint64_t> kdbg_va);

    Expected<Translation> translate(std::uint64_t va) const override;
    Expected<void> read(std::uint64_t va, std::span<std::byte> out) const override;
    using VirtualMemory::read;
    bool hasPhysicalBacking() const override { return false; }

    const std::vector<SavedRange>& ranges() const { return ranges_; }
    std::uint64_t savedBytes() const;
    // The saved structures' virtual addresses, when they could be placed.
    std::optional<std::uint64_t> prcb() const { return prcb_; }
    std::optional<std::uint64_t> thread() const { return thread_; }
    std::optional<std::uint64_t> process() const { return process_; }

  private:
    const SavedRange* find(std::uint64_t va) const;
    void add(std::uint64_t va, std::uint64_t offset, std::uint64_t size, std::string what);
    void reindex();
    void placeStructures(const TriageInfo& triage, std::optional<std::uint64_t> kdbg_va);

    ByteView file_;
    std::vector<SavedRange> ranges_; // in priority order (structures before blocks)
    std::vector<std::size_t> by_va_; // indexes of ranges_, sorted by va
    std::uint64_t largest_ = 0;
    std::optional<std::uint64_t> prcb_, thread_, process_;
};

// Fills triage.drivers and triage.unloaded_drivers from the file (DriverListOffset/DriverCount
// and the string pool; UnloadedDriversOffset). Every entry is bounds-checked against the file;
// an entry past its end or a count that cannot be right stops the list (marked incomplete) with
// a warning in triage.driver_list_warnings naming the offset, and a name that cannot be read
// leaves that driver with a `problem` instead.
void readTriageDriverLists(ByteView file, TriageInfo& triage);

} // namespace dumpprocs::dumpfile
