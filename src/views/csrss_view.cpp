// The csrss witness (issue 16): the process objects that each csrss.exe holds a handle to. The
// Client/Server Runtime of a session opens a handle to every process of its session when the
// process starts, and keeps it until the process exits, so a process unlinked from every kernel
// list is still named in csrss.exe's handle table. Like kproc, session and handles it is not a
// Process Manager record: what it lacks is explained by rule (explainCsrssAbsence), never HIDDEN.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <unordered_map>

#include "dumpprocs/kernel/handle_table.hpp"
#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/views/views.hpp"

namespace dumpprocs::views {
namespace {

// ImageFileName equals `lower` (a lower-case name), whatever the case: Windows file names are not
// case-sensitive.
bool nameIs(const ProcessRecord& r, const char* lower) {
    const std::string name = r.name();
    return std::equal(
        name.begin(), name.end(), lower, lower + std::strlen(lower),
        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

bool isCsrss(const ProcessRecord& r) {
    return nameIs(r, "csrss.exe");
}

// "session 1", or "session at 0xffff..." where the profile gives no SessionId.
std::string sessionText(std::uint64_t session, const std::optional<std::uint32_t>& id) {
    if (session == 0)
        return "no session";
    return id ? fmt::format("session {}", *id) : fmt::format("session at {:#x}", session);
}

ViewResult unavailableCsrss(std::string reason, bool lacks_symbols = false) {
    ViewResult view;
    view.name = "csrss";
    view.available = false;
    view.unavailable_reason = std::move(reason);
    view.lacks_symbols = lacks_symbols;
    return view;
}

// The live csrss.exe processes on ActiveProcessLinks, in list order; `unsaved`: how many listed
// processes the dump does not hold (any of them may be a csrss.exe).
std::vector<std::uint64_t> findCsrss(ProcessCatalog& catalog, std::size_t& unsaved) {
    const auto& k = catalog.kernel();
    std::vector<std::uint64_t> out;
    const auto walk = walkActiveProcessLinks(catalog);
    for (std::uint64_t node : walk.nodes) {
        const std::uint64_t eprocess = node - k.layout().process.active_process_links;
        const auto& r = catalog.get(eprocess);
        if (r.kind == EntryKind::Unsaved)
            ++unsaved;
        if (r.kind == EntryKind::Process && !r.terminated() && isCsrss(r))
            out.push_back(eprocess);
    }
    return out;
}

} // namespace

ViewResult runCsrssHandlesView(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    const auto& p = k.layout().process;
    std::string lacks;
    for (const auto& [name, known] :
         {std::pair{"_EPROCESS.ObjectTable", p.object_table.has_value()},
          std::pair{"_EPROCESS.Session", p.session.has_value()}})
        if (!known)
            lacks += (lacks.empty() ? "" : ", ") + std::string(name);
    if (!lacks.empty())
        return unavailableCsrss(
            fmt::format("profile {} lacks {} (its symbol data does not describe it, and "
                        "--symbols with this kernel's PDB or ISF gives it)",
                        k.profile().name, lacks),
            true);
    // A process handle is told from the others only by its object header's type (checked after
    // the tables: on a triage dump their absence is the first reason).
    const auto process_type = k.processFingerprint();
    std::size_t unsaved = 0;
    const auto csrss = findCsrss(catalog, unsaved);
    if (csrss.empty() && unsaved > 0)
        return unavailableCsrss(fmt::format(
            "no csrss.exe among the processes on ActiveProcessLinks that the dump holds ({} of "
            "them not saved{}): no csrss.exe handle table to read",
            unsaved, k.x64AddressSpace() ? "" : ", as a triage dump saves only a few processes"));
    if (csrss.empty())
        return unavailableCsrss("no live csrss.exe process on ActiveProcessLinks: there is no "
                                "csrss handle table to read");

    ViewResult view;
    view.name = "csrss";
    std::vector<std::string> unread; // csrss processes whose table could not be read at all
    std::set<std::uint64_t> seen;
    std::unordered_map<std::uint64_t, std::optional<std::uint8_t>> fingerprints; // by body
    std::size_t index = 0;
    for (std::uint64_t process : csrss) {
        const auto& owner = catalog.get(process);
        CsrssTable t{process, owner.session.value_or(0), owner.session_id, owner.create_time, true};
        const std::string who = fmt::format("csrss.exe {:#x} (PID {}, {})", process, owner.pid,
                                            sessionText(t.session, t.session_id));
        auto table = k.addressSpace().read<std::uint64_t>(process + *p.object_table);
        Expected<kernel::HandleTableWalk> walk =
            !table ? Expected<kernel::HandleTableWalk>(table.error())
            : *table == 0
                ? makeError(ErrorCode::NotFound, "its ObjectTable is NULL (the process is exiting)")
                : kernel::walkHandleTable(k.addressSpace(), *table, k.layout().handle_table);
        if (!walk) {
            unread.push_back(
                fmt::format("{}: handle table not read: {}", who, walk.error().message));
            t.read_whole = false;
            view.csrss_tables.push_back(t);
            continue;
        }
        view.details.push_back(fmt::format("{}: handle table {:#x}, {} level(s), {} handle(s)", who,
                                           walk->table, walk->levels, walk->entries.size()));
        for (const auto& w : walk->warnings)
            view.warnings.push_back(fmt::format("{}: {}", who, w));
        if (!walk->complete) {
            t.read_whole = false;
            for (const auto& g : walk->gaps)
                view.gaps.push_back(fmt::format("{}: {}", who, g));
        }
        std::size_t untyped = 0;
        for (const auto& entry : process_type ? walk->entries : decltype(walk->entries){}) {
            // A process handle table's entry points at the object header, not at the body.
            const std::uint64_t body = entry.object + k.layout().object_header.body;
            // Each object's header is read once for all the tables that name it: on a terminal
            // server every session's csrss.exe holds handles to its processes and their threads.
            auto known = fingerprints.find(body);
            if (known == fingerprints.end())
                known = fingerprints.emplace(body, k.typeFingerprint(body)).first;
            const auto type = known->second;
            if (!type) {
                ++untyped;
                continue;
            }
            if (*type != *process_type)
                continue; // a thread, a file, a section, ...: not a process object
            if (!seen.insert(body).second)
                continue; // another csrss.exe (or a second handle) names it too
            catalog.get(body);
            view.entries.push_back(
                ViewEntry{index++, body,
                          fmt::format("csrss.exe PID {} handle {:#x}", owner.pid, entry.handle)});
        }
        if (untyped > 0) {
            // Any of them may be a process handle: csrss may name a process the view lacks.
            const std::string why =
                fmt::format("{}: the object header of {} handle(s) is not in the dump, so whether "
                            "they name processes cannot be told",
                            who, untyped);
            t.read_whole = false;
            view.gaps.push_back(why);
            view.warnings.push_back(why);
        }
        view.csrss_tables.push_back(t);
    }
    if (unread.size() == csrss.size()) {
        std::string reason = k.x64AddressSpace()
                                 ? std::string()
                                 : "a triage dump holds only the memory its writer chose, and no "
                                   "csrss.exe handle table is part of it: ";
        for (std::size_t i = 0; i < unread.size(); ++i)
            reason += (i ? "; " : "") + unread[i];
        return unavailableCsrss(reason);
    }
    if (!process_type)
        return unavailableCsrss("the process object type is unknown (System's object header "
                                "could not be read): csrss.exe's process handles cannot be told "
                                "from its other handles");
    for (const auto& why : unread) {
        view.warnings.push_back(why);
        view.gaps.push_back(why);
    }
    if (!view.gaps.empty())
        view.complete = view.exhaustive = false;
    return view;
}

// The rules of csrss's handles, each an absence the kernel makes on its own: csrss.exe of a
// session holds a handle to each process of that session created after it, until it exits.
std::string explainCsrssAbsence(const ProcessRecord& r, const kernel::KernelContext& k,
                                const ViewResult& view) {
    if (r.kind == EntryKind::Idle)
        return "the static Idle process is no process object csrss.exe could open";
    if (r.terminated())
        return "exited: csrss.exe closes its handle to a process when the process ends";
    if (r.eprocess == k.systemProcess() || r.pid == 4)
        return "System is created by the kernel before any session and its csrss.exe";
    if (isCsrss(r))
        return "a csrss.exe: csrss.exe holds no handle to itself, nor to another session's "
               "csrss.exe";
    if (nameIs(r, "smss.exe"))
        return "smss.exe, the session manager, starts csrss.exe: csrss holds no handle to it";
    if (r.minimal.value_or(false))
        return "a minimal process (Flags3.Minimal): no user-mode process csrss.exe is told of";
    if (r.session.value_or(0) == 0)
        return "in no session (_EPROCESS.Session is NULL): csrss.exe holds handles only to the "
               "processes of its own session";
    // The first csrss.exe of the process's session. One whose table was not read whole leaves
    // the absence to the view's gaps (no rule explains it).
    std::optional<std::uint64_t> earliest;
    for (const auto& t : view.csrss_tables)
        if (t.session == *r.session && (!earliest || t.create_time < *earliest))
            earliest = t.create_time;
    if (!earliest)
        return fmt::format("its {} has no live csrss.exe on ActiveProcessLinks, and a csrss.exe "
                           "holds handles only to the processes of its own session",
                           sessionText(*r.session, r.session_id));
    if (r.create_time != 0 && r.create_time < *earliest)
        return fmt::format("started before the csrss.exe of its {} (CreateTime {:#x} < {:#x}): "
                           "csrss holds handles only to the processes created after it",
                           sessionText(*r.session, r.session_id), r.create_time, *earliest);
    return "";
}

} // namespace dumpprocs::views
