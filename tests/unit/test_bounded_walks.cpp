// Walks over hostile kernel structures stay bounded: handle tables whose directories repeat a
// page, rings with a bad back link at every node, rings longer than the cap.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
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
    const auto walk = kernel::walkList(as, kHead, kernel::ListWalkOptions{50, false, {}});
    CHECK_FALSE(walk.closed);
    CHECK(walk.nodes.size() == 50);
    CHECK(anyContains(walk.warnings, "stopped after 50 entries (the cap)"));
    const auto full = kernel::walkList(as, kHead);
    CHECK(full.closed);
    CHECK(full.nodes.size() == 200);
    CHECK(full.warnings.empty());
}

namespace {

constexpr std::uint64_t kSpread = 0xfffff80000100000; // one node per page, so a page can be lost

std::uint64_t spreadNode(std::uint64_t i) {
    return kSpread + 0x1000 * i;
}

// head -> node 0 -> ... -> node n-1 -> head, with consistent Blinks, one node per page.
void buildSpreadRing(Machine& m, std::uint64_t n) {
    m.kernel.put<std::uint64_t>(kHead, spreadNode(0));
    m.kernel.put<std::uint64_t>(kHead + 8, spreadNode(n - 1));
    for (std::uint64_t i = 0; i < n; ++i) {
        m.kernel.put<std::uint64_t>(spreadNode(i), i + 1 < n ? spreadNode(i + 1) : kHead);
        m.kernel.put<std::uint64_t>(spreadNode(i) + 8, i == 0 ? kHead : spreadNode(i - 1));
    }
}

void zeroNode(Machine& m, std::uint64_t i) {
    m.kernel.put<std::uint64_t>(spreadNode(i), 0);
    m.kernel.put<std::uint64_t>(spreadNode(i) + 8, 0);
}

} // namespace

TEST_CASE("a closed ring with consistent Blinks is exhaustive", "[bounded][coverage]") {
    Machine m;
    buildSpreadRing(m, 10);
    const auto as = m.addressSpace();
    const auto walk = kernel::walkList(as, kHead);
    CHECK(walk.closed);
    CHECK(walk.exhaustive);
    CHECK(walk.gap.empty());
}

TEST_CASE("a closed ring with a Blink that does not point back is not exhaustive",
          "[bounded][coverage]") {
    Machine m;
    buildSpreadRing(m, 10);
    m.kernel.put<std::uint64_t>(spreadNode(4) + 8, spreadNode(7));
    const auto as = m.addressSpace();
    const auto walk = kernel::walkList(as, kHead);
    CHECK(walk.closed);
    CHECK_FALSE(walk.exhaustive);
    CHECK(walk.gap.find("do not point back") != std::string::npos);
}

TEST_CASE("one zeroed node: the Flink and Blink walks meet at it and cover the ring",
          "[bounded][coverage]") {
    Machine m;
    buildSpreadRing(m, 10);
    zeroNode(m, 5);
    const auto as = m.addressSpace();
    const auto walk = kernel::walkList(as, kHead);
    CHECK_FALSE(walk.closed);
    CHECK(walk.exhaustive);
    CHECK(walk.nodes.size() == 10);
    CHECK(std::find(walk.nodes.begin(), walk.nodes.end(), spreadNode(5)) != walk.nodes.end());
}

TEST_CASE("one unreadable node: both walks stop at it, it is listed, the ring is covered",
          "[bounded][coverage]") {
    Machine m;
    buildSpreadRing(m, 10);
    m.tables.setPte(spreadNode(3), 0);
    const auto as = m.addressSpace();
    const auto walk = kernel::walkList(as, kHead);
    CHECK_FALSE(walk.closed);
    CHECK(walk.exhaustive);
    CHECK(walk.nodes.size() == 10);
    CHECK(anyContains(walk.warnings, "it is listed as the only entry between them"));
}

