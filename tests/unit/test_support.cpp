#include <array>
#include <catch2/catch.hpp>

#include "dumpprocs/support/byte_view.hpp"

using namespace dumpprocs;

TEST_CASE("ByteView reads inside bounds and names the absolute offset outside", "[support]") {
    std::array<std::byte, 16> buf{};
    buf[8] = std::byte{0x78};
    buf[9] = std::byte{0x56};
    ByteView view(buf.data(), buf.size(), 0x2000, "file offset");

    auto ok = view.read<std::uint16_t>(8);
    REQUIRE(ok);
    CHECK(*ok == 0x5678);

    auto bad = view.read<std::uint64_t>(12);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::OutOfBounds);
    CHECK(bad.error().message.find("file offset 0x200c") != std::string::npos);
}

TEST_CASE("ByteView::slice rejects ranges whose end overflows", "[support]") {
    std::array<std::byte, 16> buf{};
    ByteView view(buf.data(), buf.size());
    CHECK_FALSE(view.slice(8, ~0ULL - 4));
    CHECK_FALSE(view.slice(17, 0));
    auto s = view.slice(4, 12);
    REQUIRE(s);
    CHECK(s->size() == 12);
    CHECK(s->base() == 4);
}

namespace {
Expected<int> half(int v) {
    if (v % 2)
        return makeError(ErrorCode::InvalidData, "{} is odd", v);
    return v / 2;
}
Expected<int> quarter(int v) {
    DP_TRY(int h, half(v));
    return half(h);
}
} // namespace

TEST_CASE("Expected propagates the first error through DP_TRY", "[support]") {
    CHECK(*quarter(8) == 2);
    auto e = quarter(6);
    REQUIRE_FALSE(e);
    CHECK(e.error().message == "3 is odd");
}
