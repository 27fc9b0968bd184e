#!/usr/bin/env python3
"""CLI-level benchmark of dumpprocs (run by scripts/bench.sh).

Writes each big synthetic machine with build/tests/bigdump (sparse), runs dumpprocs on it in
several modes, and prints a Markdown table of the medians: wall time, CPU time (user + sys) and
peak RSS, all from wait4(2) as /usr/bin/time -v reports them, with a microsecond clock.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# (RAM GiB, processes, PspCidTable levels, DumpType): growth with RAM, then with processes, then
# the three-level PspCidTable and the run-list dump type.
SPECS = [
    (16, 1000, 2, 5), (64, 1000, 2, 5), (256, 1000, 2, 5), (1024, 1000, 2, 5),
    (64, 100, 2, 5), (64, 5000, 2, 5),
    (64, 1000, 3, 5), (1024, 1000, 3, 5), (64, 1000, 2, 1),
]
QUICK = [(64, 1000, 2, 5), (1024, 1000, 3, 5)]
# (label, arguments). "lists" is --view all --no-scan, the cross-view of the lists and tables (the
# issue's "--view all (without scan)" target); "all" is the default --view all, scan included.
MODES = [("info", ["--info"]), ("active", ["--view", "active"]), ("mm", ["--view", "mm"]),
         ("cid", ["--view", "cid"]), ("thread", ["--view", "thread"]),
         ("lists", ["--view", "all", "--no-scan"])]
SCAN_MODES = [("scan", ["--view", "scan"]), ("all", ["--view", "all"])]


def dump_name(spec):
    # Same names as pipeline_bench (dumpgen::bigMachineName), so it reuses the files.
    return "bench_{}g_{}p_cid{}_t{}.dmp".format(*spec)


def run_once(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode


def measure(cmd, runs, warm=True):
    if warm:
        run_once(cmd)  # warm the page cache and the binary
    samples = [run_once(cmd) for _ in range(runs)]
    codes = {s[3] for s in samples}
    return {
        "wall_ms": statistics.median(s[0] for s in samples) * 1000,
        "cpu_ms": statistics.median(s[1] for s in samples) * 1000,
        "rss_mib": max(s[2] for s in samples) / 1024,
        "exit": ",".join(str(c) for c in sorted(codes)),
    }


def supports_scan(dumpprocs):
    out = subprocess.run([dumpprocs, "--help"], capture_output=True, text=True).stdout
    return "scan" in out


def largest_isf():
    """DUMPPROCS_BENCH_ISF, else the largest ISF in data/windows-symbols/isf_jpcert (the whole
    19041.329 file; the others there are cut down to the profile generator's types)."""
    if os.environ.get("DUMPPROCS_BENCH_ISF"):
        return Path(os.environ["DUMPPROCS_BENCH_ISF"])
    isf_dir = Path(__file__).resolve().parent.parent / "data/windows-symbols/isf_jpcert"
    files = sorted(isf_dir.glob("*.json*"), key=lambda p: p.stat().st_size) if isf_dir.is_dir() else []
    return files[-1] if files else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build-bench")
    ap.add_argument("--dumps", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-scan", action="store_true",
                    help="leave out the scan and the default --view all (they read all the RAM)")
    args = ap.parse_args()
    dumpprocs = str(Path(args.build) / "src/dumpprocs")
    bigdump = str(Path(args.build) / "tests/bigdump")
    modes = MODES + (SCAN_MODES if supports_scan(dumpprocs) and not args.no_scan else [])
    isf = largest_isf()

    print("| dump | RAM GiB | processes | cid levels | type | mode | wall ms | CPU ms | peak RSS MiB | exit |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|")
    per_process = []
    for spec in (QUICK if args.quick else SPECS):
        path = Path(args.dumps) / dump_name(spec)
        t0 = time.perf_counter()
        subprocess.run([bigdump, "--ram", str(spec[0]), "--processes", str(spec[1]),
                        "--cid-levels", str(spec[2]), "--dump-type", str(spec[3]),
                        "--out", str(path)], check=True)
        sys.stderr.write("bench: wrote {} in {:.1f} s ({} MiB on disk)\n".format(
            path.name, time.perf_counter() - t0, path.stat().st_blocks * 512 // (1 << 20)))
        results = {}
        for mode, mode_args in modes:
            cmd = [dumpprocs, str(path)] + mode_args
            # A scan reads the whole RAM: on the big dumps one warm run (the earlier mode warmed
            # the page cache's metadata; the holes of the sparse file read as zeros) is enough.
            scans = (mode, mode_args) in SCAN_MODES
            runs = args.runs if not scans else (3 if spec[0] <= 64 else 1)
            results[mode] = r = measure(cmd, runs, warm=not scans or spec[0] <= 64)
            extra = ""
            if mode == "scan":
                extra = " ({:.2f} GB/s)".format(spec[0] * (1 << 30) / 1e9 / (r["wall_ms"] / 1000))
            print("| {} | {} | {} | {} | {} | {}{} | {:.1f} | {:.1f} | {:.1f} | {} |".format(
                path.name, spec[0], spec[1], spec[2], spec[3], mode, extra, r["wall_ms"],
                r["cpu_ms"], r["rss_mib"], r["exit"]), flush=True)
        if isf is not None and spec == (64, 1000, 2, 5):
            r = measure([dumpprocs, str(path), "--symbols", str(isf), "--info"], args.runs)
            print("| {} | {} | {} | {} | {} | info --symbols {} | {:.1f} | {:.1f} | {:.1f} | {} |".format(
                path.name, spec[0], spec[1], spec[2], spec[3], isf.name, r["wall_ms"], r["cpu_ms"],
                r["rss_mib"], r["exit"]), flush=True)
        per_process.append((spec, (results["lists"]["cpu_ms"] - results["info"]["cpu_ms"]) * 1000 / spec[1]))
    print()
    print("Cost per listed process: (CPU of --view all --no-scan - CPU of --info) / processes")
    print()
    print("| dump | µs per process |")
    print("|---|---:|")
    for spec, us in per_process:
        print("| {} | {:.1f} |".format(dump_name(spec), us))


if __name__ == "__main__":
    main()
