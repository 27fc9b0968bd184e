// The dtb view: page-table roots found in physical memory, matched to the processes'
// _KPROCESS.DirectoryTableBase. Every address space of Windows x64 has a PML4 that maps itself
// (the self-reference entry, at the index the kernel's own PML4 uses) and whose kernel half is a
// copy of the kernel's; such a page is found with one 8-byte read per page. A root no process the
// views found owns is evidence of a process they do not see (MemProcFS reports these too), so it is
// a warning of this view, never a row: the rows are the processes whose roots were found.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <vector>

#include "dumpprocs/formats/x64_paging.hpp"
#include "dumpprocs/views/scan_view.hpp"
#include "dumpprocs/views/views.hpp"

namespace dumpprocs::views {
namespace {

constexpr unsigned kFirstKernelEntry = 256;
constexpr unsigned kEntries = formats::pte::kEntriesPerTable;

} // namespace

Expected<PageTableRootTest> PageTableRootTest::forKernel(const X64AddressSpace& x64) {
    PageTableRootTest t;
    const std::uint64_t pml4 = formats::pte::directoryTableFrame(x64.directoryTableBase());
    std::array<std::byte, kEntries * 8> page;
    DP_CHECK(readPhysical(x64.physical(), pml4, page));
    std::memcpy(t.entries_.data(), page.data(), page.size());
    for (unsigned i = kFirstKernelEntry; i < kEntries; ++i) {
        const formats::pte::Entry e{t.entries_[i]};
        if (e.present() && !e.user() && e.frame() == pml4) {
            t.self_ = i;
            return t;
        }
    }
    return makeError(ErrorCode::NotFound,
                     "the kernel's PML4 at physical {:#x} has no self-reference entry", pml4);
}

void PageTableRootTest::findIn(ByteView bytes, std::uint64_t base,
                               std::vector<std::uint64_t>& out) const {
    const std::uint64_t self_at = std::uint64_t{self_} * 8;
    const std::uint64_t pages = bytes.size() / kPageSize;
    for (std::uint64_t i = 0; i < pages; ++i) {
        const std::uint64_t pa = base + i * kPageSize;
        auto self = bytes.read<std::uint64_t>(i * kPageSize + self_at);
        if (!self)
            break;
        const formats::pte::Entry e{*self};
        if (!e.present() || e.user() || e.frame() != pa)
            continue; // the cheap test: most pages fail here
        bool kernel_half = true;
        for (unsigned k = kFirstKernelEntry; k < kEntries && kernel_half; ++k) {
            if (k == self_)
                continue;
            auto v = bytes.read<std::uint64_t>(i * kPageSize + k * 8ULL);
            kernel_half = v && *v == entries_[k];
        }
        if (kernel_half)
            out.push_back(pa);
    }
}

std::vector<std::uint64_t> findPageTableRoots(const X64AddressSpace& x64, std::string& problem) {
    auto test = PageTableRootTest::forKernel(x64);
    if (!test) {
        problem = test.error().message;
        return {};
    }
    std::vector<std::uint64_t> roots;
    // The pages are copied 4 MiB at a time (PhysicalMemory::scanBytes: pread(2) into one buffer
    // for a file) rather than read from the mapping: one 8-byte read per page of a mapping costs a
    // page fault per page and leaves every page resident, so a 3 GiB dump grew the process by 3
    // GiB.
    constexpr std::uint64_t kChunkPages = 1024;
    std::vector<std::byte> buffer(kChunkPages * kPageSize);
    x64.physical().forEachPresentRange(
        [&](std::uint64_t first_pfn, std::uint64_t pages, ByteView range) {
            for (std::uint64_t done = 0; done < pages; done += kChunkPages) {
                const std::uint64_t count = std::min(kChunkPages, pages - done);
                auto part = range.slice(done * kPageSize, count * kPageSize);
                if (!part)
                    break;
                test->findIn(x64.physical().scanBytes(*part, buffer),
                             (first_pfn + done) * kPageSize, roots);
            }
        });
    return roots;
}

ViewResult runDirectoryTableView(ProcessCatalog& catalog, const ViewOptions& options) {
    ViewResult view;
    view.name = "dtb";
    const auto& k = catalog.kernel();
    const X64AddressSpace* x64 = k.x64AddressSpace();
    if (!x64) {
        view.available = false;
        view.unavailable_reason = "this dump holds no physical memory (only saved virtual "
                                  "ranges): there are no page-table roots to find";
        return view;
    }
    // With the scan's pass (scan and thrdscan run before this view in --view all, or after it:
    // the pass is then run here and kept for them), the roots it found while it had each page at
    // hand: the dump is read once. Without a scan view in the run, a pass of its own.
    if (options.scan_pass_follows && !catalog.scanCache())
        sharedScan(catalog, options);
    std::string problem;
    std::vector<std::uint64_t> roots;
    const auto& scan = catalog.scanCache();
    if (scan && scan->outcome && scan->outcome->page_table_roots) {
        roots = *scan->outcome->page_table_roots;
        view.details.push_back("page-table roots from the scan's pass over physical memory");
    } else {
        roots = findPageTableRoots(*x64, problem);
    }
    if (!problem.empty()) {
        view.available = false;
        view.unavailable_reason = problem;
        return view;
    }
    // The roots are matched to the processes the views before this one found (every view of
    // --view all runs before it); run first or alone, it reads active and cid itself.
    bool any = false;
    for (const auto& [address, record] : catalog.records())
        any = any || record.kind == EntryKind::Process;
    if (!any) {
        runActiveProcessLinksView(catalog);
        runCidTableView(catalog);
        view.details.push_back("no view ran before this one: the roots are matched to the "
                               "processes of active and cid");
    }
    std::map<std::uint64_t, std::vector<std::uint64_t>> owners; // root -> processes
    for (const auto& [address, record] : catalog.records())
        if (record.kind == EntryKind::Process && record.readable)
            owners[formats::pte::directoryTableFrame(record.directory_table_base)].push_back(
                address);
    std::size_t index = 0;
    view.details.push_back(fmt::format("{} page-table roots in physical memory", roots.size()));
    for (const std::uint64_t root : roots) {
        auto it = owners.find(root);
        if (it == owners.end()) {
            view.unowned_roots.push_back(root);
            view.warnings.push_back(fmt::format(
                "page-table root at physical {:#x} is the DirectoryTableBase of no process the "
                "views found: the address space of a process they do not see (or of one whose "
                "object is gone while its page tables are not yet freed)",
                root));
            continue;
        }
        for (const std::uint64_t eprocess : it->second)
            view.entries.push_back(ViewEntry{
                index++, eprocess, fmt::format("page-table root at physical {:#x}", root)});
    }
    return view;
}

std::string explainDtbAbsence(const ProcessRecord& r, const kernel::KernelContext& k,
                              const ViewResult&) {
    if (r.terminated())
        return "an exited process: its address space is torn down";
    const X64AddressSpace* x64 = k.x64AddressSpace();
    const std::uint64_t root = formats::pte::directoryTableFrame(r.directory_table_base);
    std::array<std::byte, 8> probe;
    if (root == 0)
        return "its DirectoryTableBase is 0";
    if (x64 && !readPhysical(x64->physical(), root, probe))
        return fmt::format("its page-table root at physical {:#x} is not in the dump", root);
    return "";
}

} // namespace dumpprocs::views
