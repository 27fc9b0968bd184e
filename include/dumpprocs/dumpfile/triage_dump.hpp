#pragma once
// TriageMemory: the virtual memory a triage ("mini kernel", DumpType 4) dump saved. It has no
// physical memory and no page tables: only ranges keyed by virtual address, the data blocks
// ({VA, file offset, size}) plus the structures TRIAGE_DUMP64 points at (the PRCB, thread and
// process of the crash, the KDBG copy, the call stack). Reads outside them fail saying so.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/memory/virtual_memory.hpp"
#include "dumpprocs/support/byte_view.hpp"

namespace dumpprocs::dumpfile {

struct TriageDataBlock {
    std::uint64_t address = 0;
    std::uint32_t offset = 0, size = 0;
};

// One DUMP_DRIVER_ENTRY64 of the triage dump's loaded-driver list (what WinDbg's `lm` shows).
struct TriageDriver {
    std::string path;       // the DUMP_STRING: "\SystemRoot\system32\ntoskrnl.exe"
    std::uint64_t base = 0; // DllBase
    std::uint32_t size = 0; // SizeOfImage
    std::uint32_t checksum = 0, timestamp = 0; // the PE CheckSum and TimeDateStamp
    std::uint64_t entry_offset = 0;            // file offset of the DUMP_DRIVER_ENTRY64
    std::string problem;                       // why `path` is empty, naming the file offset
};

// One DUMP_UNLOADED_DRIVERS64 (MmUnloadedDrivers as saved), in file order.
struct TriageUnloadedDriver {
    std::string name;              // from DriverName[12]
    bool name_fills_field = false; // all 12 characters used: the name may have been cut
    std::uint64_t start = 0, end = 0;
    std::uint64_t entry_offset = 0;
};

struct TriageInfo {
    std::uint32_t service_pack_build = 0, size_of_dump = 0, valid_offset = 0;
    std::uint32_t unloaded_drivers_offset = 0, broken_driver_offset = 0;
    std::uint32_t context_offset = 0, exception_offset = 0, mm_offset = 0, prcb_offset = 0,
                  process_offset = 0, thread_offset = 0, callstack_offset = 0, callstack_size = 0,
                  driver_list_offset = 0, driver_count = 0, string_pool_offset = 0,
                  string_pool_size = 0, triage_options = 0;
    std::uint64_t top_of_stack = 0, data_page_address = 0;
    std::uint32_t data_page_offset = 0, data_page_size = 0, debugger_data_offset = 0,
                  debugger_data_size = 0, data_blocks_offset = 0, data_blocks_count = 0;
    std::vector<TriageDataBlock> data_blocks; // those lying inside the file
    std::vector<TriageDriver> drivers;        // DriverCount entries, fewer if the file ends
    std::vector<TriageUnloadedDriver> unloaded_drivers;
    bool driver_list_complete = true; // every one of DriverCount entries was read
    bool unloaded_list_complete = true;
    std::vector<std::string> driver_list_warnings; // why either list is incomplete
};

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

// Reads the TRIAGE_DUMP64 header at 0x2000 of `file` and its data blocks (metadata only; the
// driver lists too, by readTriageDriverLists). nullopt, with a warning, when the file is too short
// for the header; a data-block table that runs past the end stops there with a warning.
std::optional<TriageInfo> parseTriage(ByteView file, std::vector<std::string>& warnings);

// Fills triage.drivers and triage.unloaded_drivers from the file (DriverListOffset/DriverCount
// and the string pool; UnloadedDriversOffset). Every entry is bounds-checked against the file;
// an entry past its end or a count that cannot be right stops the list (marked incomplete) with
// a warning in triage.driver_list_warnings naming the offset, and a name that cannot be read
// leaves that driver with a `problem` instead.
void readTriageDriverLists(ByteView file, TriageInfo& triage);

} // namespace dumpprocs::dumpfile
