#pragma once
// The process views: one walker each, all reading structures through the ProcessCatalog.
//   active  _EPROCESS.ActiveProcessLinks from PsActiveProcessHead (WinDbg's !process 0 0)
//   mm      _EPROCESS.MmProcessLinks, walked from System in Flink order (the article's view)
//   cid     live entries of PspCidTable that are process objects
//   thread  owners of the thread objects in PspCidTable
//   scan    process objects found by scanning all physical memory for their pool allocation
//   kproc   _KPROCESS.ProcessListEntry from nt!KiProcessListHead (the kernel's own list)
//   session each session's _MM_SESSION_SPACE.ProcessList (_EPROCESS.SessionProcessLinks)
//   handles owners of the _HANDLE_TABLEs on nt!HandleTableListHead
//   csrss   process objects that the Process-type handles of each csrss.exe's handle table name
//   thrdscan owners of the thread objects found by their pool allocation (the scan's pass)
//   dtb     processes whose DirectoryTableBase is a page-table root found in physical memory

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dumpprocs/formats/x64_paging.hpp"
#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/views/process_record.hpp"

namespace dumpprocs::views {

struct ViewEntry {
    std::optional<std::size_t> index; // walk position; the mm view's starting System has none
    std::uint64_t eprocess = 0;
    std::string note; // e.g. "handle 0x4", "via thread 0x..."
};

// A csrss.exe whose handle table the csrss view walked: the session it serves and when it
// started decide which processes it cannot have a handle to (explainCsrssAbsence).
struct CsrssTable {
    std::uint64_t eprocess = 0;
    std::uint64_t session = 0;               // its _MM_SESSION_SPACE (0: none, not a real csrss)
    std::optional<std::uint32_t> session_id; // where the profile and the dump give it
    std::uint64_t create_time = 0;           // FILETIME
    bool read_whole = true; // every page of its handle table read and every entry's type told
};

struct ViewResult {
    std::string name;
    bool available = true;
    std::string unavailable_reason;
    // Unavailable only because the profile's symbol data lacks the members the view reads (a
    // limit of the data, the same on every dump of that build, not of this dump): the run's
    // results are not partial for it.
    bool lacks_symbols = false;
    bool complete = true; // read without a problem (else the run's result is partial)
    // Every member of the record was found, so a process the view does not list is known to be
    // absent from it: a ring covered whole (closed, or by Flink and Blink together), a table every
    // page of which was read. Only an exhaustive Process Manager record can make a process HIDDEN.
    bool exhaustive = true;
    // Where and why the walk could not see everything (the page, the file offset, the PTE), for
    // the evidence of the verdicts that its gaps leave open.
    std::vector<std::string> gaps;
    std::vector<std::string> warnings;
    std::vector<ViewEntry> entries;
    std::vector<std::string> details; // shown with -v only (e.g. the scan's rejected candidates)
    std::vector<CsrssTable> csrss_tables; // the csrss view only: the tables it walked
    // Facts the view found about a process it lists, by _EPROCESS address, for that process's
    // evidence in the cross-view (e.g. the scan's changed pool tag).
    std::map<std::uint64_t, std::vector<std::string>> evidence;
    // Page-table roots no process the views found owns (the dtb view): evidence of a process
    // they do not see, by physical address of the root.
    std::vector<std::uint64_t> unowned_roots;
};

// What some views need beyond the catalog (today only the scan).
struct ViewOptions {
    unsigned threads = 0; // worker threads for the scan; 0: one per core
    // Called now and then with (bytes done, bytes total) while the scan runs; may be empty.
    std::function<void(std::uint64_t, std::uint64_t)> progress;
    // A view later in this run makes the scan's pass over physical memory (scan, thrdscan): the
    // dtb view then runs that pass itself, which finds the page-table roots on the way, instead of
    // reading the dump once more on its own (the later view takes the pass from the catalog).
    bool scan_pass_follows = false;
};

// The views, one row each: the cli's help and view names, the report's titles and the cross-view's
// rules are all read from this table, so a new view is one new row (and its walker).
enum class ViewId { Active, Mm, Cid, Thread, Scan, Kproc, Session, Handles, Csrss, Thrdscan, Dtb };

struct ViewInfo {
    ViewId id;
    const char* name;  // on the command line and in JSON: "active"
    const char* title; // what it walks, for the report's heading
    const char* help;  // one line for --help
    // One of the Process Manager's own records of every live process: a live process that an
    // exhaustive one lacks is HIDDEN (the cross-view's rule).
    bool process_manager_record;
    // Reads physical memory page by page (left out by --no-scan, unavailable without it).
    bool scans_physical_memory;
    ViewResult (*run)(ProcessCatalog& catalog, const ViewOptions& options);
    // For a witness whose absences never decide a verdict (kproc, session, handles, csrss): why
    // a live process is expected to be absent from it ("" when nothing explains the absence),
    // for the evidence; `view` is the witness's own result (the csrss view's rules need the
    // tables it walked). nullptr for the views whose absences the cross-view's own rules judge.
    std::string (*explain_absence)(const ProcessRecord& record, const kernel::KernelContext& kernel,
                                   const ViewResult& view) = nullptr;
};

const std::vector<ViewInfo>& viewTable();
const ViewInfo* findView(std::string_view name); // nullptr for an unknown name

const std::vector<std::string>& allViewNames();       // the table's names, in its order
std::string viewNameList(std::string_view separator); // "active, mm, cid, thread, scan"
bool scansPhysicalMemory(std::string_view name);      // false for an unknown name

ViewResult runActiveProcessLinksView(ProcessCatalog& catalog);
// The walk of ActiveProcessLinks from PsActiveProcessHead that the active view and the witnesses
// entering other rings from it share: each node's process is read through the catalog as the walk
// reaches it, and its links taken from that read, so its page is read once while at hand.
kernel::ListWalk walkActiveProcessLinks(ProcessCatalog& catalog);
ViewResult runMmProcessLinksView(ProcessCatalog& catalog);
ViewResult runCidTableView(ProcessCatalog& catalog);
ViewResult runThreadOwnerView(ProcessCatalog& catalog);
// scan_view.cpp: both from the one pass over physical memory
ViewResult runPoolScanView(ProcessCatalog& catalog, const ViewOptions& options);
ViewResult runThreadScanView(ProcessCatalog& catalog, const ViewOptions& options);
std::string explainThrdscanAbsence(const ProcessRecord& record, const kernel::KernelContext& kernel,
                                   const ViewResult& view);
// dtb_view.cpp
ViewResult runDirectoryTableView(ProcessCatalog& catalog, const ViewOptions& options);
std::string explainDtbAbsence(const ProcessRecord& record, const kernel::KernelContext& kernel,
                              const ViewResult& view);
// The test of a page-table root: a page that is the PML4 of an address space, its
// self-reference entry (at the kernel PML4's index) mapping it, its kernel half the kernel's.
class PageTableRootTest {
  public:
    // From the kernel's own PML4; an error when it has no self-reference entry.
    static Expected<PageTableRootTest> forKernel(const X64AddressSpace& x64);
    // Appends the physical addresses of the roots among `bytes` (whole pages from physical
    // address `base`), ascending. Reads only its own state: safe from several threads at once.
    void findIn(ByteView bytes, std::uint64_t base, std::vector<std::uint64_t>& out) const;

