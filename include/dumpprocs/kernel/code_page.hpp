#pragma once
// The system's ANSI code page: the 8-bit encoding _EPROCESS.ImageFileName is written in (Shift-JIS,
// code page 932, on a Japanese Windows). Decoded with the C library's iconv, nothing guessed: a
// byte sequence the code page does not define, or one that decodes to a control character, is
// no decoding at all, and the caller shows the bytes escaped instead.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::kernel {

// The code pages --codepage accepts, in ascending order: 437, 850, 866, 874, 932, 936, 949, 950,
// 1250-1258, 65001 (UTF-8).
const std::vector<unsigned>& knownCodePages();

// Fails (Usage) for a code page not in knownCodePages(), or one the C library cannot convert.
Expected<void> checkCodePage(unsigned code_page);

// `bytes` (no NUL) in `code_page` as UTF-8; nullopt when a byte sequence is not defined there or
// a character is a control character, and for an unknown code page.
std::optional<std::string> decodeCodePage(std::string_view bytes, unsigned code_page);

} // namespace dumpprocs::kernel
