// The two list views: ActiveProcessLinks (from the header's PsActiveProcessHead) and
// MmProcessLinks (walked from System so that the output reads like the article).
#include <fmt/format.h>

#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/views/views.hpp"
#include "walk_result.hpp"

namespace dumpprocs::views {
kernel::ListWalk walkActiveProcessLinks(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    const std::uint64_t head = k.psActiveProcessHead().value;
    // Walking first and reading the objects after would read each page twice once the bounded
    // page cache has let it go. The walk asks only for the nodes it lists (and for one it then
    // finds unreadable, whose record says so), never for the head.
    kernel::ListWalkOptions options;
    options.known_links = [&](std::uint64_t entry) -> std::optional<formats::ListEntry64> {
        if (entry == head)
            return std::nullopt;
        return catalog.get(entry - k.layout().process.active_process_links).active_links;
    };
    return kernel::walkList(k.addressSpace(), head, options);
}

ViewResult runActiveProcessLinksView(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    ViewResult view;
    view.name = "active";
    // The walk read every node's process as it went (walkActiveProcessLinks).
    const auto walk = walkActiveProcessLinks(catalog);
    takeWalkWarnings(view, walk);
    std::size_t index = 0;
    for (const std::uint64_t node : walk.nodes) {
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
    kernel::ListWalkOptions options;
    options.known_links = [&](std::uint64_t entry) { return catalog.knownLinks(entry, true); };
    const auto walk = kernel::walkList(k.addressSpace(), start, options);
    takeWalkWarnings(view, walk);
    std::size_t index = 0;
    std::vector<std::uint64_t> batch;
    for (std::size_t i = 0; i < walk.nodes.size(); ++i) {
        const std::uint64_t node = walk.nodes[i];
        const std::uint64_t eprocess = node - links;
        if (i % ProcessCatalog::kPrefetchBatch == 0) {
            batch.clear();
            for (std::size_t j = i; j < walk.nodes.size() && j < i + ProcessCatalog::kPrefetchBatch;
                 ++j)
                batch.push_back(walk.nodes[j] - links);
            catalog.prefetch(batch);
        }
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
    static const Run kproc = [](ProcessCatalog& c, const ViewOptions&) {
        return runKernelProcessListView(c);
    };
    static const Run session = [](ProcessCatalog& c, const ViewOptions&) {
        return runSessionView(c);
    };
    static const Run handles = [](ProcessCatalog& c, const ViewOptions&) {
        return runHandleTableListView(c);
    };
    static const Run csrss = [](ProcessCatalog& c, const ViewOptions&) {
        return runCsrssHandlesView(c);
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
         "owners of the thread objects in PspCidTable", false, false, thread},
        {ViewId::Scan, "scan",
         "process objects found by their pool allocation in all physical memory",
         "process objects found by their 'Proc' pool allocation in all physical memory (as "
         "Volatility's psscan), and tag-free by their object header whatever the tag; compared "
         "with the Process type's object count (-v lists the rejected look-alikes)",
         false, true, runPoolScanView},
        // The witnesses of issue 16 are not Process Manager records: on real dumps live
        // processes are missing from each of them for reasons of their own (minimal processes
        // from KiProcessListHead on 19041; processes without a session; tables of exiting
        // processes), so an absence is explained in the evidence and never makes a process
        // HIDDEN. What they do list is judged against active and cid like every view's.
        // kproc is the kernel's (Ke) own list, yet not one the Process Manager keeps for every
        // live process: a legitimate process can be absent (see explainKprocAbsence).
        {ViewId::Kproc, "kproc", "_KPROCESS.ProcessListEntry from nt!KiProcessListHead",
         "_KPROCESS.ProcessListEntry from nt!KiProcessListHead, the kernel's own process list",
         false, false, kproc, explainKprocAbsence},
        {ViewId::Session, "session", "each session's _MM_SESSION_SPACE.ProcessList",
         "each session's _MM_SESSION_SPACE.ProcessList (_EPROCESS.SessionProcessLinks), the "
         "sessions found from the processes' Session pointers",
         false, false, session, explainSessionAbsence},
        {ViewId::Handles, "handles", "owners of the handle tables on nt!HandleTableListHead",
         "owners (QuotaProcess) of the _HANDLE_TABLEs on nt!HandleTableListHead", false, false,
         handles, explainHandlesAbsence},
        // csrss.exe holds a handle to each process of its session started after it: System,
        // smss, csrss itself, other sessions' and earlier processes, minimal and exited ones are
        // absent by rule (explainCsrssAbsence).
        {ViewId::Csrss, "csrss", "process objects named by the handles of each csrss.exe",
         "process objects named by Process-type handles in each csrss.exe's handle table "
         "(_EPROCESS.ObjectTable)",
         false, false, csrss, explainCsrssAbsence},
        // Physical witnesses: the scan's pass finds the thread objects too, and the page-table
        // roots are found page by page. Neither is a Process Manager record: what they lack is
        // explained, and what only they list is judged against active and cid.
        {ViewId::Thrdscan, "thrdscan",
         "owners of the thread objects found by their pool allocation",
         "owners (_KTHREAD.Process, checked against Cid) of the _ETHREAD objects found by their "
         "'Thre' pool allocation in all physical memory (the scan's pass; as Volatility's "
         "thrdscan)",
         false, true, runThreadScanView, explainThrdscanAbsence},
        {ViewId::Dtb, "dtb", "processes owning the page-table roots found in physical memory",
         "page-table roots in physical memory (a PML4 that maps itself and shares the kernel's "
         "half) matched to the processes' DirectoryTableBase; a root no process owns is a warning",
         false, true, runDirectoryTableView, explainDtbAbsence},
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
