#include "dumpgen/big_machine.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "dumpgen/scenarios.hpp"
#include "dumpgen/sparse_writer.hpp"

namespace dumpgen {
namespace {

const char* kServerNames[] = {"smss.exe",       "csrss.exe",    "wininit.exe", "services.exe",
                              "lsass.exe",      "svchost.exe",  "svchost.exe", "svchost.exe",
                              "spoolsv.exe",    "sqlservr.exe", "w3wp.exe",    "dllhost.exe",
                              "conhost.exe",    "WmiPrvSE.exe", "MsMpEng.exe", "java.exe",
                              "powershell.exe", "vmms.exe",     "vmwp.exe",    "rdpclip.exe"};

} // namespace

std::string bigMachineName(const BigMachineSpec& spec) {
    return fmt::format("bench_{}g_{}p_cid{}_t{}", spec.ram_gib, spec.processes, spec.cid_levels,
                       spec.dump_type);
}

Scenario bigMachine(const BigMachineSpec& spec) {
    if (spec.cid_levels != 2 && spec.cid_levels != 3)
        throw std::runtime_error("a big machine's PspCidTable has 2 or 3 levels");
    if (spec.processes < 100)
        throw std::runtime_error("a big machine has at least 100 processes (a two-level "
                                 "PspCidTable needs more than 256 handles)");
    Scenario s;
    s.name = bigMachineName(spec);
    s.description = fmt::format("benchmark machine: {} GiB of RAM, {} processes, a {}-level "
                                "PspCidTable",
                                spec.ram_gib, spec.processes, spec.cid_levels);
    s.profile = "20348";
    s.build = 20348;
    s.cpus = 2;
    s.dump_type = spec.dump_type;
    s.kern_base = 0xfffff80612a00000ULL;
    s.system_time = filetime(2025, 6, 2, 3, 14, 15, 926);
    s.uptime = 37ULL * 24 * 3600 * 10000000;
    s.pdb_guid = "C2EADB24A615E9472CE47C8ADD31F130";
    s.pcid_in_dtb = true;
    for (unsigned i = 0; i < spec.processes; ++i) {
        ProcessSpec p;
        p.name = kServerNames[i % 20];
        p.threads = 1 + i % 3;
        s.processes.push_back(p);
    }
    if (spec.cid_levels == 3)
        s.far_pid = 0x80010;
    s.ram = pcRamMap(spec.ram_gib << 30);
    return s;
}

} // namespace dumpgen
