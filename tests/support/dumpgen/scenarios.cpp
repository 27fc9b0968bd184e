#include "dumpgen/scenarios.hpp"

#include <chrono>

#include <fmt/format.h>

#include "dumpprocs/kernel/profile.hpp"

namespace dumpgen {
namespace {

constexpr std::uint64_t kSecond = 10000000; // FILETIME units

std::uint64_t duration(unsigned days, unsigned h, unsigned m, unsigned s, unsigned ms) {
    return ((((days * 24ULL + h) * 60 + m) * 60 + s) * 1000 + ms) * 10000;
}

// Believable process names for the filler entries between the article's named ones.
const char* kWin7Names[] = {"lsass.exe",    "lsm.exe",     "winlogon.exe", "svchost.exe",
                            "svchost.exe",  "svchost.exe", "spoolsv.exe",  "svchost.exe",
                            "taskhost.exe", "dwm.exe",     "explorer.exe", "SearchIndexer.exe",
                            "conhost.exe",  "chrome.exe",  "vmtoolsd.exe", "WmiPrvSE.exe",
                            "audiodg.exe",  "svchost.exe", "msdtc.exe",    "iexplore.exe"};
const char* kWin10Names[] = {"smss.exe",
                             "csrss.exe",
                             "wininit.exe",
                             "csrss.exe",
                             "winlogon.exe",
                             "services.exe",
                             "lsass.exe",
                             "svchost.exe",
                             "fontdrvhost.exe",
                             "svchost.exe",
                             "dwm.exe",
                             "svchost.exe",
                             "spoolsv.exe",
                             "explorer.exe",
                             "RuntimeBroker.exe",
                             "SearchUI.exe",
                             "ShellExperienceHost.exe",
                             "MsMpEng.exe",
                             "conhost.exe",
                             "notepad.exe"};

ProcessSpec named(const std::string& name, std::uint64_t eprocess = 0, unsigned threads = 2) {
    ProcessSpec p;
    p.name = name;
    p.eprocess = eprocess;
    p.threads = threads;
    return p;
}

// What each seed-article machine is made of (data/reference/seed-article.md): the kernel
// addresses the article prints, the debug session's time and uptime, and an invented PDB GUID.
struct ArticleKernel {
    const char* name;
    const char* description;
    const char* profile;
    std::uint32_t build;
    unsigned cpus;
    std::uint64_t kern_base, ps_loaded_module_list, mm_head_entry, idle_eprocess;
    std::uint64_t system_time, uptime;
    const char* pdb_guid;
};

Scenario articleScenario(const ArticleKernel& k) {
    Scenario s;
    s.name = k.name;
    s.description = k.description;
    s.profile = k.profile;
    s.build = k.build;
    s.cpus = k.cpus;
    s.kern_base = k.kern_base;
    s.ps_loaded_module_list = k.ps_loaded_module_list;
    s.mm_head_entry = k.mm_head_entry;
    s.idle_eprocess = k.idle_eprocess;
    s.system_time = k.system_time;
    s.uptime = k.uptime;
    s.pdb_guid = k.pdb_guid;
    return s;
}

// The filler processes of the 8.1 and 10 machines: Windows 10 names first, then Windows 7 ones.
ProcessSpec fillerProcess(unsigned i) {
    return named(i < 20 ? kWin10Names[i] : kWin7Names[i % 20], 0, 1 + i % 2);
}

Scenario win7Article() {
    // Debug session time: Sat Sep 20 09:58:01.081 2014 (UTC + 9:00); uptime 2:46:44.174.
    Scenario s = articleScenario(
        {"win7sp1_7601_article",
         "The seed article's Windows 7 SP1 kernel dump: 8 CPUs, 134 MmProcessLinks entries after "
         "System, the list head as No.132 and Idle as No.133",
         "7601a", 7601, 8, 0xfffff80003a54000, 0xfffff80003c98890, 0xfffff80003c80ac0,
         0xfffff80003c54180, filetime(2014, 9, 20, 0, 58, 1, 81), duration(0, 2, 46, 44, 174),
         "3844DBB920174967BE7AA4A2C20430FA"}); // no known layout has this GUID
    s.system_eprocess = 0xfffffa8006d0f740;
    s.idle_threads = {0xfffff80003c53cc0, 0xfffff880009f30c0, 0xfffff8800336f0c0,
                      0xfffff880033e00c0, 0xfffff880009bd0c0, 0xfffff880034af0c0,
                      0xfffff880035200c0, 0xfffff880035910c0};
    s.idle_wait_times = {0x9C906, 0, 0, 0x9B2F5, 0, 0x9C8FD, 0, 0};
    s.article_head_bytes = true;
    s.translation_fixtures = true;
    s.processes = {
        named("smss.exe", 0xfffffa800a763b30),    named("csrss.exe", 0xfffffa800bad1b30),
        named("psxss.exe", 0xfffffa800bc35b30),   named("csrss.exe", 0xfffffa800bc50b30),
        named("wininit.exe", 0xfffffa800adc3b30), named("services.exe", 0xfffffa800c096060)};
    for (unsigned i = 6; i < 128; ++i)
        s.processes.push_back(named(kWin7Names[i % 20], 0, 1 + i % 3));
    s.processes.push_back(named("iexplore.exe", 0xfffffa800ef4b690));
    s.processes.push_back(named("crypticError.exe", 0xfffffa800e514b30));
    s.processes.push_back(named("GameClient.exe", 0xfffffa80107d5b30));
    s.processes.push_back(named("ArcOSOverlay.exe", 0xfffffa800d677060));
    return s;
}

Scenario win81Article() {
    // Thu Oct 9 00:34:44.270 2014 (UTC + 9:00); uptime 13:38:52.140.
    Scenario s = articleScenario(
        {"win81_9600_article",
         "The seed article's Windows 8.1 dump: 4 CPUs; the list head is No.134, Idle No.135; the "
         "Minimal bit read at the head entry is 0",
         "9600a", 9600, 4, 0xfffff8016868c000, 0xfffff80168956350, 0xfffff80168956540,
         0xfffff801689d9300, filetime(2014, 10, 8, 15, 34, 44, 270), duration(0, 13, 38, 52, 140),
         "5C2D8F1A0B3E4D6F8A9B1C2D3E4F5A6B"});
    s.dump_type = 5;
    for (unsigned i = 0; i < 134; ++i)
        s.processes.push_back(fillerProcess(i));
    return s;
}

Scenario win10Article() {
    // Sat Aug 26 08:15:56.376 2017 (UTC + 9:00); uptime 4 days 0:30:14.078.
    Scenario s = articleScenario(
        {"win10_15063_article",
         "The seed article's Windows 10 1703 dump: 2 CPUs; the list head is No.137 and its "
         "Minimal bit reads 1, Idle No.138; MemCompression is a real minimal process",
         "15063", 15063, 2, 0xfffff800d5287000, 0xfffff800d55d35c0, 0xfffff800d55efb08,
         0xfffff800d567e9c0, filetime(2017, 8, 25, 23, 15, 56, 376), duration(4, 0, 30, 14, 78),
         "9D7A6B5C4E3F2A1B0C9D8E7F6A5B4C3D"});
    s.head_minimal_bit = true;
    for (unsigned i = 0; i < 137; ++i) {
        if (i == 3) {
            ProcessSpec m = named("MemCompression");
            m.minimal = true;
            s.processes.push_back(m);
            continue;
        }
        s.processes.push_back(fillerProcess(i));
    }
    return s;
}

// A small DKOM system of one layout: rootkit.exe unlinked from ActiveProcessLinks, hidden.exe
// also removed from PspCidTable, exited.exe terminated but still listed, and on 10/11 the real
// minimal processes Registry and MemCompression.
Scenario dkom(const std::string& name, const std::string& profile, std::uint32_t build,
              std::uint64_t kern_base, const std::string& guid, std::uint32_t dump_type) {
    Scenario s;
    s.name = name;
    s.description = "DKOM case on the " + profile +
                    " layout: rootkit.exe unlinked from "
                    "ActiveProcessLinks; hidden.exe also removed from PspCidTable; exited.exe "
                    "terminated but still linked";
    s.profile = profile;
    s.build = build;
    s.cpus = 2;
    s.dump_type = dump_type;
    s.kern_base = kern_base;
    s.system_time = filetime(2024, 3, 14, 9, 26, 53, 589);
    s.uptime = duration(0, 5, 12, 7, 421);
    s.pdb_guid = guid;
    s.pcid_in_dtb = build >= 17134;
    const bool win10 = build >= 10240;
    for (unsigned i = 0; i < 24; ++i)
        s.processes.push_back(named(kWin10Names[i % 20], 0, 1 + i % 3));
    if (win10) {
        ProcessSpec compression = named("MemCompression");
        compression.minimal = true;
        s.processes.insert(s.processes.begin() + 1, compression);
        if (build >= 17134) {
            ProcessSpec registry = named("Registry");
            registry.minimal = true;
            s.processes.insert(s.processes.begin(), registry);
        }
    }
    ProcessSpec rootkit = named("rootkit.exe", 0, 2);
    rootkit.unlink_active = true;
    ProcessSpec hidden = named("hidden.exe", 0, 3);
    hidden.unlink_active = true;
    hidden.remove_cid = true;
    ProcessSpec exited = named("exited.exe", 0, 0);
    exited.exited = true;
    s.processes.insert(s.processes.begin() + 10, rootkit);
    s.processes.insert(s.processes.begin() + 15, hidden);
    s.processes.insert(s.processes.begin() + 20, exited);
    return s;
}

// The dkom_<build> samples' witness shapes (issue 16): rootkit.exe unlinked from
// KiProcessListHead as well, hidden.exe from every list and table the kernel keeps (active, mm,
// kproc, its session, HandleTableListHead, PspCidTable) but its pool allocation and its
// threads: the thread and scan views still find it.
Scenario withWitnessDkom(Scenario s) {
    for (auto& p : s.processes) {
        if (p.name == "rootkit.exe")
            p.unlink_kproc = true;
        if (p.name == "hidden.exe")
            p.unlink_mm = p.unlink_kproc = p.unlink_session = p.unlink_handles =
                p.remove_thread_cids = p.spoof_pool_tag = true;
    }
    s.description += "; rootkit.exe also off KiProcessListHead; hidden.exe off every list and "
                     "table but pool (active, mm, kproc, session, handles, cid, its threads' cid "
                     "entries), its pool tag changed to 'Vad '";
    return s;
}

// The pool scan's case: a terminated process unlinked from both process lists and removed from
// PspCidTable but still in pool (stale links, as RemoveEntryList leaves them), a live process
// removed from every list and table (its threads' PspCidTable entries too), and 'Proc' pool
// blocks that are no process (garbage, a zeroed object, a look-alike, a thread header).
Scenario scan(const std::string& name, const std::string& profile, std::uint32_t build,
              std::uint64_t kern_base, const std::string& guid, std::uint32_t dump_type) {
    Scenario s = dkom(name, profile, build, kern_base, guid, dump_type);
    s.description = "Pool scan case on the " + profile +
                    " layout: gone.exe terminated, unlinked "
                    "from both lists and PspCidTable but still in pool; ghost.exe removed from "
                    "every list and table; 'Proc' decoys that are no process";
    ProcessSpec gone = named("gone.exe", 0, 0);
    gone.exited = true;
    gone.unlink_active = gone.unlink_mm = gone.remove_cid = gone.stale_links = true;
    ProcessSpec ghost = named("ghost.exe", 0, 2);
    ghost.unlink_active = ghost.unlink_mm = ghost.remove_cid = ghost.remove_thread_cids = true;
    s.processes.insert(s.processes.begin() + 7, gone);
    s.processes.insert(s.processes.begin() + 18, ghost);
    s.scan_decoys = true;
    return s;
}

// The machine of `s` written in another container: only the name, description and type differ.
Scenario asDumpType(Scenario s, std::string name, std::string description,
                    std::uint32_t dump_type) {
    s.name = std::move(name);
    s.description = std::move(description);
    s.dump_type = dump_type;
    return s;
}

// The row's first known kernel PDB GUID, or an invented one (the profile is then chosen by
// validating the dump, as for a kernel no row lists).
std::string corpusGuid(const std::string& profile, std::uint32_t build) {
    const auto* p = dumpprocs::kernel::findBuiltinProfile(profile);
    if (p && !p->pdb_ids.empty())
        return p->pdb_ids.front().guid;
    return fmt::format("C0DE{:08X}{:020X}", build, 0xDA3A6EDULL * build);
}

} // namespace

std::uint64_t filetime(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                       unsigned second, unsigned millisecond) {
    using namespace std::chrono;
    const sys_days date =
        year_month_day{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
    const std::int64_t unix_seconds =
        date.time_since_epoch().count() * 86400LL + hour * 3600LL + minute * 60LL + second;
    constexpr std::int64_t kEpochDelta = 11644473600LL; // 1601-01-01 to 1970-01-01
    return static_cast<std::uint64_t>(unix_seconds + kEpochDelta) * kSecond +
           millisecond * 10000ULL;
}

std::vector<Scenario> allScenarios() {
    std::vector<Scenario> all;
    all.push_back(win7Article());
    all.push_back(asDumpType(win7Article(), "win7sp1_7601_article_bitmap",
                             "The Windows 7 article machine written as a bitmap dump (DumpType 5)",
                             5));
    all.push_back(win81Article());
    all.push_back(win10Article());

    Scenario mm428 = dkom("win7sp1_7601c_mm428", "7601c", 7601, 0xfffff80002a1d000,
                          "0A1B2C3D4E5F60718293A4B5C6D7E8F9", 1);
    mm428.description = "Windows 7 SP1 with the 2018+ layout (MmProcessLinks at 0x428), unknown "
                        "GUID: the profile must be chosen by validating the dump";
    mm428.processes.resize(12);
    all.push_back(mm428);
    for (std::uint32_t type : {8u, 9u, 0xAu}) {
        all.push_back(asDumpType(
            mm428, fmt::format("rdmp{:x}_7601c", type),
            fmt::format("The mm428 machine as a newer-WinDbg RDMP dump (DumpType {:#x})", type),
            type));
    }

    all.push_back(withWitnessDkom(dkom("dkom_7601", "7601c", 7601, 0xfffff80002a5f000,
                                       "339E74133576439CBCDF7E0229DA3773", 5)));
    all.push_back(withWitnessDkom(dkom("dkom_9600", "9600b", 9600, 0xfffff8030b404000,
                                       "22597D0B40394E23936F6A24C6C52D5B", 1)));
    Scenario d19041 = withWitnessDkom(dkom("dkom_19041", "19041", 19041, 0xfffff8047c000000,
                                           "BBED7C2955FBE4522AAA23F4B8677AD9", 5));
    d19041.translation_fixtures = true; // with bit 45 set in the transition PTE
    d19041.first_handle = 0x380;        // PIDs and TIDs past 0x400: a two-level PspCidTable
    all.push_back(d19041);
    Scenario d22631 = withWitnessDkom(dkom("dkom_22631", "22631", 22631, 0xfffff80518a00000,
                                           "6A3F1E2D5C4B7A8996E0F1D2C3B4A596", 1));
    d22631.far_pid = 0x80010; // one PID beyond 256*512 handles: a three-level PspCidTable
    all.push_back(d22631);
    // What Task Manager's "Create live kernel memory dump" writes on 22H2+: DumpType 6, a kernel
    // bitmap dump (dump-format.md §1.2), here with the SDMP signature ROSF saw with type 6.
    all.push_back(asDumpType(d22631, "live_22631_kernel_bitmap",
                             "The dkom_22631 machine as a live kernel bitmap dump (DumpType 6)",
                             6));
    // A Japanese system's process: ImageFileName in Shift-JIS (code page 932), the image path
    // in UTF-16, as the seed article's machines wrote them.
    Scenario d26100 = withWitnessDkom(dkom("dkom_26100", "26100", 26100, 0xfffff80721200000,
                                           "1B2C3D4E5F60718293A4B5C6D7E8F90A", 5));
    ProcessSpec sjis = named("\u30c6\u30b9\u30c8.exe", 0, 1); // テスト.exe
    sjis.ansi_name = "\x83\x65\x83\x58\x83\x67.exe";
    sjis.image_path = "\\Device\\HarddiskVolume3\\Users\\analyst\\Desktop\\\u30c6\u30b9\u30c8.exe";
    d26100.processes.push_back(sjis);
    // And one without an image path: only --codepage 932 tells its name (日本語.exe).
    ProcessSpec no_path = named("\u65e5\u672c\u8a9e.exe", 0, 1);
    no_path.ansi_name = "\x93\xfa\x96\x7b\x8c\xea.exe";
    no_path.no_image_path = true;
    d26100.processes.push_back(no_path);
    d26100.description += "; two processes whose ImageFileName is Shift-JIS (code page 932), one "
                          "without an image path";
    all.push_back(d26100);

    Scenario broken = dkom("broken_flink_19041", "19041", 19041, 0xfffff8047c000000,
                           "BBED7C2955FBE4522AAA23F4B8677AD9", 1);
    broken.description = "A Flink in ActiveProcessLinks points into unmapped kernel memory, and "
                         "an MmProcessLinks Blink does not point back";
    broken.processes[6].break_active_flink = true;
    broken.processes[12].bad_mm_blink = true;
    all.push_back(broken);

    Scenario unknown = dkom("unknown_build_19999", "19041", 19999, 0xfffff8047c000000,
                            "0F1E2D3C4B5A69788796A5B4C3D2E1F0", 1);
    unknown.description = "A build the table does not know (19999) with the 19041 layout and an "
                          "unknown PDB GUID: every row is probed and 19041 validates";
    unknown.processes.resize(10);
    all.push_back(unknown);

    Scenario nomatch = unknown;
    nomatch.name = "no_layout_match_19999";
    nomatch.description = "Build 19999 whose _EPROCESS layout matches no known row (every member "
                          "moved by 0x48): profile selection must fail clearly";
    nomatch.eprocess_shift = 0x48;
    all.push_back(nomatch);

    all.push_back(scan("scan_7601", "7601a", 7601, 0xfffff80002a53000,
                       "4C1D2E3F405162738495A6B7C8D9EAFB", 1));
    all.push_back(scan("scan_19041", "19041", 19041, 0xfffff8047c000000,
                       "BBED7C2955FBE4522AAA23F4B8677AD9", 5));

    // Not a sample in testdata/: the raw-image tests write it to the build directory and turn it
    // into a raw image with dump2raw.
    Scenario encoded = withWitnessDkom(dkom("raw_encoded_19041", "19041", 19041, 0xfffff8047c000000,
                                            "BBED7C2955FBE4522AAA23F4B8677AD9", 1));
    encoded.description = "dkom_19041's machine as a raw capture sees it: KDBG encoded "
                          "(KdpDataBlockEncoded = 1), KdCopyDataBlock in .text";
    encoded.first_handle = d19041.first_handle;
    encoded.encoded_kdbg = true;
    encoded.sample = false;
    all.push_back(encoded);

    // Not samples: the pool-scan unit tests build them. Process objects on pages that the kernel
    // page tables map by transition PTEs (svchost.exe in both lists, ghost.exe in none), and one
    // (orphan.exe, in no list) whose pages no kernel PTE names at all.
    Scenario transition = scan("scan_transition_19041", "19041", 19041, 0xfffff8047c000000,
                               "BBED7C2955FBE4522AAA23F4B8677AD9", 1);
    transition.description = "scan_19041's machine with process objects on transition pages and "
                             "one on pages no PTE maps";
    for (auto& p : transition.processes)
        if (p.name == "ghost.exe" || p.name == "svchost.exe")
            p.transition_pages = true;
    ProcessSpec orphan = named("orphan.exe", 0, 1);
    orphan.unlink_active = orphan.unlink_mm = orphan.remove_cid = orphan.remove_thread_cids = true;
    orphan.unmapped_pages = true;
    transition.processes.push_back(orphan);
    transition.sample = false;
    all.push_back(transition);
    // Windows 8.1 whose processes keep a PCID in bits 0..11 of Pcb.DirectoryTableBase.
    Scenario pcid = scan("scan_pcid_9600", "9600b", 9600, 0xfffff8030b404000,
                         "22597D0B40394E23936F6A24C6C52D5B", 1);
    pcid.description = "A Windows 8.1 pool-scan machine with PCID bits in every process's "
                       "DirectoryTableBase";
    pcid.pcid_in_process_dtb = true;
    pcid.sample = false;
    all.push_back(pcid);
    return all;
}

std::vector<Scenario> damagedCorpusScenarios() {
    struct Machine {
        const char* profile;
        std::uint32_t build;
        std::uint64_t kern_base;
        bool pool_scan_case;       // scan(): gone.exe, ghost.exe and 'Proc' decoys as well
        std::uint32_t bitmap_type; // 5 (FDMP) or 6 (SDMP)
    };
    const Machine machines[] = {
        {"7601a", 7601, 0xfffff80002a61000, true, 5},
        {"7601c", 7601, 0xfffff80002a15000, false, 5},
        {"9600b", 9600, 0xfffff8030b60b000, false, 5},
        {"9600a", 9600, 0xfffff80168688000, true, 5},
        {"14393b", 14393, 0xfffff80312a0e000, false, 5},
        {"15063", 15063, 0xfffff800d5291000, false, 5},
        {"17763", 17763, 0xfffff8025e200000, false, 5},
        {"19041", 19041, 0xfffff8047c000000, true, 5},
        {"20348", 20348, 0xfffff80433600000, false, 5},
        {"22000", 22000, 0xfffff80550a00000, false, 5},
        {"22631", 22631, 0xfffff80518a00000, false, 6},
        {"26100", 26100, 0xfffff80721200000, true, 6},
    };
    std::vector<Scenario> all;
    for (const auto& m : machines) {
        const std::string base = fmt::format("damaged_{}", m.profile);
        const std::string guid = corpusGuid(m.profile, m.build);
        Scenario s = m.pool_scan_case ? scan(base, m.profile, m.build, m.kern_base, guid, 1)
                                      : dkom(base, m.profile, m.build, m.kern_base, guid, 1);
        s.sample = false;
        const std::string profile = m.profile;
        if (profile == "9600a") // the 8.1 machine whose processes carry PCIDs (issue 13, 5b)
            s.pcid_in_process_dtb = true;
        if (profile == "15063" || profile == "19041") // a trimmed object page (issue 13, 5a)
            s.processes[4].transition_pages = true;
        if (profile == "20348")
            s.first_handle = 0x380; // a two-level PspCidTable
        if (profile == "22631")
            s.far_pid = 0x80010; // a three-level PspCidTable
        all.push_back(asDumpType(s, base + "_full", s.description + " (full dump)", 1));
        all.push_back(
            asDumpType(s, fmt::format("{}_bitmap{}", base, m.bitmap_type),
                       fmt::format("{} (bitmap dump, DumpType {})", s.description, m.bitmap_type),
                       m.bitmap_type));
    }
    return all;
}

} // namespace dumpgen
