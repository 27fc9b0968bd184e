#include "info_lines.hpp"

#include <fmt/format.h>

#include "dumpprocs/report/format.hpp"

namespace dumpprocs::report::detail {

void InfoLines::addKernel(const analysis::KernelSummary* k, const std::string& problem) {
    if (k && k->psp_cid_table)
        add("psp_cid_table", "PspCidTable", hex64(k->psp_cid_table->value),
            k->psp_cid_table->source);
    else if (k)
        add("psp_cid_table", "PspCidTable", "unknown", k->cid_table_problem);
    if (k && k->image && k->image->pdb) {
        const auto& img = *k->image;
        add("kernel_pdb", "Kernel image",
            fmt::format("{} {}-{}, size {:#x}", img.pdb_name, img.pdb->guid, img.pdb->age,
                        img.size_of_image),
            "RSDS record");
    }
    add("profile", "Profile", k ? k->profile_name : "none: " + problem,
        k ? kernel::methodName(k->profile_method) : "");
}

void InfoLines::addModules(const kernel::ModuleList& m) {
    std::string value =
        fmt::format("{} loaded{}", m.modules.size(), m.complete ? "" : " (PARTIAL)");
    if (m.unloaded)
        value += fmt::format(", {} unloaded", m.unloaded->size());
    add("modules", "Loaded modules", value, m.source);
}

std::string formatInfoLine(const InfoLine& l) {
    return fmt::format("{:<20} {}{}\n", l.label, l.value,
                       l.source.empty() ? "" : "  [" + l.source + "]");
}

} // namespace dumpprocs::report::detail
