#pragma once
// Internal to the report layer: the "Label  value  [source]" lines both --info reports (crash
// dumps and raw images) are made of, and the lines about the kernel they share.

#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/analysis/info.hpp"

namespace dumpprocs::report::detail {

// One --info line; `source` says where the value came from ("header", "KDBG", "scan: ...").
struct InfoLine {
    std::string key, label, value, source;
    // The CSV's value where it differs from the text's (a duration: seconds, as in the JSON).
    std::optional<std::string> csv_value;
};

class InfoLines {
  public:
    void add(std::string key, std::string label, std::string value, std::string source) {
        lines_.push_back(
            {std::move(key), std::move(label), std::move(value), std::move(source), std::nullopt});
    }
    const std::vector<InfoLine>& lines() const { return lines_; }
    std::vector<InfoLine>& lines() { return lines_; }

    // PspCidTable (or why it is unknown), the kernel image's PDB identity and the profile.
    void addKernel(const analysis::KernelSummary* k, const std::string& problem);
    // How many modules the list holds and where it came from.
    void addModules(const kernel::ModuleList& modules);

  private:
    std::vector<InfoLine> lines_;
};

// "Label               value  [source]", one line each.
std::string formatInfoLine(const InfoLine& line);

} // namespace dumpprocs::report::detail
