#include "dumpprocs/dumpfile/triage_dump.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "dumpprocs/formats/kdbg.hpp"
#include "dumpprocs/formats/triage.hpp"
#include "dumpprocs/support/text.hpp"

namespace dumpprocs::dumpfile {

using namespace formats;

namespace {

// KDDEBUGGER_DATA64 fields used to place the saved structures (dump-format.md §4.1).
constexpr std::uint64_t kKdbgKiProcessorBlock = offsetof(KdDebuggerData64Layout, KiProcessorBlock);
constexpr std::uint64_t kKdbgOffsetKThreadApcProcess =
    offsetof(KdDebuggerData64Layout, OffsetKThreadApcProcess);
constexpr std::uint64_t kKdbgSizeEProcess = offsetof(KdDebuggerData64Layout, SizeEProcess);
constexpr std::uint64_t kKdbgOffsetPrcbCurrentThread =
    offsetof(KdDebuggerData64Layout, OffsetPrcbCurrentThread);
constexpr std::uint64_t kKdbgSizeEThread = offsetof(KdDebuggerData64Layout, SizeEThread);
constexpr unsigned kMaxProcessors = 64;
constexpr std::uint32_t kMaxDumpStringUnits = 0x7FFF; // a UNICODE_STRING's limit

// A DUMP_STRING at file offset `at`. Length counts UTF-16 units in the files Windows writes and
// bytes in ntiodump.h's comment; the string is NUL-terminated either way, so the text runs to the
// first NUL within Length units (Length / 2 when only that many fit in the file).
Expected<std::string> readDumpString(ByteView file, std::uint64_t at) {
    DP_TRY(std::uint32_t length, file.read<std::uint32_t>(at));
    const std::uint64_t text = at + kDumpStringHeaderSize;
    std::uint64_t units = std::min<std::uint64_t>(length, kMaxDumpStringUnits);
    if (!file.contains(text, 2 * units) && length % 2 == 0 && file.contains(text, length))
        units = length / 2;
    if (!file.contains(text, 2 * units))
        return makeError(ErrorCode::OutOfBounds,
                         "DUMP_STRING at file offset {:#x} claims {} characters, past the end of "
                         "the file",
                         at, length);
    std::vector<std::uint16_t> chars(units);
    DP_CHECK(file.readArray(text, std::span(chars)));
    std::uint64_t end = 0;
    while (end < units && chars[end] != 0)
        ++end;
    DP_TRY(ByteView bytes, file.slice(text, 2 * end));
    return utf16leToUtf8(bytes);
}

// How many entries fit where Windows puts them: before the string pool that follows the list,
// else before the end of the file. A DriverCount above that is corrupt, not a longer list.
std::uint64_t driverListEnd(ByteView file, const TriageInfo& triage) {
    return triage.string_pool_offset > triage.driver_list_offset
               ? std::min<std::uint64_t>(triage.string_pool_offset, file.size())
               : file.size();
}

void readLoadedDrivers(ByteView file, TriageInfo& triage) {
    auto& warnings = triage.driver_list_warnings;
    std::uint64_t count = triage.driver_count;
    const std::uint64_t end = driverListEnd(file, triage);
    const std::uint64_t fit = end > triage.driver_list_offset
                                  ? (end - triage.driver_list_offset) / sizeof(DumpDriverEntry64)
                                  : 0;
    if (count > fit) {
        warnings.push_back(fmt::format(
            "triage driver list: DriverCount {} (TRIAGE_DUMP64 at 0x2034) does not fit between "
            "DriverListOffset {:#x} and {} {:#x}; reading the {} that do",
            count, triage.driver_list_offset,
            end == file.size() ? "the end of the file at" : "StringPoolOffset", end, fit));
        triage.driver_list_complete = false;
        count = fit;
    }
    for (std::uint32_t n = 0; n < count; ++n) {
        const std::uint64_t at = triage.driver_list_offset + sizeof(DumpDriverEntry64) * n;
        auto entry = file.read<DumpDriverEntry64>(at);
        if (!entry) {
            warnings.push_back(fmt::format("triage driver list: entry {} of {} at file offset "
                                           "{:#x} lies past the end of the file; {} read",
                                           n, triage.driver_count, at, n));
            triage.driver_list_complete = false;
            return;
        }
        TriageDriver d;
        d.base = entry->DllBase;
        d.size = entry->SizeOfImage;
        d.checksum = entry->CheckSum;
        d.timestamp = entry->TimeDateStamp;
        d.entry_offset = at;
        if (auto name = readDumpString(file, entry->DriverNameOffset))
            d.path = std::move(*name);
        else
            d.problem = fmt::format("name unreadable: {}", name.error().message);
        triage.drivers.push_back(std::move(d));
    }
}

void readUnloadedDrivers(ByteView file, TriageInfo& triage) {
    auto& warnings = triage.driver_list_warnings;
    if (triage.unloaded_drivers_offset == 0)
        return;
    auto count = file.read<std::uint64_t>(triage.unloaded_drivers_offset);
    if (!count) {
        warnings.push_back(fmt::format("triage unloaded-driver count at file offset {:#x} lies "
                                       "past the end of the file",
                                       triage.unloaded_drivers_offset));
        triage.unloaded_list_complete = false;
        return;
    }
    if (*count > kMaxUnloadedDrivers) {
        warnings.push_back(fmt::format("triage unloaded-driver count at file offset {:#x} is {}, "
                                       "more than the kernel keeps ({}): the entries are not read",
                                       triage.unloaded_drivers_offset, *count,
                                       kMaxUnloadedDrivers));
        triage.unloaded_list_complete = false;
        return;
    }
    for (std::uint64_t n = 0; n < *count; ++n) {
        const std::uint64_t at = triage.unloaded_drivers_offset + sizeof(std::uint64_t) +
                                 sizeof(DumpUnloadedDriver64) * n;
        auto entry = file.read<DumpUnloadedDriver64>(at);
        if (!entry) {
            warnings.push_back(fmt::format("triage unloaded-driver entry {} at file offset {:#x} "
                                           "lies past the end of the file",
                                           n, at));
            triage.unloaded_list_complete = false;
            return;
        }
        std::size_t units = 0;
        while (units < std::size(entry->DriverName) && entry->DriverName[units] != 0)
            ++units;
        TriageUnloadedDriver u;
        u.name = utf16ToUtf8(std::span<const std::uint16_t>(entry->DriverName, units));
        // Windows stores Name.Length of the copy, not of the original name, so a full field is
        // all that shows a name may have been cut ("dump_storpor" for dump_storport.sys).
        u.name_fills_field = units == std::size(entry->DriverName);
        u.start = entry->StartAddress;
        u.end = entry->EndAddress;
        u.entry_offset = at;
        triage.unloaded_drivers.push_back(std::move(u));
    }
}

} // namespace

std::optional<TriageInfo> parseTriage(ByteView file, std::vector<std::string>& warnings) {
    auto t = file.read<TriageDump64>(kTriageHeaderOffset);
    if (!t) {
        warnings.push_back("triage dump too short for its TRIAGE_DUMP64 header at 0x2000");
        return std::nullopt;
    }
    TriageInfo i;
    i.service_pack_build = t->ServicePackBuild;
    i.size_of_dump = t->SizeOfDump;
    i.valid_offset = t->ValidOffset;
    i.context_offset = t->ContextOffset;
    i.exception_offset = t->ExceptionOffset;
    i.mm_offset = t->MmOffset;
    i.unloaded_drivers_offset = t->UnloadedDriversOffset;
    i.broken_driver_offset = t->BrokenDriverOffset;
    i.prcb_offset = t->PrcbOffset;
    i.process_offset = t->ProcessOffset;
    i.thread_offset = t->ThreadOffset;
    i.callstack_offset = t->CallStackOffset;
    i.callstack_size = t->SizeOfCallStack;
    i.driver_list_offset = t->DriverListOffset;
    i.driver_count = t->DriverCount;
    i.string_pool_offset = t->StringPoolOffset;
    i.string_pool_size = t->StringPoolSize;
    i.triage_options = t->TriageOptions;
    i.top_of_stack = t->TopOfStack;
    i.data_page_address = t->DataPageAddress;
    i.data_page_offset = t->DataPageOffset;
    i.data_page_size = t->DataPageSize;
    i.debugger_data_offset = t->DebuggerDataOffset;
    i.debugger_data_size = t->DebuggerDataSize;
    i.data_blocks_offset = t->DataBlocksOffset;
    i.data_blocks_count = t->DataBlocksCount;
    for (std::uint32_t b = 0; b < t->DataBlocksCount; ++b) {
        auto block =
            file.read<TriageDataBlock64>(t->DataBlocksOffset + sizeof(TriageDataBlock64) * b);
        if (!block) {
            warnings.push_back(
                fmt::format("triage data block {} lies past the end of the file", b));
            break;
        }
        if (file.contains(block->Offset, block->Size))
            i.data_blocks.push_back({block->Address, block->Offset, block->Size});
    }
    readTriageDriverLists(file, i);
    return i;
}

void readTriageDriverLists(ByteView file, TriageInfo& triage) {
    readLoadedDrivers(file, triage);
    readUnloadedDrivers(file, triage);
}

TriageMemory::TriageMemory(ByteView file, const TriageInfo& triage,
                           std::optional<std::uint64_t> kdbg_va)
    : file_(file) {
    if (kdbg_va && triage.debugger_data_size)
        add(*kdbg_va, triage.debugger_data_offset, triage.debugger_data_size, "KDBG");
    if (triage.callstack_size)
        add(triage.top_of_stack, triage.callstack_offset, triage.callstack_size, "call stack");
    if (triage.data_page_size)
        add(triage.data_page_address, triage.data_page_offset, triage.data_page_size, "data page");
    for (std::size_t i = 0; i < triage.data_blocks.size(); ++i) {
        const auto& b = triage.data_blocks[i];
        add(b.address, b.offset, b.size, fmt::format("data block {}", i));
    }
    reindex();
    placeStructures(triage, kdbg_va);
    reindex();
}

void TriageMemory::add(std::uint64_t va, std::uint64_t offset, std::uint64_t size,
                       std::string what) {
    if (size == 0 || !file_.contains(offset, size) || va + size < va)
        return;
    ranges_.push_back({va, offset, size, std::move(what)});
    largest_ = std::max(largest_, size);
}

void TriageMemory::reindex() {
    by_va_.resize(ranges_.size());
    for (std::size_t i = 0; i < by_va_.size(); ++i)
        by_va_[i] = i;
    std::stable_sort(by_va_.begin(), by_va_.end(),
                     [&](std::size_t a, std::size_t b) { return ranges_[a].va < ranges_[b].va; });
}

// The PRCB copy has no address of its own: it is the processor block whose saved bytes are the
// same (KiProcessorBlock lists them). Its CurrentThread is the saved thread, whose
// ApcState.Process is the saved process.
void TriageMemory::placeStructures(const TriageInfo& t, std::optional<std::uint64_t> kdbg_va) {
    const std::uint64_t prcb_size =
        t.process_offset > t.prcb_offset ? t.process_offset - t.prcb_offset : 0;
    auto saved_prcb = file_.slice(t.prcb_offset, prcb_size);
    if (!kdbg_va || !saved_prcb || prcb_size == 0)
        return;
    auto blocks = read<std::uint64_t>(*kdbg_va + kKdbgKiProcessorBlock);
    for (unsigned cpu = 0; blocks && cpu < kMaxProcessors && !prcb_; ++cpu) {
        auto prcb = read<std::uint64_t>(*blocks + 8ULL * cpu);
        if (!prcb || *prcb == 0)
            break;
        auto bytes = readBytes(*prcb, static_cast<std::size_t>(prcb_size));
        if (bytes && std::memcmp(bytes->data(), saved_prcb->data(), bytes->size()) == 0)
            prcb_ = *prcb;
    }
    if (!prcb_)
        return;
    add(*prcb_, t.prcb_offset, prcb_size, "PRCB");
    reindex();
    auto current = read<std::uint16_t>(*kdbg_va + kKdbgOffsetPrcbCurrentThread);
    auto thread = current ? read<std::uint64_t>(*prcb_ + *current) : Expected<std::uint64_t>(0);
    auto thread_size = read<std::uint16_t>(*kdbg_va + kKdbgSizeEThread);
    if (!thread || *thread == 0 || !thread_size)
        return;
    thread_ = *thread;
    add(*thread_, t.thread_offset, *thread_size, "thread");
    reindex();
    auto apc_process = read<std::uint16_t>(*kdbg_va + kKdbgOffsetKThreadApcProcess);
    auto process =
        apc_process ? read<std::uint64_t>(*thread_ + *apc_process) : Expected<std::uint64_t>(0);
    auto process_size = read<std::uint16_t>(*kdbg_va + kKdbgSizeEProcess);
    if (!process || *process == 0 || !process_size)
        return;
    process_ = *process;
    add(*process_, t.process_offset, *process_size, "process");
}

const SavedRange* TriageMemory::find(std::uint64_t va) const {
    // Ranges may overlap (a structure copy and a data block); the one added first wins.
    const SavedRange* best = nullptr;
    std::size_t best_index = ranges_.size();
    auto it = std::upper_bound(by_va_.begin(), by_va_.end(), va,
                               [&](std::uint64_t v, std::size_t i) { return v < ranges_[i].va; });
    while (it != by_va_.begin()) {
        --it;
        const SavedRange& r = ranges_[*it];
        if (va - r.va >= largest_)
            break;
        if (va - r.va < r.size && *it < best_index) {
            best = &r;
            best_index = *it;
        }
    }
    return best;
}

Expected<Translation> TriageMemory::translate(std::uint64_t va) const {
    const SavedRange* r = find(va);
    if (!r)
        return makeError(ErrorCode::PageNotInDump, "{:#x} was not saved in the triage dump", va);
    return Translation{r->file_offset + (va - r->va), r->size, Translation::Via::Saved};
}

Expected<void> TriageMemory::read(std::uint64_t va, std::span<std::byte> out) const {
    std::size_t done = 0;
    while (done < out.size()) {
        const std::uint64_t at = va + done;
        const SavedRange* r = find(at);
        if (!r)
            return makeError(ErrorCode::PageNotInDump, "{:#x} was not saved in the triage dump",
                             at);
        const std::uint64_t inside = at - r->va;
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(out.size() - done, r->size - inside));
        std::memcpy(out.data() + done, file_.data() + r->file_offset + inside, n);
        done += n;
    }
    return {};
}

std::uint64_t TriageMemory::savedBytes() const {
    std::uint64_t total = 0;
    for (const auto& r : ranges_)
        total += r.size;
    return total;
}

} // namespace dumpprocs::dumpfile
