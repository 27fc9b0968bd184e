#include "dumpprocs/report/read_report.hpp"

#include "dumpprocs/report/table.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace dumpprocs::report {

std::string renderRead(const analysis::ReadResult& r, OutputFormat format) {
    using json = nlohmann::ordered_json;
    if (format == OutputFormat::Json) {
        json j;
        j["address"] = hex64(r.address);
        j["space"] = r.physical ? "physical" : "virtual";
        j["physical_address"] =
            r.physical_address ? json(hex64(*r.physical_address)) : json(nullptr);
        j["length"] = r.bytes.size();
        j["requested"] = r.requested;
        j["hex"] = hexString(r.bytes);
        j["error"] = r.error ? json(*r.error) : json(nullptr);
        return j.dump(2) + "\n";
    }
    if (format == OutputFormat::Csv) {
        // One row per 16 bytes, as the text dump's lines: the row's first address, its bytes in
        // hex, the printable ones as ASCII; an unreadable byte ends the dump with a row that names
        // its address and why.
        Table t;
        t.columns = {{"", "address", ""}, {"", "hex", ""}, {"", "ascii", ""}, {"", "error", ""}};
        for (std::size_t at = 0; at < r.bytes.size(); at += 16) {
            std::string hex, ascii;
            for (std::size_t i = at; i < std::min(at + 16, r.bytes.size()); ++i) {
                const auto b = static_cast<unsigned char>(r.bytes[i]);
                hex += fmt::format("{}{:02x}", hex.empty() ? "" : " ", b);
                ascii += b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '.';
            }
            t.add({Cell::hex(r.address + at), Cell::text(hex), Cell::text(ascii), Cell::missing()});
        }
        if (r.error)
            t.add({Cell::hex(r.address + r.bytes.size()), Cell::missing(), Cell::missing(),
                   Cell::text(*r.error)});
        return renderCsv(t);
    }
    std::string out = hexDumpLines(r.address, r.bytes);
    if (r.error)
        out += fmt::format("{}  ?? (cannot read: {})\n", windbgHex(r.address + r.bytes.size()),
                           *r.error);
    return out;
}

} // namespace dumpprocs::report
