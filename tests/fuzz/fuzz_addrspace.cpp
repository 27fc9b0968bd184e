// Fuzz target: x64 four-level translation over arbitrary page tables, typed reads across page
// boundaries, and the bounded LIST_ENTRY and handle-table walks on top of them.
//
// Input layout: a 0x50-byte prologue {u64 DirectoryTableBase; u64 first_pfn; u64 address[8]}
// followed by the physical pages, PFN first_pfn first (a trailing partial page is ignored). Every
// other PFN is absent, so page tables may point into, out of and back onto themselves.
// address[0] is also walked as a LIST_ENTRY ring, address[1] as a _HANDLE_TABLE whose TableCode
// lies at the offset in the low byte of address[2].

#include <array>
#include <cstring>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/handle_table.hpp"
#include "dumpprocs/kernel/list_walker.hpp"
#include "fuzz_support.hpp"

using namespace dumpprocs;

namespace {

constexpr std::size_t kAddresses = 8;
constexpr std::size_t kPrologue = 16 + 8 * kAddresses;

class FuzzPhysicalMemory final : public PhysicalMemory {
  public:
    FuzzPhysicalMemory(const std::uint8_t* pages, std::size_t count, std::uint64_t first_pfn)
        : pages_(reinterpret_cast<const std::byte*>(pages)), count_(count),
          first_(first_pfn & 0xFFFFFFFFFULL) {} // 36 bits: x64's 48-bit physical addresses

    Expected<ByteView> page(std::uint64_t pfn) const override {
        if (pfn < first_ || pfn - first_ >= count_)
            return makeError(ErrorCode::PageNotInDump, "physical page {:#x} is not in the dump",
                             pfn * kPageSize);
        return ByteView(pages_ + (pfn - first_) * kPageSize, kPageSize, pfn * kPageSize,
                        "physical address");
    }
    std::uint64_t pageSpan() const override { return first_ + count_; }
    std::uint64_t presentPageCount() const override { return count_; }
    void forEachPresentRange(
        const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const override {
        if (count_)
            visit(first_, count_,
                  ByteView(pages_, count_ * kPageSize, first_ * kPageSize, "physical address"));
    }

  private:
    const std::byte* pages_;
    std::uint64_t count_;
    std::uint64_t first_;
};

std::uint64_t word(const std::uint8_t* data, std::size_t index) {
    std::uint64_t v;
    std::memcpy(&v, data + 8 * index, 8);
    return v;
}

// A translation names a physical byte; translate() does not require the data page to be in the
// dump, but a read must fail exactly when it is not, and otherwise return that byte.
void checkTranslation(const X64AddressSpace& as, const FuzzPhysicalMemory& memory,
                      std::uint64_t va) {
    auto t = as.translate(va);
    if (!t)
        return;
    auto page = memory.page(t->physical >> kPageShift);
    auto byte = as.read<std::uint8_t>(va);
    if (page.has_value() != byte.has_value())
        std::abort();
    if (byte && static_cast<std::byte>(*byte) != page->data()[t->physical & 0xFFF])
        std::abort();
}

void exerciseReads(const X64AddressSpace& as, std::uint64_t va) {
    std::array<std::byte, 0x20> small{};
    (void)as.read(va, small);
    (void)as.read((va | 0xFFF) - 0xF, small); // straddles the next page
    (void)as.readBytes(va & ~std::uint64_t{0xFFF}, 0x2000);
    (void)as.read<std::uint64_t>(va);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < kPrologue)
        return 0;
    fuzz::quietLogging();
    const FuzzPhysicalMemory memory(data + kPrologue, (size - kPrologue) / kPageSize,
                                    word(data, 1));
    const X64AddressSpace as(memory, word(data, 0));
    for (std::size_t i = 0; i < kAddresses; ++i) {
        const std::uint64_t va = word(data, 2 + i);
        checkTranslation(as, memory, va);
        exerciseReads(as, va);
    }
    const std::uint64_t list = word(data, 2), table = word(data, 3);
    (void)kernel::walkList(as, list, kernel::ListWalkOptions{4096, true, {}});
    (void)kernel::validateList(as, list, 4096);
    for (auto era : {kernel::HandleEntryEra::Win7, kernel::HandleEntryEra::Win8,
                     kernel::HandleEntryEra::Win81Plus}) {
        kernel::HandleTableLayout layout;
        layout.table_code = static_cast<std::uint32_t>(word(data, 4) & 0xF8);
        layout.era = era;
        (void)kernel::walkHandleTable(as, table, layout);
    }
    return 0;
}
