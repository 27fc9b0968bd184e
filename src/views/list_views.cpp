// The two list views: ActiveProcessLinks (from the header's PsActiveProcessHead) and
// MmProcessLinks (walked from System so that the output reads like the article).
#include <fmt/format.h>

#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/views/views.hpp"

namespace dumpprocs::views {
namespace {

void takeWalkWarnings(ViewResult& view, const kernel::ListWalk& walk) {
    view.warnings.insert(view.warnings.end(), walk.warnings.begin(), walk.warnings.end());
    // A ring that did not close, and one whose Blinks do not point back, are both damaged: what
    // was listed stands, but the view cannot vouch that it saw everything.
    if (!walk.closed || !walk.warnings.empty())
        view.complete = false;
    view.exhaustive = walk.exhaustive;
    if (!walk.exhaustive)
        view.gaps.push_back(walk.gap);
}

} // namespace

ViewResult runActiveProcessLinksView(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    ViewResult view;
    view.name = "active";
    const std::uint64_t head = k.psActiveProcessHead().value;
    const auto walk = kernel::walkList(k.addressSpace(), head);
    takeWalkWarnings(view, walk);
    std::size_t index = 0;
    for (std::uint64_t node : walk.nodes) {
        const std::uint64_t eprocess = node - k.layout().process.active_process_links;
        catalog.get(eprocess);
        view.entries.push_back(ViewEntry{index++, eprocess, {}});
    }
    return view;
}

ViewResult runMmProcessLinksView(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    ViewResult view;
    view.name = "mm";
    const std::uint32_t links = k.layout().process.mm_process_links;
    const std::uint64_t start = k.systemProcess() + links;
    catalog.get(k.systemProcess());
    view.entries.push_back(ViewEntry{std::nullopt, k.systemProcess(), "walk starts at System"});
    const auto walk = kernel::walkList(k.addressSpace(), start);
    takeWalkWarnings(view, walk);
    std::size_t index = 0;
    for (std::uint64_t node : walk.nodes) {
        const std::uint64_t eprocess = node - links;
        const auto& record = catalog.get(eprocess);
        std::string note;
        if (record.kind == EntryKind::ListHead)
            note = fmt::format("list head at {:#x} read as an _EPROCESS", node);
        view.entries.push_back(ViewEntry{index++, eprocess, note});
    }
    return view;
}

const std::vector<ViewInfo>& viewTable() {
    // Adapters: the list and table walkers need only the catalog.
    using Run = ViewResult (*)(ProcessCatalog&, const ViewOptions&);
    static const Run active = [](ProcessCatalog& c, const ViewOptions&) {
        return runActiveProcessLinksView(c);
    };
    static const Run mm = [](ProcessCatalog& c, const ViewOptions&) {
        return runMmProcessLinksView(c);
    };
    static const Run cid = [](ProcessCatalog& c, const ViewOptions&) { return runCidTableView(c); };
    static const Run thread = [](ProcessCatalog& c, const ViewOptions&) {
        return runThreadOwnerView(c);
    };
    static const std::vector<ViewInfo> table{
        {ViewId::Active, "active", "_EPROCESS.ActiveProcessLinks from PsActiveProcessHead",
         "_EPROCESS.ActiveProcessLinks from PsActiveProcessHead (what WinDbg's !process shows)",
         true, false, active},
        {ViewId::Mm, "mm", "_EPROCESS.MmProcessLinks, walked from System in Flink order",
         "_EPROCESS.MmProcessLinks, the memory manager's list, walked from System", false, false,
         mm},
        {ViewId::Cid, "cid", "process objects in PspCidTable",
         "process objects in the PspCidTable handle table", true, false, cid},
        {ViewId::Thread, "thread", "owners of the thread objects in PspCidTable",
         "owners of the thread objects in PspCidTable (as Volatility's psxview)", false, false,
         thread},
        {ViewId::Scan, "scan",
         "process objects found by their pool allocation in all physical memory",
         "process objects found by their 'Proc' pool allocation in all physical memory (as "
         "Volatility's psscan; -v lists the rejected look-alikes)",
         false, true, runPoolScanView},
    };
    return table;
}

const ViewInfo* findView(std::string_view name) {
    for (const auto& v : viewTable())
        if (name == v.name)
            return &v;
    return nullptr;
}

const std::vector<std::string>& allViewNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& v : viewTable())
            out.emplace_back(v.name);
        return out;
    }();
    return names;
}

std::string viewNameList(std::string_view separator) {
    std::string out;
    for (const auto& v : viewTable())
        out += (out.empty() ? "" : std::string(separator)) + v.name;
    return out;
}

bool scansPhysicalMemory(std::string_view name) {
    const ViewInfo* info = findView(name);
    return info && info->scans_physical_memory;
}

namespace {

Expected<ViewResult> runNamedView(const std::string& name, ProcessCatalog& catalog,
                                  const ViewOptions& options) {
    if (const ViewInfo* view = findView(name))
        return view->run(catalog, options);
    return makeError(ErrorCode::Usage, "unknown view '{}' (views: {}, all)", name,
                     viewNameList(", "));
}

} // namespace

Expected<ViewResult> runView(const std::string& name, ProcessCatalog& catalog,
                             const ViewOptions& options) {
    DP_TRY(ViewResult view, runNamedView(name, catalog, options));
    // Offsets the dump did not confirm may have walked the wrong fields: what was found stands
    // as found, but nothing can be concluded from what was not.
    if (view.available && !catalog.kernel().profileConfirmed()) {
        view.complete = false;
        view.exhaustive = false;
        view.gaps.push_back("the profile's offsets are not confirmed on this dump (see "
                            "--show-profile), so the walk may have missed members");
    }
    return view;
}

} // namespace dumpprocs::views
