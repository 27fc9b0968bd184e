#include "dumpprocs/kernel/handle_table.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <unordered_set>

#include <fmt/format.h>

namespace dumpprocs::kernel {
namespace {

constexpr std::uint64_t kEntrySize = 16;
constexpr std::uint64_t kEntriesPerLeaf = kPageSize / kEntrySize; // 256 (WRK LOWLEVEL_COUNT)
constexpr std::uint64_t kPointersPerPage = kPageSize / 8;         // 512 (MIDLEVEL_COUNT)
constexpr std::uint64_t kTopLevelPointers = 128; // HIGHLEVEL_COUNT = 2^24 / (256 * 512)
constexpr std::uint64_t kHandleIncrement = 4;    // HANDLE_VALUE_INC: index = handle >> 2

constexpr std::size_t kMaxWarnings = 64; // then one summary line: a hostile table can make
                                         // a warning per entry

bool plausibleObject(std::uint64_t va) {
    return isKernelAddress(va) && isCanonical(va);
}

class Walker {
  public:
    Walker(const VirtualMemory& as, HandleEntryEra era, HandleTableWalk& out)
        : as_(as), era_(era), out_(out) {}

    // Adds the summary of the warnings left out.
    void finish() {
        if (suppressed_ > 0)
            out_.warnings.push_back(
                fmt::format("... and {} more handle table warnings", suppressed_));
    }

    void leaf(std::uint64_t page, std::uint64_t first_index) {
        std::array<std::byte, kPageSize> bytes;
        if (auto r = as_.read(page, bytes); !r) {
            gap(fmt::format("handle table leaf page {:#x} (handles {:#x}..): {}", page,
                            first_index * kHandleIncrement, r.error().message));
            return;
        }
        if (allZero(bytes)) {
            gap(fmt::format("handle table leaf page {:#x} (handles {:#x}..) reads as all zeros: "
                            "a leaf in use never does (its free entries are chained), so its "
                            "contents were lost (a page the dump writer did not fill)",
                            page, first_index * kHandleIncrement));
            return;
        }
        if (!firstVisit(page, "leaf", first_index))
            return;
        const ByteView view(bytes.data(), bytes.size(), page, "address");
        // Slot 0 of every leaf page is never a valid handle (WRK ExMapHandleToPointer).
        for (std::uint64_t slot = 1; slot < kEntriesPerLeaf; ++slot) {
            auto entry = view.read<std::uint64_t>(slot * kEntrySize);
            if (!entry)
                break; // a leaf read short: the slots it lacks are not there to decode
            const std::uint64_t low = *entry;
            const std::uint64_t object = decodeHandleEntry(low, era_);
            if (object == 0)
                continue;
            if (!plausibleObject(object)) {
                warn(fmt::format("handle {:#x} at {:#x}: entry {:#018x} does not decode to a "
                                 "kernel address",
                                 (first_index + slot) * kHandleIncrement, page + slot * kEntrySize,
                                 low));
                continue;
            }
            out_.entries.push_back(HandleEntry{(first_index + slot) * kHandleIncrement, object,
                                               page + slot * kEntrySize});
        }
    }

    void middle(std::uint64_t page, std::uint64_t first_index, std::uint64_t count) {
        if (!firstVisit(page, "directory", first_index))
            return;
        const auto pointers = directory(page, "directory", first_index);
        if (pointers) { // the leaves' pages in one batch before they are read one by one
            std::vector<VirtualRange> leaves;
            for (std::uint64_t i = 0; i < count; ++i)
                if ((*pointers)[i] != 0)
                    leaves.push_back({(*pointers)[i], kPageSize});
            as_.prefetch(leaves);
        }
        for (std::uint64_t i = 0; pointers && i < count; ++i)
            if ((*pointers)[i] != 0)
                leaf((*pointers)[i], first_index + i * kEntriesPerLeaf);
    }

    void top(std::uint64_t page) {
        firstVisit(page, "top level", 0);
        const auto pointers = directory(page, "top level", 0);
        for (std::uint64_t i = 0; pointers && i < kTopLevelPointers; ++i)
            if ((*pointers)[i] != 0)
                middle((*pointers)[i], i * kEntriesPerLeaf * kPointersPerPage, kPointersPerPage);
    }

