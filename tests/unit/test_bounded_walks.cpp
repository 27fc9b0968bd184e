// Walks over hostile kernel structures stay bounded: handle tables whose directories repeat a
// page, rings with a bad back link at every node, rings longer than the cap.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "dumpgen/memory_image.hpp"
#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/handle_table.hpp"
#include "dumpprocs/kernel/list_walker.hpp"

using namespace dumpprocs;

namespace {

// The frames of a synthetic machine as PhysicalMemory (absent frames are not in the "dump").
class ImageMemory final : public PhysicalMemory {
  public:
    explicit ImageMemory(const dumpgen::PhysicalImage& image) : image_(image) {}
    Expected<ByteView> page(std::uint64_t pfn) const override {
        auto it = image_.frames().find(pfn);
        if (it == image_.frames().end())
            return makeError(ErrorCode::PageNotInDump, "physical page {:#x} is not in the dump",
                             pfn * kPageSize);
        return ByteView(reinterpret_cast<const std::byte*>(it->second.data()), kPageSize,
                        pfn * kPageSize, "physical address");
    }
    std::uint64_t pageSpan() const override {
        return image_.frames().empty() ? 0 : image_.frames().rbegin()->first + 1;
    }
    std::uint64_t presentPageCount() const override { return image_.frames().size(); }
    void forEachPresentRange(
        const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const override {
        for (const auto& [pfn, bytes] : image_.frames())
            visit(pfn, 1,
                  ByteView(reinterpret_cast<const std::byte*>(bytes.data()), kPageSize,
                           pfn * kPageSize, "physical address"));
    }

  private:
    const dumpgen::PhysicalImage& image_;
};

struct Machine {
    dumpgen::PhysicalImage image;
    dumpgen::PageTables tables{image, 0x1ED};
    dumpgen::KernelMemory kernel{image, tables};
    ImageMemory memory{image};
    X64AddressSpace addressSpace() const { return X64AddressSpace(memory, tables.pml4()); }
};

bool anyContains(const std::vector<std::string>& lines, const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

constexpr std::uint64_t kTable = 0xfffffa8000100000, kDirectory = 0xfffffa8000200000,
                        kLeaf = 0xfffffa8000300000, kObjects = 0xfffffa8000400000;

// A two-level table whose 512 directory slots all name the same leaf of 255 live entries.
void buildSprayedTable(Machine& m) {
    m.kernel.put<std::uint64_t>(kTable, kDirectory | 1); // TableCode: level code 1
    for (std::uint64_t i = 0; i < 512; ++i)
        m.kernel.put<std::uint64_t>(kDirectory + 8 * i, kLeaf);
    for (std::uint64_t slot = 1; slot < 256; ++slot)
        m.kernel.put<std::uint64_t>(kLeaf + 16 * slot, kObjects + 0x100 * slot);
}

constexpr std::uint64_t kHead = 0xfffff80000010000, kNodes = 0xfffff80000020000;

// A ring head -> node 0 -> ... -> node n-1 -> head; every node's Blink is wrong when asked.
void buildRing(Machine& m, std::uint64_t n, bool bad_blinks) {
    auto node = [](std::uint64_t i) { return kNodes + 0x10 * i; };
    m.kernel.put<std::uint64_t>(kHead, node(0));
    m.kernel.put<std::uint64_t>(kHead + 8, node(n - 1));
    for (std::uint64_t i = 0; i < n; ++i) {
        m.kernel.put<std::uint64_t>(node(i), i + 1 < n ? node(i + 1) : kHead);
        const std::uint64_t blink = i == 0 ? kHead : node(i - 1);
        m.kernel.put<std::uint64_t>(node(i) + 8, bad_blinks ? 0xfffff80000000000 : blink);
    }
}

} // namespace

TEST_CASE("a handle directory that repeats one leaf yields its entries once", "[bounded]") {
    Machine m;
    buildSprayedTable(m);
    const auto as = m.addressSpace();
    auto walk = kernel::walkHandleTable(as, kTable, {0, kernel::HandleEntryEra::Win7});
    REQUIRE(walk.has_value());
    CHECK(walk->levels == 2);
    CHECK(walk->entries.size() == 255); // not 512 * 255
    CHECK_FALSE(walk->complete);
    // 511 repeats: 64 reported one by one, then one line counting the rest.
    REQUIRE(walk->warnings.size() == 65);
    CHECK(walk->warnings.front().find("same memory as an earlier one") != std::string::npos);
    CHECK(walk->warnings.back() == "... and 447 more handle table warnings");
}

TEST_CASE("a handle table with level code 3 is refused", "[bounded]") {
    Machine m;
    m.kernel.put<std::uint64_t>(kTable, kDirectory | 3);
    const auto as = m.addressSpace();
    auto walk = kernel::walkHandleTable(as, kTable, {0, kernel::HandleEntryEra::Win7});
    REQUIRE_FALSE(walk.has_value());
    CHECK(walk.error().message.find("has level code 3, not 0..2") != std::string::npos);
}

TEST_CASE("back-link mismatches are counted after the first 64", "[bounded]") {
    Machine m;
    buildRing(m, 200, true);
    const auto as = m.addressSpace();
    const auto walk = kernel::walkList(as, kHead);
    CHECK(walk.closed);
    CHECK(walk.nodes.size() == 200);
    REQUIRE(walk.warnings.size() == 65);
    CHECK(walk.warnings.back() == "... 200 Blink mismatches in all, 64 shown");
}

TEST_CASE("a ring longer than the cap stops at the cap and says so", "[bounded]") {
    Machine m;
    buildRing(m, 200, false);
    const auto as = m.addressSpace();
    const auto walk = kernel::walkList(as, kHead, kernel::ListWalkOptions{50, false});
    CHECK_FALSE(walk.closed);
    CHECK(walk.nodes.size() == 50);
    CHECK(anyContains(walk.warnings, "stopped after 50 entries (the cap)"));
    const auto full = kernel::walkList(as, kHead);
    CHECK(full.closed);
    CHECK(full.nodes.size() == 200);
    CHECK(full.warnings.empty());
}
