#pragma once
// Strings taken from the dump, turned into the UTF-8 the reports print, so that no byte of a dump
// can break a renderer (nlohmann::json throws on invalid UTF-8) or reach the terminal raw.
// UTF-16LE text (driver names, UNICODE_STRINGs) is decoded: unpaired surrogates and control
// characters become U+FFFD. 8-bit text (PE section names, the PDB name of the CodeView record,
// header strings) is escaped: printable ASCII stays, every other byte and the backslash become
// \xNN, so ".rdata_\xb0" shows the byte that was there.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dumpprocs/support/byte_view.hpp"

namespace dumpprocs {

std::string utf16ToUtf8(std::span<const std::uint16_t> units);
// The first bytes.size() / 2 code units of `bytes`, little-endian; a trailing odd byte is ignored.
std::string utf16leToUtf8(const ByteView& bytes);

// `bytes` up to its first NUL (or its end), printable ASCII kept and anything else as \xNN.
std::string escapeBytes(std::string_view bytes);

// Text that is UTF-8 already except perhaps for some bytes (a file name given by the user, an
// error message that quotes one): valid sequences are kept as they are, each byte that does not
// begin a valid sequence becomes \xNN. For the JSON renderers, which throw on invalid UTF-8.
std::string toValidUtf8(std::string_view text);

} // namespace dumpprocs
