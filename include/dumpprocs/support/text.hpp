#pragma once
// Text the kernel stores as UTF-16LE (driver names, UNICODE_STRINGs), turned into the UTF-8 the
// reports print. Hostile bytes never reach the terminal: unpaired surrogates and control
// characters become U+FFFD.

#include <cstdint>
#include <span>
#include <string>

#include "dumpprocs/support/byte_view.hpp"

namespace dumpprocs {

std::string utf16ToUtf8(std::span<const std::uint16_t> units);
// The first bytes.size() / 2 code units of `bytes`, little-endian; a trailing odd byte is ignored.
std::string utf16leToUtf8(const ByteView& bytes);

} // namespace dumpprocs
