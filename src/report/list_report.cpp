#include "dumpprocs/report/list_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace dumpprocs::report {

using json = nlohmann::ordered_json;

std::string renderValidateList(std::uint64_t head, const kernel::ListValidation& v,
                               OutputFormat format) {
    if (format == OutputFormat::Json) {
        json j;
        j["head"] = hex64(head);
        j["forward_entries"] = v.forward_entries;
        j["backward_entries"] = v.backward_entries;
        j["forward_closed"] = v.forward_closed;
        j["backward_closed"] = v.backward_closed;
        j["valid"] = v.forward_closed && v.backward_closed && v.problems.empty();
        j["problems"] = v.problems;
        return j.dump(2) + "\n";
    }
    std::string out;
    if (format == OutputFormat::Csv) {
        out = "head,forward_entries,forward_closed,backward_entries,backward_closed,problems\n";
        std::string problems;
        for (const auto& p : v.problems)
            problems += (problems.empty() ? "" : "; ") + p;
        return out + fmt::format("{},{},{},{},{},{}\n", hex64(head), v.forward_entries,
                                 v.forward_closed ? 1 : 0, v.backward_entries,
                                 v.backward_closed ? 1 : 0, csvField(problems));
    }
    if (v.forward_closed && v.backward_closed && v.problems.empty() &&
        v.forward_entries == v.backward_entries)
        // The same count as JSON's forward_entries: the entries of the ring, the head not one.
        return fmt::format("Found list end after {} entries (the list head not counted)\n",
                           v.forward_entries);
    out += fmt::format("List at {} is broken:\n", hex64(head));
    out += fmt::format("  Flink walk: {} entries{}\n", v.forward_entries,
                       v.forward_closed ? ", back at the head" : ", did not return");
    out += fmt::format("  Blink walk: {} entries{}\n", v.backward_entries,
                       v.backward_closed ? ", back at the head" : ", did not return");
    for (const auto& p : v.problems)
        out += "  " + p + "\n";
    return out;
}

} // namespace dumpprocs::report
