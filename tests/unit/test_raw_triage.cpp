// Memory without a full header: the triage dump's saved virtual ranges, the PML4 self-reference
// scan and the KDBG decoding.

#include <array>
#include <cstring>
#include <map>
#include <vector>

#include <catch2/catch.hpp>

#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/dumpfile/triage_dump.hpp"
#include "dumpprocs/kernel/raw_discovery.hpp"

using namespace dumpprocs;

namespace {

// Physical pages held in a map: the pages a test writes, nothing else.
class MapMemory final : public PhysicalMemory {
  public:
    std::array<std::byte, kPageSize>& at(std::uint64_t pfn) { return pages_[pfn]; }
    void put64(std::uint64_t pa, std::uint64_t v) {
        std::memcpy(at(pa >> kPageShift).data() + (pa & 0xFFF), &v, 8);
    }
    Expected<ByteView> page(std::uint64_t pfn) const override {
        auto it = pages_.find(pfn);
        if (it == pages_.end())
            return makeError(ErrorCode::PageNotInDump, "page {:#x} absent", pfn);
        return ByteView(it->second.data(), kPageSize, pfn * kPageSize, "physical address");
    }
    std::uint64_t pageSpan() const override {
        return pages_.empty() ? 0 : pages_.rbegin()->first + 1;
    }
    std::uint64_t presentPageCount() const override { return pages_.size(); }
    void forEachPresentRange(
        const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const override {
        for (const auto& [pfn, bytes] : pages_)
            visit(pfn, 1, ByteView(bytes.data(), kPageSize, pfn * kPageSize, "physical address"));
    }

  private:
    std::map<std::uint64_t, std::array<std::byte, kPageSize>> pages_;
};

std::uint64_t ror64(std::uint64_t v, unsigned n) {
    n &= 63;
    return n ? (v >> n) | (v << (64 - n)) : v;
}

// KdEncodeDataBlock as dump-format.md §4.3 gives it (the inverse of the decoder under test).
std::uint64_t encode(std::uint64_t plain, std::uint64_t wait_never, std::uint64_t wait_always,
                     std::uint64_t flag_va) {
    return wait_never ^ ror64(flag_va ^ __builtin_bswap64(wait_always ^ plain),
                              static_cast<unsigned>(wait_never % 64));
}

} // namespace

TEST_CASE("Triage memory reads across adjacent saved ranges and names what was not saved",
          "[triage]") {
    std::vector<std::byte> file(0x100);
    for (std::size_t i = 0; i < file.size(); ++i)
        file[i] = static_cast<std::byte>(i);
    dumpfile::TriageInfo info;
    info.data_blocks = {{0xfffff80000001000ULL, 0x10, 0x10},  // file 0x10..0x1f
                        {0xfffff80000001010ULL, 0x40, 0x08},  // adjacent, file 0x40..0x47
                        {0xfffff80000002000ULL, 0xF8, 0x10}}; // runs past the file: dropped
    const ByteView bytes(file.data(), file.size(), 0, "file offset");
    dumpfile::TriageMemory memory(bytes, info, std::nullopt);

    REQUIRE(memory.ranges().size() == 2);
    std::array<std::byte, 12> out{};
    REQUIRE(memory.read(0xfffff8000000100CULL, out));
    CHECK(out[0] == std::byte{0x1C});
    CHECK(out[3] == std::byte{0x1F});
    CHECK(out[4] == std::byte{0x40}); // the second block continues where the first ends
    CHECK(out[11] == std::byte{0x47});

    auto gap = memory.read<std::uint64_t>(0xfffff80000001014ULL); // 4 bytes past the second
    REQUIRE_FALSE(gap);
    CHECK(gap.error().message == "0xfffff80000001018 was not saved in the triage dump");
    auto t = memory.translate(0xfffff80000001004ULL);
    REQUIRE(t);
    CHECK(t->via == Translation::Via::Saved);
    CHECK(t->physical == 0x14); // the file offset
    CHECK_FALSE(memory.hasPhysicalBacking());
    CHECK_FALSE(memory.translate(0xfffff80000002000ULL));
}

TEST_CASE("The PML4 scan wants a kernel-half self-reference and other kernel entries", "[raw]") {
    MapMemory memory;
    memory.put64(0x5000 + 0x1ED * 8, 0x5000 | 0x3); // self-reference, supervisor
    memory.put64(0x5000 + 0x100 * 8, 0x6000 | 0x3); // a kernel-half table
    memory.put64(0x7000 + 0x1ED * 8, 0x7000 | 0x7); // self-reference with the user bit
    memory.put64(0x7000 + 0x100 * 8, 0x6000 | 0x3);
    memory.put64(0x8000 + 0x1A7 * 8, 0x8000 | 0x3); // self-reference alone: nothing mapped
    memory.put64(0x9000 + 0x0AB * 8, 0x9000 | 0x3); // user-half "self-reference"
    memory.put64(0x9000 + 0x100 * 8, 0x6000 | 0x3);

    const auto found = kernel::findPml4Candidates(memory);
    REQUIRE(found.size() == 1);
    CHECK(found[0].pml4 == 0x5000);
    CHECK(found[0].self_index == 0x1ED);
    CHECK(found[0].kernel_entries == 1);
}

TEST_CASE("The System process is found by name, PID 4 and a candidate root", "[raw]") {
    MapMemory memory;
    // 19041 offsets: ImageFileName 0x5A8, UniqueProcessId 0x440, DirectoryTableBase 0x28.
    const std::uint64_t e = 0x20000;
    std::memcpy(memory.at(e >> kPageShift).data() + 0x5A8, "System", 6);
    memory.put64(e + 0x440, 4);
    memory.put64(e + 0x28, 0x1AD002);    // PCID bits
    const std::uint64_t decoy = 0x30000; // PID 4 and "System", but not a candidate root
    std::memcpy(memory.at(decoy >> kPageShift).data() + 0x5A8, "System", 6);
    memory.put64(decoy + 0x440, 4);
    memory.put64(decoy + 0x28, 0x999000);

    const auto hits = kernel::findSystemProcesses(memory, {0x1AD000});
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].eprocess_pa == e);
    CHECK(hits[0].dtb == 0x1AD002);
    CHECK(hits[0].active_links_offset == 0x448);
    CHECK(hits[0].layout.find("19041") != std::string::npos);
}

TEST_CASE("An encoded KDBG qword decodes back, for every rotation", "[kdbg]") {
    const std::uint64_t flag = 0xfffff8047c210090ULL, plain = 0x0000038047424B44ULL;
    for (std::uint64_t wait_never : {0x3B5F1C8A92D7E461ULL, 0x1234567800000040ULL, 0x7FULL}) {
        kernel::KdbgEncoding e;
        e.wait_never = wait_never;
        e.wait_always = 0x9E27A4C15B08F3D2ULL;
        e.encoded_flag = flag;
        const std::uint64_t enc = encode(plain, e.wait_never, e.wait_always, flag);
        CHECK(enc != plain);
        CHECK(kernel::decodeKdbgQword(enc, e) == plain);
    }
}
