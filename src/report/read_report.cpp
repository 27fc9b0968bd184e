#include "dumpprocs/report/read_report.hpp"

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
        std::string out = "address,byte\n";
        for (std::size_t i = 0; i < r.bytes.size(); ++i)
            out +=
                fmt::format("{},{:02x}\n", hex64(r.address + i), static_cast<unsigned>(r.bytes[i]));
        return out;
    }
    std::string out = hexDumpLines(r.address, r.bytes);
    if (r.error)
        out += fmt::format("{}  ?? (cannot read: {})\n", windbgHex(r.address + r.bytes.size()),
                           *r.error);
    return out;
}

} // namespace dumpprocs::report
