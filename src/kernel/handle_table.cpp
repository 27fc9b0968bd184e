#include "dumpprocs/kernel/handle_table.hpp"

#include <array>
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
            warn(fmt::format("handle table leaf page {:#x} (handles {:#x}..): {}", page,
                             first_index * kHandleIncrement, r.error().message));
            out_.complete = false;
            return;
        }
        if (!firstVisit(page, "leaf", first_index))
            return;
        const ByteView view(bytes.data(), bytes.size(), page, "address");
        // Slot 0 of every leaf page is never a valid handle (WRK ExMapHandleToPointer).
        for (std::uint64_t slot = 1; slot < kEntriesPerLeaf; ++slot) {
            const auto low = view.readUnchecked<std::uint64_t>(slot * kEntrySize);
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
        for (std::uint64_t i = 0; i < count; ++i) {
            auto pointer = as_.read<std::uint64_t>(page + 8 * i);
            if (!pointer) {
                warn(pointer.error().context("handle table directory").message);
                out_.complete = false;
                return;
            }
            if (*pointer == 0)
                continue;
            leaf(*pointer, first_index + i * kEntriesPerLeaf);
        }
    }

    void top(std::uint64_t page) {
        firstVisit(page, "top level", 0);
        for (std::uint64_t i = 0; i < kTopLevelPointers; ++i) {
            auto pointer = as_.read<std::uint64_t>(page + 8 * i);
            if (!pointer) {
                warn(pointer.error().context("handle table top level").message);
                out_.complete = false;
                return;
            }
            if (*pointer != 0)
                middle(*pointer, i * kEntriesPerLeaf * kPointersPerPage, kPointersPerPage);
        }
    }

  private:
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
        warn(fmt::format("handle table {} page {:#x} (handles {:#x}..) is the same memory as an "
                         "earlier one; skipped",
                         what, page, first_index * kHandleIncrement));
        out_.complete = false;
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