  private:
    unsigned self_ = 0;
    std::array<std::uint64_t, formats::pte::kEntriesPerTable> entries_{};
};
// The physical addresses of the page-table roots in physical memory, ascending, by a pass of
// their own (the dtb view takes them from the scan's pass when that ran). `problem` says why none
// can be found (the kernel's own PML4 has no self-reference entry).
std::vector<std::uint64_t> findPageTableRoots(const X64AddressSpace& x64, std::string& problem);
// witness_views.cpp
ViewResult runKernelProcessListView(ProcessCatalog& catalog);
ViewResult runSessionView(ProcessCatalog& catalog);
ViewResult runHandleTableListView(ProcessCatalog& catalog);
ViewResult runCsrssHandlesView(ProcessCatalog& catalog); // csrss_view.cpp
std::string explainKprocAbsence(const ProcessRecord& record, const kernel::KernelContext& kernel,
                                const ViewResult& view);
std::string explainSessionAbsence(const ProcessRecord& record, const kernel::KernelContext& kernel,
                                  const ViewResult& view);
std::string explainHandlesAbsence(const ProcessRecord& record, const kernel::KernelContext& kernel,
                                  const ViewResult& view);
std::string explainCsrssAbsence(const ProcessRecord& record, const kernel::KernelContext& kernel,
                                const ViewResult& view);

// Runs a view by name; unknown names are a usage error.
Expected<ViewResult> runView(const std::string& name, ProcessCatalog& catalog,
                             const ViewOptions& options = {});

} // namespace dumpprocs::views
