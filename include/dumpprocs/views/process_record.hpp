#pragma once
// ProcessRecord: what every view reports about one EPROCESS address, read once through the
// KernelLayout and cached in a ProcessCatalog shared by all views.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/process_object.hpp"

namespace dumpprocs::views {

enum class EntryKind {
    Process,  // a real process object
    Idle,     // the static Idle process (inside ntoskrnl, owner of the processors' idle threads)
    ListHead, // a ring node that is no process: the list head read as an _EPROCESS
    Invalid,  // not readable, or not a process object
    Unsaved,  // its _EPROCESS is not in the dump (a triage dump's unsaved memory, a page the dump
              // lacks, the lost end of a cut file): only what leads here was read
};
const char* entryKindName(EntryKind kind);

struct ProcessRecord {
    std::uint64_t eprocess = 0;
    EntryKind kind = EntryKind::Process;
    bool readable = false;
    std::string unreadable_reason;
    bool memory_missing = false; // unreadable because the dump does not hold the page
    std::uint8_t dispatcher_type = 0;
    std::uint64_t pid = 0, ppid = 0;
    std::array<std::uint8_t, 15> name_bytes{};
    std::uint64_t create_time = 0, exit_time = 0; // FILETIME
    bool inserted = false, exiting = false, deleted = false;
    std::optional<bool> minimal; // nullopt where the build has no Flags3.Minimal
    std::uint32_t active_threads = 0;
    std::uint64_t directory_table_base = 0;
    std::uint64_t peb = 0;
    // _EPROCESS.Session: its session's _MM_SESSION_SPACE, 0 for none (System, smss, the minimal
    // processes); nullopt where the profile lacks the member or the record is no process object.
    std::optional<std::uint64_t> session;
    // _EPROCESS.ObjectTable: its handle table, 0 for none (minimal and exiting processes); nullopt
    // as for `session`.
    std::optional<std::uint64_t> object_table;
    // Its ActiveProcessLinks and MmProcessLinks as read, when the object was read whole.
    std::optional<formats::ListEntry64> active_links, mm_links;
    // The responder's columns: each nullopt where it could not be read (the symbol data lacks the
    // member, a NULL pointer, memory the dump does not hold), never a guess.
    // That session's SessionId, where the profile describes _MM_SESSION_SPACE and the dump holds
    // it (many built-in rows lack it: sessions are then told apart by address).
    std::optional<std::uint32_t> session_id;
    std::optional<bool> wow64;                    // Wow64Process is not NULL: a 32-bit process
    std::optional<std::string> image_path;        // SeAuditProcessCreationInfo.ImageFileName's Name
    std::optional<std::uint64_t> physical_offset; // where the _EPROCESS lies in physical memory
    bool object_header_valid = false;
    std::uint64_t object_header = 0; // the object header's address (where the record has one)
    // Why the object header is not a valid process object header ("" when it is valid: see
    // objectHeaderNote(), spelled only when a verdict's evidence quotes it).
    std::string object_header_note;
    bool in_kernel_image = false;
    std::string kernel_section;        // ".data", or "" when outside / unknown
    std::vector<std::string> evidence; // facts behind `kind`

    // ImageFileName's bytes that are not ASCII, as the analysed system meant them: the file name
    // of the UTF-16 image path, else the bytes decoded in the code page the user named
    // (--codepage); nullopt for an ASCII name or bytes neither tells (name() escapes them).
    std::optional<std::string> decoded_name;

    // The name to show: decoded_name, else ImageFileName up to its NUL with non-printable bytes
    // as \xNN (safe whatever the bytes).
    // Why it is (not) a valid process object header.
    std::string objectHeaderNote() const;
    std::string name() const;
    // ImageFileName's bytes up to its NUL, as lower-case hex digits ("8365835883672e657865").
    std::string nameRawHex() const;
    bool terminated() const { return exit_time != 0 || exiting || deleted; }
};

// The one pass over physical memory that the scan and thrdscan views share (scan_view.hpp).
struct ScanCache;
// What the cid view found out about the thread objects of PspCidTable, for the thread view
// (cid_views.cpp): one walk of the table and one read of each object serve both.
struct ThreadOwners;

// Reads and caches records; knows the idle processes (from the KPRCBs' idle threads).
class ProcessCatalog {
  public:
    // `code_page`: the system's ANSI code page for names the image path does not tell (0: none).
    explicit ProcessCatalog(const kernel::KernelContext& kernel, unsigned code_page = 0);

    const ProcessRecord& get(std::uint64_t eprocess);
    // Asks for the pages of the objects not read yet (header and body) in one batch, before a
    // view get()s them one by one (VirtualMemory::prefetch: a hint, no result changes).
    void prefetch(std::span<const std::uint64_t> eprocesses) const;
    // Views prefetch this many objects at a time (a PspCidTable leaf's entries).
    static constexpr std::size_t kPrefetchBatch = 256;
    // The ActiveProcessLinks (or, with `mm`, MmProcessLinks) LIST_ENTRY at `entry`, when the
    // object holding it was already read whole: the list walks take it instead of reading the
    // page again (kernel::ListWalkOptions::known_links). Reads nothing, adds no record.
    std::optional<formats::ListEntry64> knownLinks(std::uint64_t entry, bool mm) const;
    const kernel::KernelContext& kernel() const { return kernel_; }
    const std::set<std::uint64_t>& idleProcesses() const { return idle_; }
    // Every record read so far, by address (the dtb view matches page-table roots to them).
    const std::map<std::uint64_t, ProcessRecord>& records() const { return cache_; }
    // Set by the first view that scans pool, read by the others: one pass serves them all.
    std::shared_ptr<ScanCache>& scanCache() { return scan_cache_; }
    std::shared_ptr<ThreadOwners>& threadOwners() { return thread_owners_; }

  private:
    ProcessRecord read(std::uint64_t eprocess) const;
    void readAttributes(ProcessRecord& r, const kernel::ProcessObject& object) const;
    void classify(ProcessRecord& r) const;
    void decodeName(ProcessRecord& r) const;

    const kernel::KernelContext& kernel_;
    unsigned code_page_ = 0;
    std::set<std::uint64_t> idle_;
    std::map<std::uint64_t, ProcessRecord> cache_;
    std::shared_ptr<ScanCache> scan_cache_;
    std::shared_ptr<ThreadOwners> thread_owners_;
};

} // namespace dumpprocs::views
