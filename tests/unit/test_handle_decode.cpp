#include <catch2/catch.hpp>

#include "dumpprocs/kernel/handle_table.hpp"

using dumpprocs::kernel::decodeHandleEntry;
using dumpprocs::kernel::HandleEntryEra;

// Entry encodings from kernel-structures.md §8 (values built from the documented bit layouts).
TEST_CASE("Windows 7 entries hold the body pointer with flag bits in the low 3 bits", "[handle]") {
    const std::uint64_t body = 0xfffffa8006d0f740;
    CHECK(decodeHandleEntry(body | 1, HandleEntryEra::Win7) == body);  // lock bit
    CHECK(decodeHandleEntry(body | 7, HandleEntryEra::Win7) == body);
    CHECK(decodeHandleEntry(0, HandleEntryEra::Win7) == 0);
}

TEST_CASE("Windows 8.1+ entries keep ObjectPointerBits in 20..63 (SAR 16, clear nibble)",
          "[handle]") {
    const std::uint64_t body = 0xffffe00012345670;
    // ObjectPointerBits = body >> 4 placed at bit 20; Unlocked (bit 0) and RefCnt bits set.
    const std::uint64_t entry = ((body >> 4) << 20) | (0x7FFFu << 1) | 1;
    CHECK(decodeHandleEntry(entry, HandleEntryEra::Win81Plus) == body);
    // A pool address in the lower kernel half still sign-extends.
    const std::uint64_t body2 = 0xffff8001'2345'6780;
    CHECK(decodeHandleEntry(((body2 >> 4) << 20) | 1, HandleEntryEra::Win81Plus) == body2);
}

TEST_CASE("Windows 8 (9200) entries keep ObjectPointerBits in 23..63", "[handle]") {
    // Round-trips only above 0xfffff000`00000000 (synthetic-dumps.md).
    const std::uint64_t body = 0xfffffa8001234560;
    const std::uint64_t entry = ((body >> 4) << 23) | (1u << 20) | 1;
    CHECK(decodeHandleEntry(entry, HandleEntryEra::Win8) == body);
}
