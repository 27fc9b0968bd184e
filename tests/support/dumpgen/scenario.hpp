#pragma once
// A synthetic machine described as data: which kernel layout, which processes, which DKOM edits.
// buildScenario() turns it into a crash dump with WindowsKernelBuilder.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace dumpgen {

struct ProcessSpec {
    std::string name; // the full image name (UTF-8); ImageFileName keeps the first 14
                      // bytes, of ansi_name when it is set
    // ImageFileName's bytes in the system's ANSI code page, for a name that is not ASCII (e.g.
    // Shift-JIS "\x83\x65\x83\x58\x83\x67.exe" for テスト.exe); empty: the name itself.
    std::string ansi_name;
    // The full image path (UTF-8) that SeAuditProcessCreationInfo.ImageFileName names, e.g.
    // "\Device\HarddiskVolume3\Windows\System32\lsass.exe"; empty: the generator's choice
    // from the name (none for System and the minimal processes, as on Windows).
    std::string image_path;
    bool no_image_path = false; // SeAuditProcessCreationInfo.ImageFileName left NULL
    std::uint64_t eprocess = 0; // 0: allocated in pool
    unsigned threads = 1;
    std::uint64_t pid = 0;      // 0: the next free handle value
    bool minimal = false;       // Flags3.Minimal, no threads, no PEB (Registry, MemCompression)
    bool exited = false;        // ExitTime set, ProcessExiting/ProcessDelete, still linked
    bool unlink_active = false; // DKOM: removed from ActiveProcessLinks (links point to itself)
    bool remove_cid = false;    // DKOM: its PspCidTable entry zeroed
    bool break_active_flink = false; // its ActiveProcessLinks.Flink points into unmapped memory
    bool bad_mm_blink = false;       // the next node's MmProcessLinks.Blink does not point back
    bool unlink_mm = false;          // removed from MmProcessLinks too
    bool remove_thread_cids = false; // DKOM: its threads' PspCidTable entries zeroed as well
    bool unlink_kproc = false;       // DKOM: removed from KiProcessListHead (ProcessListEntry)
    bool unlink_session = false;     // DKOM: removed from its session's ProcessList
    bool unlink_handles = false;     // DKOM: its handle table removed from HandleTableListHead
    // Its session: -1 for the generator's choice (the second csrss.exe opens session 1, the
    // first half of the processes with a session are session 0's, the rest session 1's).
    int session = -1;
    // Witness rings damaged at this process: its ProcessListEntry, SessionProcessLinks and
    // handle table's HandleTableList zeroed (a zeroed node), or their Flinks pointed into
    // unmapped memory (a Flink that does not come back).
    bool zero_witness_links = false;
    bool bad_witness_flink = false;
    bool spoof_pool_tag = false; // DKOM: its pool block's 'Proc' tag overwritten ('Vad ')
    // Unlinked entries keep pointing at their old neighbours (what RemoveEntryList leaves when a
    // process exits) instead of at themselves (what FU-style DKOM writes).
    bool stale_links = false;
    // The pages of its object (pool header to the end of the _EPROCESS) are mapped by transition
    // PTEs (the frames on the standby or modified list, still in RAM and in the dump).
    bool transition_pages = false;
    // The pages of its object are in no kernel PTE at all (zeroed), the frames still in the dump:
    // a scan finds the object with no virtual address.
    bool unmapped_pages = false;
};

// A range of a machine's RAM in frames, for the big (benchmark) machines.
struct RamRun {
    std::uint64_t first_pfn = 0, pages = 0;
};