  private:
    using Pointers = std::array<std::uint64_t, kPointersPerPage>;

    // A directory page's pointers, or nullopt (and a gap) when the page cannot be read or reads
    // as all zeros, which a directory in use never does.
    std::optional<Pointers> directory(std::uint64_t page, const char* what,
                                      std::uint64_t first_index) {
        Pointers pointers;
        if (auto r = as_.read(page, std::as_writable_bytes(std::span(pointers))); !r) {
            gap(r.error().context(fmt::format("handle table {}", what)).message);
            return std::nullopt;
        }
        if (std::all_of(pointers.begin(), pointers.end(), [](auto p) { return p == 0; })) {
            gap(fmt::format("handle table {} page {:#x} (handles {:#x}..) reads as all zeros: "
                            "its contents were lost",
                            what, page, first_index * kHandleIncrement));
            return std::nullopt;
        }
        return pointers;
    }

    static bool allZero(const std::array<std::byte, kPageSize>& bytes) {
        return std::all_of(bytes.begin(), bytes.end(),
                           [](std::byte b) { return b == std::byte{0}; });
    }

    // A part of the table that was not read: the walk cannot vouch for what the table holds.
    void gap(std::string message) {
        out_.complete = false;
        out_.gaps.push_back(message);
        warn(std::move(message));
    }

    void warn(std::string message) {
        if (out_.warnings.size() < kMaxWarnings)
            out_.warnings.push_back(std::move(message));
        else
            ++suppressed_;
    }

    // A real table never shares a page between two slots of its directories; a corrupt one that
    // does (a cycle, or every pointer at one page) would repeat entries up to 2^24 times. Pages
    // are told apart by physical address, so the walk is bounded by the pages the dump holds.
    bool firstVisit(std::uint64_t page, const char* what, std::uint64_t first_index) {
        auto t = as_.translate(page);
        if (!t || visited_.insert(t->physical).second)
            return true;
        gap(fmt::format("handle table {} page {:#x} (handles {:#x}..) is the same memory as an "
                        "earlier one; skipped",
                        what, page, first_index * kHandleIncrement));
        return false;
    }

    const VirtualMemory& as_;
    HandleEntryEra era_;
    HandleTableWalk& out_;
    std::unordered_set<std::uint64_t> visited_;
    std::size_t suppressed_ = 0;
};

} // namespace

std::uint64_t decodeHandleEntry(std::uint64_t low, HandleEntryEra era) {
    if (low == 0)
        return 0;
    switch (era) {
    case HandleEntryEra::Win7:
        return low & ~std::uint64_t{7}; // low 3 bits: lock and attribute flags
    case HandleEntryEra::Win8: {
        // ObjectPointerBits 23..63, shifted back to bit 4; the kernel bits above bit 44 restored.
        std::uint64_t v = (low >> 19) & ~std::uint64_t{0xF};
        v |= (v & (std::uint64_t{1} << 44)) ? 0xFFFFF00000000000ULL : 0xFFFF000000000000ULL;
        return v;
    }
    case HandleEntryEra::Win81Plus:
        // ObjectPointerBits 20..63: arithmetic shift keeps the kernel sign bits.
        return static_cast<std::uint64_t>(static_cast<std::int64_t>(low) >> 16) &
               ~std::uint64_t{0xF};
    }
    return 0;
}

Expected<HandleTableWalk> walkHandleTable(const VirtualMemory& as, std::uint64_t table,
                                          const HandleTableLayout& layout) {
    DP_TRY(std::uint64_t code, as.read<std::uint64_t>(table + layout.table_code));
    HandleTableWalk walk;
    walk.table = table;
    walk.table_code = code;
    const std::uint64_t level_code = code & 7;
    if (level_code > 2)
        return makeError(ErrorCode::InvalidData,
                         "handle table at {:#x}: TableCode {:#x} has level code {}, not 0..2",
                         table, code, level_code);
    walk.levels = static_cast<unsigned>(level_code) + 1;
    const std::uint64_t base = code & ~std::uint64_t{7};
    Walker walker(as, layout.era, walk);
    if (level_code == 0)
        walker.leaf(base, 0);
    else if (level_code == 1)
        walker.middle(base, 0, kPointersPerPage);
    else
        walker.top(base);
    walker.finish();
    return walk;
}

} // namespace dumpprocs::kernel
