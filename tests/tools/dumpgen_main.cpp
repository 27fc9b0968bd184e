// dumpgen: writes the synthetic sample dumps of testdata/ (see testdata/README.md).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "dumpgen/scenarios.hpp"

namespace {

int writeFile(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) {
        std::cerr << "dumpgen: cannot write " << path << "\n";
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"dumpgen: writes synthetic Windows x64 crash dumps for dumpprocs' tests"};
    bool list = false, all = false;
    std::string scenario, out, out_dir = ".";
    app.add_flag("--list", list, "list the scenarios");
    app.add_flag("--all", all, "write every sample scenario into --out-dir");
    app.add_option("--scenario", scenario, "the scenario to write");
    app.add_option("--out", out, "output file for --scenario");
    app.add_option("--out-dir", out_dir, "output directory for --all");
    // A kernel that some PDB describes (tests/pdb/): its GUID and age in the RSDS record, and
    // nt!PspCidTable where that PDB's publics put it.
    std::string pdb_guid;
    std::uint32_t pdb_age = 0;
    std::uint64_t cid_rva = 0;
    app.add_option("--pdb-guid", pdb_guid, "--scenario: the kernel's PDB GUID (32 hex digits)");
    app.add_option("--pdb-age", pdb_age, "--scenario: the kernel's PDB age");
    app.add_option("--psp-cid-table-rva", cid_rva, "--scenario: the RVA of nt!PspCidTable");
    CLI11_PARSE(app, argc, argv);
    try {
        for (const auto& s : dumpgen::allScenarios()) {
            if (list) {
                std::cout << s.name << "\t" << s.description << "\n";
                continue;
            }
            if (all && s.sample) {
                if (int rc = writeFile(std::filesystem::path(out_dir) / (s.name + ".dmp"),
                                       dumpgen::buildScenario(s)))
                    return rc;
            } else if (s.name == scenario) {
                dumpgen::Scenario custom = s;
                if (!pdb_guid.empty())
                    custom.pdb_guid = pdb_guid;
                if (pdb_age)
                    custom.pdb_age = pdb_age;
                if (cid_rva)
                    custom.psp_cid_table = s.kern_base + cid_rva;
                return writeFile(out.empty() ? s.name + ".dmp" : out,
                                 dumpgen::buildScenario(custom));
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "dumpgen: " << e.what() << "\n";
        return 1;
    }
    if (!list && !all) {
        std::cerr << "dumpgen: unknown scenario '" << scenario << "' (see --list)\n";
        return 2;
    }
    return 0;
}