struct Scenario {
    std::string name;
    std::string description;
    std::string profile;         // built-in profile row, e.g. "7601a"
    std::uint32_t build = 0;     // header MinorVersion
    std::uint32_t dump_type = 1; // 1 or 5
    unsigned cpus = 2;
    std::uint64_t kern_base = 0;
    std::uint64_t ps_loaded_module_list = 0; // 0: allocated in .data
    std::uint64_t mm_head_entry = 0;   // MmProcessLinks head - offset(MmProcessLinks); 0: allocated
    std::uint64_t idle_eprocess = 0;   // 0: allocated in .data
    std::uint64_t psp_cid_table = 0;   // nt!PspCidTable, the variable; 0: allocated in .data
    std::uint64_t system_eprocess = 0; // 0: allocated in pool
    std::vector<std::uint64_t> idle_threads; // per CPU; missing ones allocated
    std::vector<std::uint32_t> idle_wait_times;
    std::uint64_t system_time = 0; // FILETIME (UTC)
    std::uint64_t uptime = 0;      // 100 ns
    std::string pdb_guid;          // 32 hex digits (symbol-server form)
    std::uint32_t pdb_age = 1;
    std::vector<ProcessSpec> processes; // after System, in creation order
    bool article_head_bytes = false;    // the Win7 article's dt values around the list head
    bool head_minimal_bit = false;      // the 15063 article: bit 0 set at entry+Flags3
    std::uint64_t first_handle = 0x100; // first PID/TID handed out after System's
    std::uint64_t far_pid = 0;          // a process with this PID forces a 3-level table
    std::uint32_t bugcheck_code = 0x1E;
    bool pcid_in_dtb = false;          // header DTB carries PCID bits 0..11
    bool pcid_in_process_dtb = false;  // every _KPROCESS.DirectoryTableBase carries a PCID
    std::uint32_t eprocess_shift = 0;  // every _EPROCESS member moved: a layout no row has
    bool translation_fixtures = false; // the pages of kTranslationFixtures (below)
    bool scan_decoys = false;          // 'Proc' pool blocks that are no process object
    // Big machines (bench/): the RAM the dump covers; the kernel's frames are scattered over it
    // and writeScenarioSparse() stores every page of it. Empty: only the frames used, packed.
    std::vector<RamRun> ram;
    // A raw capture of Windows 8+ booted without a debugger: KDBG encoded in place with
    // nt!KiWaitNever / nt!KiWaitAlways / &nt!KdpDataBlockEncoded (dump-format.md §4.2-4.3), and a
    // KdCopyDataBlock in .text whose RIP-relative operands name them.
    bool encoded_kdbg = false;
    bool sample = true; // a sample in testdata/ (written by --all); false: made by a test itself
};

// Kernel addresses that the translation fixtures map, one case of dump-format.md §5 each. The
// first 8 bytes of each present 4 KiB frame hold a marker: "DPFX" then the frame's index in the
// fixture, so a test can tell which frame a read really reached.
struct TranslationFixtures {
    static constexpr std::uint64_t kLarge2M = 0xfffff90000000000ULL;     // 2 MiB page, PAT bit set
    static constexpr std::uint64_t kLarge2MPhys = 0x40000000ULL;         // all 512 frames stored
    static constexpr std::uint64_t kLarge1G = 0xfffff90040000000ULL;     // 1 GiB page
    static constexpr std::uint64_t kLarge1GPhys = 0x80000000ULL;         // frames 0 and 0x12345
    static constexpr std::uint64_t kTransition = 0xfffff90080000000ULL;  // transition PTE, in dump
    static constexpr std::uint64_t kPrototype = 0xfffff90080001000ULL;   // prototype PTE
    static constexpr std::uint64_t kPagedOut = 0xfffff90080002000ULL;    // pagefile PTE
    static constexpr std::uint64_t kFrameAbsent = 0xfffff90080003000ULL; // valid PTE, frame absent
    static constexpr std::uint64_t kAbsentPfn = 0x7fff0ULL;
    static constexpr std::uint64_t kCrossPage = 0xfffff90080005000ULL; // two adjacent 4 KiB pages
    static constexpr std::uint64_t kTransitionAbsent = 0xfffff90080007000ULL; // transition, absent
};

// Writes the dump of `s` and returns its bytes.
std::vector<std::uint8_t> buildScenario(const Scenario& s);

// What the generator put in a dump, for tests that judge the tool's output against it (never
// derived from the tool's own output).
struct TruthProcess {
    std::uint64_t eprocess = 0; // the _EPROCESS (object body) virtual address
    std::uint64_t pid = 0;
    std::string image_name; // ImageFileName as stored: the first 14 characters of the name
    bool idle = false;      // the static Idle process in .data (no object header, PID 0)
    bool exited = false;
    bool minimal = false;
    // DKOM planted: a live process removed from ActiveProcessLinks, MmProcessLinks or
    // PspCidTable. Exactly these are to be HIDDEN on the undamaged dump.
    bool planted_hidden = false;
    std::uint64_t session = 0; // its _MM_SESSION_SPACE, 0 when it has none
    // csrss.exe: the processes its handle table names (Process-type handles), in handle order.
    std::vector<std::uint64_t> csrss_handles;
};
struct BuiltDump {
    std::vector<std::uint8_t> bytes;
    std::vector<TruthProcess> processes; // Idle, System, then the scenario's processes
};
BuiltDump buildScenarioWithTruth(const Scenario& s);
// Writes the dump of `s` (which has `ram`) as a sparse file holding every RAM page: only the
// pages the kernel uses take disk space; the others are holes that read as zeros.
void writeScenarioSparse(const Scenario& s, const std::string& path);

} // namespace dumpgen