TEST_CASE("two lost nodes in a row leave a gap nobody can see into", "[bounded][coverage]") {
    Machine m;
    buildSpreadRing(m, 10);
    zeroNode(m, 4);
    zeroNode(m, 5);
    const auto as = m.addressSpace();
    const auto walk = kernel::walkList(as, kHead);
    CHECK_FALSE(walk.exhaustive);
    CHECK(walk.gap.find("the Flink walk stopped") != std::string::npos);
    CHECK(walk.gap.find("the Blink walk from") != std::string::npos);

    Machine unreadable;
    buildSpreadRing(unreadable, 10);
    unreadable.tables.setPte(spreadNode(4), 0);
    unreadable.tables.setPte(spreadNode(5), 0);
    const auto as2 = unreadable.addressSpace();
    const auto walk2 = kernel::walkList(as2, kHead);
    CHECK_FALSE(walk2.exhaustive);
    CHECK(walk2.nodes.size() == 8);
}

TEST_CASE("a handle table leaf that reads as all zeros makes the walk incomplete",
          "[bounded][coverage]") {
    Machine m;
    m.kernel.put<std::uint64_t>(kTable, kDirectory | 1);
    m.kernel.put<std::uint64_t>(kDirectory, kLeaf);
    m.kernel.put<std::uint64_t>(kDirectory + 8, kLeaf + 0x1000);
    m.kernel.put<std::uint64_t>(kLeaf + 16, kObjects);
    m.kernel.touch(kLeaf + 0x1000); // a leaf page whose contents were lost: all zeros
    const auto as = m.addressSpace();
    auto walk = kernel::walkHandleTable(as, kTable, {0, kernel::HandleEntryEra::Win7});
    REQUIRE(walk.has_value());
    CHECK(walk->entries.size() == 1);
    CHECK_FALSE(walk->complete);
    REQUIRE(walk->gaps.size() == 1);
    CHECK(walk->gaps.front().find("reads as all zeros") != std::string::npos);
}

TEST_CASE("a ring walk takes the links it is given and reads the rest", "[bounded][walk]") {
    Machine m;
    buildRing(m, 20, false);
    const auto as = m.addressSpace();
    const auto plain = kernel::walkList(as, kHead);
    REQUIRE(plain.closed);
    // Given every node's true links (what the process catalog decoded): the same walk.
    std::set<std::uint64_t> asked;
    kernel::ListWalkOptions given;
    given.known_links = [&](std::uint64_t entry) -> std::optional<formats::ListEntry64> {
        asked.insert(entry);
        auto flink = as.read<std::uint64_t>(entry);
        auto blink = as.read<std::uint64_t>(entry + 8);
        if (!flink || !blink)
            return std::nullopt;
        return formats::ListEntry64{*flink, *blink};
    };
    const auto same = kernel::walkList(as, kHead, given);
    CHECK(same.nodes == plain.nodes);
    CHECK(same.closed);
    CHECK(same.warnings.empty());
    CHECK(asked.size() == 21); // the head and every node, each once whatever link is wanted
    // The given links are used, not read again: a node whose given Flink skips one.
    const std::uint64_t fifth = plain.nodes[4];
    kernel::ListWalkOptions skipping = given;
    skipping.known_links = [&](std::uint64_t entry) -> std::optional<formats::ListEntry64> {
        auto links = given.known_links(entry);
        if (links && entry == fifth)
            links->Flink = plain.nodes[6];
        return links;
    };
    const auto skipped = kernel::walkList(as, kHead, skipping);
    CHECK(skipped.nodes.size() == 19);
    CHECK(anyContains(skipped.warnings, "Blink is"));
    // None given (nullopt): everything read, as without the option.
    kernel::ListWalkOptions none;
    none.known_links = [](std::uint64_t) -> std::optional<formats::ListEntry64> {
        return std::nullopt;
    };
    CHECK(kernel::walkList(as, kHead, none).nodes == plain.nodes);
}
