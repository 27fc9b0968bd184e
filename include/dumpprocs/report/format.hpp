#pragma once
// Small formatting helpers shared by every report: addresses, FILETIMEs, durations, hex dumps.

#include <cstdint>
#include <span>
#include <string>

namespace dumpprocs::report {

enum class OutputFormat { Text, Json, Csv };

// "0xfffffa8006d0f740": the JSON/CSV spelling (16 hex digits).
std::string hex64(std::uint64_t value);
// "fffffa80`06d0f740": WinDbg's spelling.
std::string windbgHex(std::uint64_t value);
// FILETIME (100 ns since 1601-01-01 UTC) -> "2014-09-20T00:58:01.081Z"; 0 -> "".
std::string filetimeToIso(std::uint64_t filetime);
// 100-ns units -> "0 days 2:46:44.174" (WinDbg's "System Uptime").
std::string uptimeText(std::uint64_t hundred_ns);
// Bytes as lower-case hex without separators.
std::string hexString(std::span<const std::byte> bytes);
// WinDbg `db`-style lines: address, 16 bytes with a dash after the 8th, ASCII column.
std::string hexDumpLines(std::uint64_t address, std::span<const std::byte> bytes);
// Quotes a CSV field when needed (RFC 4180).
std::string csvField(const std::string& text);

} // namespace dumpprocs::report
