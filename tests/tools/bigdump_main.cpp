// bigdump: writes the sparse dump of a big synthetic machine (16 GiB .. 1 TiB of RAM) for the
// benchmarks (scripts/bench.sh, bench/). Only the kernel's pages take disk space.
#include <iostream>

#include <CLI/CLI.hpp>

#include "dumpgen/big_machine.hpp"

int main(int argc, char** argv) {
    CLI::App app{"bigdump: writes a sparse crash dump of a big synthetic Windows machine"};
    dumpgen::BigMachineSpec spec;
    std::string out;
    app.add_option("--ram", spec.ram_gib, "RAM in GiB (>= 3)")->check(CLI::Range(3, 16384));
    app.add_option("--processes", spec.processes, "processes besides System (>= 100)")
        ->check(CLI::Range(100, 100000));
    app.add_option("--cid-levels", spec.cid_levels, "PspCidTable levels")
        ->check(CLI::IsMember({2, 3}));
    app.add_option("--dump-type", spec.dump_type, "1 (run list) or 5 (bitmap)")
        ->check(CLI::IsMember({1, 5}));
    app.add_option("--out", out, "output file")->required();
    CLI11_PARSE(app, argc, argv);
    try {
        dumpgen::writeScenarioSparse(dumpgen::bigMachine(spec), out);
    } catch (const std::exception& e) {
        std::cerr << "bigdump: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
