#include "dumpprocs/report/format.hpp"

#include <chrono>

#include <fmt/format.h>

namespace dumpprocs::report {

std::string hex64(std::uint64_t value) {
    // By hand: the JSON of thousands of processes spells several addresses each.
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(18, '0');
    out[1] = 'x';
    for (std::size_t i = 17; i >= 2; --i, value >>= 4)
        out[i] = kDigits[value & 0xF];
    return out;
}

std::string windbgHex(std::uint64_t value) {
    return fmt::format("{:08x}`{:08x}", value >> 32, value & 0xFFFFFFFFu);
}

std::string filetimeToIso(std::uint64_t filetime) {
    if (filetime == 0)
        return "";
    using namespace std::chrono;
    constexpr std::int64_t kEpochDelta = 11644473600LL; // seconds from 1601-01-01 to 1970-01-01
    const std::int64_t total_ms = static_cast<std::int64_t>(filetime / 10000);
    const std::int64_t unix_ms = total_ms - kEpochDelta * 1000;
    const auto tp = sys_time<milliseconds>(milliseconds(unix_ms));
    const auto day = floor<days>(tp);
    const year_month_day ymd(day);
    const hh_mm_ss<milliseconds> t(tp - day);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       t.hours().count(), t.minutes().count(), t.seconds().count(),
                       t.subseconds().count());
}

std::string uptimeText(std::uint64_t hundred_ns) {
    const std::uint64_t ms = hundred_ns / 10000;
    const std::uint64_t s = ms / 1000;
    return fmt::format("{} days {}:{:02}:{:02}.{:03}", s / 86400, (s / 3600) % 24, (s / 60) % 60,
                       s % 60, ms % 1000);
}

std::string hexString(std::span<const std::byte> bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::byte b : bytes)
        out += fmt::format("{:02x}", static_cast<unsigned>(b));
    return out;
}

std::string hexDumpLines(std::uint64_t address, std::span<const std::byte> bytes) {
    std::string out;
    for (std::size_t line = 0; line < bytes.size(); line += 16) {
        std::string hex, ascii;
        for (std::size_t i = 0; i < 16; ++i) {
            if (line + i >= bytes.size()) {
                hex += "   ";
                continue;
            }
            const auto b = static_cast<unsigned>(bytes[line + i]);
            hex += fmt::format("{:02x}{}", b, i == 7 ? "-" : " ");
            ascii += (b >= 0x20 && b < 0x7F) ? static_cast<char>(b) : '.';
        }
        out += fmt::format("{}  {} {}\n", windbgHex(address + line), hex, ascii);
    }
    return out;
}

std::string csvField(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string out = "\"";
    for (char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

} // namespace dumpprocs::report
