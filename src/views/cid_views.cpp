// The two PspCidTable views: the process objects it holds, and the owners of the thread objects it
// holds. Processes are told from threads by DISPATCHER_HEADER.Type and the object-type fingerprint,
// never by the handle value.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/handle_table.hpp"
#include "dumpprocs/views/views.hpp"

namespace dumpprocs::views {

// The thread view's reading of each PspCidTable entry, in table order.
struct ThreadOwners {
    struct Entry {
        bool thread = false;     // a thread object (type and fingerprint)
        bool owner_read = false; // its owner pointer could be read and is not 0
        std::uint64_t owner = 0;
    };
    kernel::HandleTableWalk walk;
    std::vector<Entry> entries;
};

namespace {

using formats::kProcessObjectType;
using formats::kThreadObjectType;

// The PspCidTable walk, or the reason the cid views are unavailable.
Expected<kernel::HandleTableWalk> walkCidTable(const kernel::KernelContext& k) {
    const auto table = k.pspCidTable();
    if (!table)
        return makeError(ErrorCode::NotFound, "{}", k.cidTableProblem());
    return kernel::walkHandleTable(k.addressSpace(), table->value, k.layout().handle_table);
}

bool hasFingerprint(const kernel::KernelContext& k, std::uint64_t body,
                    std::optional<std::uint8_t> expected) {
    if (!expected)
        return true; // unknown: the dispatcher type alone decides
    auto fp = k.typeFingerprint(body);
    return fp && *fp == *expected;
}

// A process object the catalog has already read: its type byte and header are known, so the
// table's entry for it needs no read (a bounded page cache may have let its page go).
const ProcessRecord* readProcess(const ProcessCatalog& catalog, std::uint64_t object) {
    auto it = catalog.records().find(object);
    return it != catalog.records().end() && it->second.readable ? &it->second : nullptr;
}

// Before the entries [first, first + kPrefetchBatch) are read one by one: their objects' pages
// (header and the fields the view reads; for processes the whole body the catalog decodes),
// except those of processes the catalog already holds.
void prefetchObjects(const ProcessCatalog& catalog, const kernel::HandleTableWalk& walk,
                     std::size_t first, std::uint64_t body_bytes) {
    const std::uint64_t header = catalog.kernel().layout().object_header.body;
    std::vector<VirtualRange> ranges;
    for (std::size_t i = first;
         i < walk.entries.size() && i < first + ProcessCatalog::kPrefetchBatch; ++i)
        if (!readProcess(catalog, walk.entries[i].object))
            ranges.push_back({walk.entries[i].object - header, header + body_bytes});
    catalog.kernel().addressSpace().prefetch(ranges);
}

ThreadOwners::Entry readThreadEntry(const kernel::KernelContext& k,
                                    const kernel::HandleEntry& entry, const ProcessRecord* known) {
    ThreadOwners::Entry e;
    // A process the catalog read: its type byte is the thread's (both DISPATCHER_HEADER.Type).
    if (known && k.layout().thread.header_type == k.layout().process.header_type &&
        known->dispatcher_type != kThreadObjectType)
        return e;
    auto type = k.addressSpace().read<std::uint8_t>(entry.object + k.layout().thread.header_type);
    if (!type || *type != kThreadObjectType ||
        !hasFingerprint(k, entry.object, k.threadFingerprint()))
        return e;
    e.thread = true;
    auto owner = k.addressSpace().read<std::uint64_t>(entry.object + k.layout().thread.process);
    if (owner && *owner != 0) {
        e.owner_read = true;
        e.owner = *owner;
    }
    return e;
}

ViewResult startView(const char* name, const Expected<kernel::HandleTableWalk>& walk) {
    ViewResult view;
    view.name = name;
    if (!walk) {
        view.available = false;
        view.unavailable_reason = walk.error().message;
        return view;
    }
    view.complete = walk->complete;
    view.exhaustive = walk->complete;
    view.warnings = walk->warnings;
    if (!walk->complete)
        view.gaps = walk->gaps;
    return view;
}

} // namespace

ViewResult runCidTableView(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    const auto walk = walkCidTable(k);
    ViewResult view = startView("cid", walk);
    if (!view.available)
        return view;
    std::size_t index = 0;
    // The thread view's reads of the same objects, done while their pages are at hand.
    auto owners = std::make_shared<ThreadOwners>();
    owners->entries.reserve(walk->entries.size());
    for (std::size_t i = 0; i < walk->entries.size(); ++i) {
        const auto& entry = walk->entries[i];
        if (i % ProcessCatalog::kPrefetchBatch == 0)
            prefetchObjects(catalog, *walk, i, k.layout().process.size);
        const ProcessRecord* known = readProcess(catalog, entry.object);
        owners->entries.push_back(readThreadEntry(k, entry, known));
        auto type = known ? Expected<std::uint8_t>(known->dispatcher_type)
                          : k.addressSpace().read<std::uint8_t>(entry.object +
                                                                k.layout().process.header_type);
        if (!type) {
            view.warnings.push_back(fmt::format("PspCidTable handle {:#x}: object {:#x}: {}",
                                                entry.handle, entry.object, type.error().message));
            view.complete = false;
            continue;
        }
        if (*type != kProcessObjectType)
            continue;
        // A record whose header checked out (fingerprint and PointerCount) has the fingerprint.
        if (!(known && known->object_header_valid) &&
            !hasFingerprint(k, entry.object, k.processFingerprint())) {
            const std::string why = fmt::format("PspCidTable handle {:#x}: {:#x} has process type "
                                                "3 but not a process object header; skipped",
                                                entry.handle, entry.object);
            view.warnings.push_back(why);
            // The table holds it, but the view does not list it: the view no longer knows
            // which processes the table holds.
            view.exhaustive = false;
            view.gaps.push_back(why);
            continue;
        }
        catalog.get(entry.object);
        view.entries.push_back(
            ViewEntry{index++, entry.object, fmt::format("handle {:#x}", entry.handle)});
    }
    owners->walk = *walk;
    catalog.threadOwners() = std::move(owners);
    return view;
}

ViewResult runThreadOwnerView(ProcessCatalog& catalog) {
    const auto& k = catalog.kernel();
    // After the cid view, its walk and its reads of the thread objects; alone, its own.
    const std::shared_ptr<ThreadOwners> known = catalog.threadOwners();
    const auto walk = known ? Expected<kernel::HandleTableWalk>(known->walk) : walkCidTable(k);
    ViewResult view = startView("thread", walk);
    if (!view.available)
        return view;
    std::set<std::uint64_t> seen;
    std::size_t index = 0;
    const auto& t = k.layout().thread;
    const std::uint64_t thread_bytes = std::max({t.header_type + 1u, t.process + 8u});
    for (std::size_t i = 0; i < walk->entries.size(); ++i) {
        const auto& entry = walk->entries[i];
        if (!known && i % ProcessCatalog::kPrefetchBatch == 0)
            prefetchObjects(catalog, *walk, i, thread_bytes);
        const ThreadOwners::Entry e =
            known ? known->entries[i]
                  : readThreadEntry(k, entry, readProcess(catalog, entry.object));
        if (!e.thread)
            continue;
        if (!e.owner_read) {
            view.warnings.push_back(fmt::format("thread {:#x} (TID {:#x}): owner unreadable",
                                                entry.object, entry.handle));
            continue;
        }
        if (!seen.insert(e.owner).second)
            continue;
        catalog.get(e.owner);
        view.entries.push_back(ViewEntry{
            index++, e.owner, fmt::format("thread {:#x} (TID {:#x})", entry.object, entry.handle)});
    }
    return view;
}

} // namespace dumpprocs::views
