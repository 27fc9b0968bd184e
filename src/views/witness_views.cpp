// The witnesses beyond the Process Manager's records (issue 16), one walker per view:
//   kproc    _KPROCESS.ProcessListEntry from nt!KiProcessListHead (the kernel's own list)
//   session  each session's _MM_SESSION_SPACE.ProcessList through _EPROCESS.SessionProcessLinks
//   handles  the owners of the _HANDLE_TABLEs on nt!HandleTableListHead
// None of them is a Process Manager record (see the views table): a process they lack is
// explained, never HIDDEN; a process only they list is judged against active and cid.
#include <fmt/format.h>

#include <map>
#include <set>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/kernel/profile_manifest.hpp"
#include "dumpprocs/views/views.hpp"
#include "walk_result.hpp"

namespace dumpprocs::views {
namespace {

// A list head's discovery tries the rings of at most this many processes (one whose node was
// unlinked leads nowhere) and walks each ring to at most this many nodes.
constexpr std::size_t kHeadSearchStarts = 64;
constexpr std::size_t kHeadSearchNodes = 1u << 16;

ViewResult unavailable(const char* name, std::string reason, bool lacks_symbols = false) {
    ViewResult view;
    view.name = name;
    view.available = false;
    view.unavailable_reason = std::move(reason);
    view.lacks_symbols = lacks_symbols;
    return view;
}

// "profile 19041 lacks _MM_SESSION_SPACE.ProcessList", or "" when every member is known.
std::string lacking(const kernel::KernelContext& k,
                    std::initializer_list<std::pair<const char*, bool>> members) {
    std::string list;
    for (const auto& [name, known] : members)
        if (!known)
            list += (list.empty() ? "" : ", ") + std::string(name);
    if (list.empty())
        return "";
    return fmt::format("profile {} lacks {} (its symbol data does not describe it, and --symbols "
                       "with this kernel's PDB or ISF gives it)",
                       k.profile().name, list);
}

// The processes on ActiveProcessLinks: where the other rings are entered and their list heads
// found. Read through the catalog like every view's processes.
std::vector<std::uint64_t> activeProcesses(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    std::vector<std::uint64_t> out;
    const auto walk = walkActiveProcessLinks(catalog);
    for (std::uint64_t node : walk.nodes) {
        const std::uint64_t eprocess = node - k.layout().process.active_process_links;
        if (catalog.get(eprocess).kind == EntryKind::Process)
            out.push_back(eprocess);
    }
    return out;
}

struct FoundHead {
    std::uint64_t address = 0;
    std::string source;
};

// A global list head of ntoskrnl that no KDBG field names (nt!KiProcessListHead,
// nt!HandleTableListHead): the ISF symbol when --symbols gave one, else the one node of a
// process's ring that lies inside the kernel image (every other node is a process's or a
// table's, in pool). Fails, saying why, when no ring shows exactly one such node.
Expected<FoundHead> findListHead(const kernel::KernelContext& k, kernel::KernelSymbol id,
                                 const std::vector<std::uint64_t>& ring_nodes) {
    const char* symbol = kernel::symbolName(id);
    const auto& image = k.kernelImage();
    kernel::ListWalkOptions options;
    options.max_nodes = kHeadSearchNodes;
    // The symbol is taken when its ring closes: symbols of another build name another address.
    if (auto rva = kernel::symbolRva(k.profile(), id); rva && image) {
        const std::uint64_t head = image->base + *rva;
        if (kernel::walkList(k.addressSpace(), head, options).closed)
            return FoundHead{head, "ISF symbol"};
    }
    if (!image)
        return makeError(ErrorCode::NotFound,
                         "nt!{} is in no KDBG field and the kernel image was not found, so it "
                         "cannot be told from the ring's nodes",
                         symbol);
    std::size_t tried = 0;
    for (std::uint64_t start : ring_nodes) {
        if (tried++ == kHeadSearchStarts)
            break;
        const auto walk = kernel::walkList(k.addressSpace(), start, options);
        // A ring broken once (a zeroed node, a Flink that does not come back) is still known
        // whole by its Flinks and Blinks together; one that is not may lack the head.
        if (!walk.closed && !walk.exhaustive)
            continue; // unlinked, broken or unsaved here: another process's ring may close
        std::vector<std::uint64_t> in_image;
        for (std::uint64_t node : walk.nodes)
            if (image->contains(node))
                in_image.push_back(node);
        if (in_image.size() == 1) {
            const auto* section = image->sectionOf(in_image.front());
            return FoundHead{in_image.front(),
                             fmt::format("the one node of the ring through {:#x} inside ntoskrnl "
                                         "({}, nt!{} being in no KDBG field{})",
                                         start, section ? section->name : "headers", symbol,
                                         walk.closed ? ""
                                                     : "; the ring is broken, its nodes "
                                                       "found by Flink and Blink")};
        }
        if (in_image.size() > 1)
            return makeError(ErrorCode::Corrupt,
                             "the ring through {:#x} has {} nodes inside ntoskrnl, not one: "
                             "nt!{} cannot be told",
                             start, in_image.size(), symbol);
    }
    return makeError(ErrorCode::NotFound,
                     "nt!{} is in no KDBG field and none of the rings through {} process(es) "
                     "closed with a node inside ntoskrnl",
                     symbol, std::min(tried, ring_nodes.size()));
}

} // namespace

ViewResult runKernelProcessListView(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    const auto& layout = k.layout().process;
    if (auto why =
            lacking(k, {{"_KPROCESS.ProcessListEntry", layout.process_list_entry.has_value()}});
        !why.empty())
        return unavailable("kproc", why, true);
    const std::uint32_t links = *layout.process_list_entry;
    std::vector<std::uint64_t> starts;
    for (std::uint64_t eprocess : activeProcesses(catalog))
        starts.push_back(eprocess + links);
    const auto head = findListHead(k, kernel::KernelSymbol::KiProcessListHead, starts);
    if (!head)
        return unavailable("kproc", head.error().message);
    ViewResult view;
    view.name = "kproc";
    view.details.push_back(
        fmt::format("nt!KiProcessListHead at {:#x} ({})", head->address, head->source));
    const auto walk = kernel::walkList(k.addressSpace(), head->address);
    takeWalkWarnings(view, walk);
    std::size_t index = 0;
    for (std::uint64_t node : walk.nodes) {
        const std::uint64_t eprocess = node - links;
        catalog.get(eprocess);
        view.entries.push_back(ViewEntry{index++, eprocess, {}});
    }
    return view;
}

ViewResult runSessionView(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    const auto& p = k.layout().process;
    const auto& s = k.layout().session;
    if (auto why =
            lacking(k, {{"_EPROCESS.Session", p.session.has_value()},
                        {"_EPROCESS.SessionProcessLinks", p.session_process_links.has_value()},
                        {"_MM_SESSION_SPACE.ProcessList", s.process_list.has_value()},
                        {"_MM_SESSION_SPACE.SessionId", s.session_id.has_value()}});
        !why.empty())
        return unavailable("session", why, true);
    // The sessions: every Session pointer of the processes on ActiveProcessLinks (the symbol
    // data gives no kernel list of the sessions). A session none of whose processes is on that
    // list is not found: that cannot make anything HIDDEN, as no session is a Process Manager
    // record.
    std::map<std::uint64_t, std::uint32_t> sessions; // _MM_SESSION_SPACE -> SessionId
    ViewResult view;
    view.name = "session";
    for (std::uint64_t eprocess : activeProcesses(catalog)) {
        auto session = k.addressSpace().read<std::uint64_t>(eprocess + *p.session);
        if (!session || *session == 0 || sessions.count(*session))
            continue;
        auto id = k.addressSpace().read<std::uint32_t>(*session + *s.session_id);
        if (!id) {
            const std::string why = fmt::format("session {:#x} (of process {:#x}): {}", *session,
                                                eprocess, id.error().message);
            view.warnings.push_back(why);
            view.gaps.push_back(why);
            view.complete = view.exhaustive = false;
            continue;
        }
        sessions.emplace(*session, *id);
    }
    std::size_t index = 0;
    for (const auto& [session, id] : sessions) {
        view.details.push_back(fmt::format("session {} at {:#x}", id, session));
        const auto walk = kernel::walkList(k.addressSpace(), session + *s.process_list);
        takeWalkWarnings(view, walk);
        for (std::uint64_t node : walk.nodes) {
            const std::uint64_t eprocess = node - *p.session_process_links;
            catalog.get(eprocess);
            view.entries.push_back(ViewEntry{index++, eprocess, fmt::format("session {}", id)});
        }
    }
    return view;
}

ViewResult runHandleTableListView(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    const auto& p = k.layout().process;
    const auto& h = k.layout().handle_table_list;
    if (auto why = lacking(k, {{"_EPROCESS.ObjectTable", p.object_table.has_value()},
                               {"_HANDLE_TABLE.HandleTableList", h.handle_table_list.has_value()},
                               {"_HANDLE_TABLE.QuotaProcess", h.quota_process.has_value()},
                               {"_HANDLE_TABLE.UniqueProcessId", h.unique_process_id.has_value()}});
        !why.empty())
        return unavailable("handles", why, true);
    const std::uint32_t links = *h.handle_table_list;
    // Each listed process's ObjectTable: where the ring is entered, and the owner of a table
    // whose QuotaProcess is NULL (System's, the kernel handle table, is charged to nobody).
    std::vector<std::uint64_t> starts;
    std::map<std::uint64_t, std::uint64_t> owner_by_table;
    for (std::uint64_t eprocess : activeProcesses(catalog)) {
        auto table = k.addressSpace().read<std::uint64_t>(eprocess + *p.object_table);
        if (!table || *table == 0)
            continue;
        starts.push_back(*table + links);
        owner_by_table.emplace(*table, eprocess);
    }
    const auto head = findListHead(k, kernel::KernelSymbol::HandleTableListHead, starts);
    if (!head)
        return unavailable("handles", head.error().message);
    ViewResult view;
    view.name = "handles";
    view.details.push_back(
        fmt::format("nt!HandleTableListHead at {:#x} ({})", head->address, head->source));
    const auto walk = kernel::walkList(k.addressSpace(), head->address);
    takeWalkWarnings(view, walk);
    const auto cid = k.pspCidTable();
    std::set<std::uint64_t> seen;
    std::size_t index = 0;
    for (std::uint64_t node : walk.nodes) {
        const std::uint64_t table = node - links;
        if (cid && table == cid->value) {
            view.details.push_back(fmt::format("table {:#x} is PspCidTable: skipped", table));
            continue;
        }
        auto quota = k.addressSpace().read<std::uint64_t>(table + *h.quota_process);
        auto pid = k.addressSpace().read<std::uint32_t>(table + *h.unique_process_id);
        if (!quota || !pid) {
            const std::string why = fmt::format("handle table {:#x}: {}", table,
                                                (!quota ? quota.error() : pid.error()).message);
            view.warnings.push_back(why);
            view.gaps.push_back(why);
            view.complete = view.exhaustive = false;
            continue;
        }
        std::uint64_t owner = *quota;
        std::string note = fmt::format("table {:#x}", table);
        if (owner == 0) {
            auto it = owner_by_table.find(table);
            if (it == owner_by_table.end()) {
                // Charged to nobody and no listed process's ObjectTable: whose it is cannot
                // be told, so the view does not know every owner on the list.
                const std::string why = fmt::format(
                    "handle table {:#x} (UniqueProcessId {:#x}) has no QuotaProcess and is no "
                    "listed process's ObjectTable: its owner is unknown",
                    table, *pid);
                view.details.push_back(why);
                view.gaps.push_back(why);
                view.exhaustive = false;
                continue;
            }
            owner = it->second;
            note += ", owner by ObjectTable (no QuotaProcess)";
        }
        const auto& record = catalog.get(owner);
        if (record.readable && record.pid != *pid)
            view.warnings.push_back(fmt::format("handle table {:#x}: UniqueProcessId {:#x} but "
                                                "its QuotaProcess {:#x} has PID {:#x}",
                                                table, *pid, owner, record.pid));
        if (!seen.insert(owner).second)
            continue;
        view.entries.push_back(ViewEntry{index++, owner, note});
    }
    return view;
}

} // namespace dumpprocs::views

namespace dumpprocs::views {

std::string explainKprocAbsence(const ProcessRecord& record, const kernel::KernelContext&,
                                const ViewResult&) {
    if (record.minimal.value_or(false))
        return "a minimal process (Flags3.Minimal): the kernel need not put it on "
               "KiProcessListHead (on a real 19041 dump the process created after System is not "
               "System's successor there)";
    return "";
}

std::string explainSessionAbsence(const ProcessRecord& record, const kernel::KernelContext&,
                                  const ViewResult&) {
    if (record.session == std::uint64_t{0})
        return "no session (_EPROCESS.Session is NULL): System, Registry, MemCompression, smss "
               "and the processes started before the first session have none";
    return "";
}

std::string explainHandlesAbsence(const ProcessRecord& record, const kernel::KernelContext&,
                                  const ViewResult&) {
    if (record.object_table == std::uint64_t{0})
        return "no handle table (_EPROCESS.ObjectTable is NULL): minimal processes have none "
               "and an exiting process has lost it";
    return "";
}

} // namespace dumpprocs::views
