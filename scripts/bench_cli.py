#!/usr/bin/env python3
"""CLI-level benchmark of dumpprocs (run by scripts/bench.sh).

Writes each big synthetic machine with build/tests/bigdump (sparse), runs dumpprocs on it in
several modes, and prints a Markdown table of the medians: wall time, CPU time (user + sys) and
peak RSS: wall and CPU from wait4(2) with a microsecond clock, the peak RSS from /usr/bin/time
(see run_once).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# (RAM GiB, processes, PspCidTable levels, DumpType): growth with RAM, then with processes, then
# the three-level PspCidTable and the run-list dump type.
SPECS = [
    (16, 1000, 2, 5), (64, 1000, 2, 5), (256, 1000, 2, 5), (1024, 1000, 2, 5),
    (64, 100, 2, 5), (64, 3000, 2, 5), (64, 5000, 2, 5), (64, 10000, 3, 5),
    (64, 1000, 3, 5), (1024, 1000, 3, 5), (64, 1000, 2, 1),
]
QUICK = [(64, 1000, 2, 5), (1024, 1000, 3, 5)]
# (label, arguments). "lists" is --view all --no-scan, the cross-view of the lists and tables (the
# issue's "--view all (without scan)" target); "all" is the default --view all, scan included.
MODES = [("info", ["--info"]), ("active", ["--view", "active"]), ("mm", ["--view", "mm"]),
         ("cid", ["--view", "cid"]), ("thread", ["--view", "thread"]),
         ("lists", ["--view", "all", "--no-scan"]),
         ("json", ["--view", "active,mm,cid,thread", "--format", "json"])]
SCAN_MODES = [("scan", ["--view", "scan"]), ("all", ["--view", "all"])]


def dump_name(spec):
    # Same names as pipeline_bench (dumpgen::bigMachineName), so it reuses the files.
    return "bench_{}g_{}p_cid{}_t{}.dmp".format(*spec)


# The peak RSS comes from /usr/bin/time (GNU time's %M, the child's ru_maxrss as it reaps it), not
# from this script's wait4: Linux keeps a process's high-water RSS across exec, so a child forked
# from this Python process reports at least the interpreter's own RSS (15 to 25 MiB here, more
# after the 8 MiB read buffer) whatever the command used. time is a small C program: its floor is
# about 1 MiB. Its own start costs about 2 ms of CPU, so the runs that are timed for a few
# milliseconds are run directly and their RSS taken from the warm-up run under time.
GNU_TIME = "/usr/bin/time"


def run_once(cmd, rss=True, env=None):
    """Runs cmd once: (wall s, CPU s = user + sys, peak RSS KiB or None, exit code); under
    /usr/bin/time when rss is wanted."""
    with tempfile.NamedTemporaryFile("r", prefix="dumpprocs-bench-rss-") as rss_file:
        argv = ([GNU_TIME, "-f", "%M", "-o", rss_file.name] if rss else []) + cmd
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)  # time exits with the command's code
        peak = None
        if rss:
            lines = rss_file.read().split()
            peak = int(lines[-1]) if lines and lines[-1].isdigit() else None
    return wall, usage.ru_utime + usage.ru_stime, peak, code


def measure(cmd, runs, warm=True):
    """Medians of `runs` runs; with `warm`, a first run under /usr/bin/time warms the page cache
    and the binary and gives the peak RSS, and the timed runs are direct. Without it every run is
    under time (the scans: seconds, where time's start is lost)."""
    peaks = []
    if warm:
        peaks.append(run_once(cmd, rss=True)[2])
    samples = [run_once(cmd, rss=not warm) for _ in range(runs)]
    peaks += [s[2] for s in samples]
    peaks = [p for p in peaks if p is not None]
    codes = {s[3] for s in samples}
    return {
        "wall_ms": statistics.median(s[0] for s in samples) * 1000,
        "cpu_ms": statistics.median(s[1] for s in samples) * 1000,
        "rss_mib": max(peaks) / 1024 if peaks else float("nan"),
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


FILL_BLOCK = 8 << 20


def fill_holes(path):
    """Writes a filler into every hole of the sparse dump, so that it becomes a real file of the
    same size and content as dumpprocs sees it (the holes read as zeros; the filler is a byte
    pattern that holds no pool tag or object header, so the scan finds the same objects).
    Returns the bytes written."""
    pattern = bytes((0x5A + 7 * i) & 0xFF | 0x80 for i in range(4096)) * (FILL_BLOCK // 4096)
    written = 0
    fd = os.open(path, os.O_RDWR)
    try:
        size = os.fstat(fd).st_size
        at = 0
        while at < size:
            try:
                hole = os.lseek(fd, at, os.SEEK_HOLE)
            except OSError:
                break
            if hole >= size:
                break
            try:
                data = os.lseek(fd, hole, os.SEEK_DATA)
            except OSError:
                data = size  # no data after the hole
            pos = hole
            while pos < data:
                n = min(FILL_BLOCK, data - pos)
                os.pwrite(fd, pattern[:n], pos)
                pos += n
                written += n
            at = data
        os.fsync(fd)
    finally:
        os.close(fd)
    return written


def drop_cache(path):
    """Drops the file's pages from the page cache (fsync, then POSIX_FADV_DONTNEED)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def cached_fraction(path):
    """The fraction of the file's pages in the page cache (mincore over a mapping), or None."""
    try:
        import mmap
        import ctypes
        size = os.path.getsize(path)
        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(path, os.O_RDONLY)
        try:
            m = mmap.mmap(fd, size, access=mmap.ACCESS_COPY)
        finally:
            os.close(fd)
        pages = (size + 4095) // 4096
        vec = (ctypes.c_ubyte * pages)()
        buf = (ctypes.c_char * 1).from_buffer(m)
        addr = ctypes.addressof(buf)
        del buf
        rc = libc.mincore(ctypes.c_void_p(addr), ctypes.c_size_t(size), vec)
        m.close()
        if rc != 0:
            return None
        return sum(v & 1 for v in vec) / pages
    except Exception:  # noqa: BLE001 - informative only
        return None


def sequential_read(path):
    """Reads the whole file in 8 MiB blocks; returns (seconds, bytes)."""
    buf = bytearray(FILL_BLOCK)
    view = memoryview(buf)
    total = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        start = time.perf_counter()
        while True:
            n = os.readv(fd, [view])
            if n <= 0:
                break
            total += n
        return time.perf_counter() - start, total
    finally:
        os.close(fd)


def cold_main(args, dumpprocs, bigdump):
    """The cold-cache scan benchmark: a real (non-sparse) dump, its pages dropped from the page
    cache before every timed run, the disk's sequential bandwidth on the same file in the same
    run as the reference."""
    gib = args.cold_gib
    path = Path(args.dumps) / "bench_cold_{}g.dmp".format(gib)
    t0 = time.perf_counter()
    subprocess.run([bigdump, "--ram", str(gib), "--processes", "1000", "--out", str(path)],
                   check=True)
    written = fill_holes(str(path))
    size = path.stat().st_size
    sys.stderr.write("bench: wrote {} ({:.2f} GB, {} MiB filled, {} MiB on disk) in {:.1f} s\n".format(
        path.name, size / 1e9, written >> 20, path.stat().st_blocks * 512 >> 20,
        time.perf_counter() - t0))
    print("Cold cache: {} ({:.2f} GB real file, {} GiB RAM, 1,000 processes); page cache dropped "
          "(fsync + POSIX_FADV_DONTNEED) before each run; {} runs, medians".format(
              path.name, size / 1e9, gib, args.cold_runs))
    print()
    print("| what | wall s | CPU s | GB/s | ÷ sequential | peak RSS MiB | cached before | exit |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    seq = []
    rows = {}
    cmds = [("scan", [dumpprocs, str(path), "--view", "scan"]),
            ("all", [dumpprocs, str(path), "--view", "all"]),
            ("scan (warm)", [dumpprocs, str(path), "--view", "scan"]),
            ("all (warm)", [dumpprocs, str(path), "--view", "all"])]
    for _ in range(args.cold_runs):
        # Interleaved, so that a change in the disk's speed during the run hits all alike.
        drop_cache(str(path))
        secs, total = sequential_read(str(path))
        seq.append(total / secs)
        for label, cmd in cmds:
            warm = label.endswith("(warm)")
            if warm:
                sequential_read(str(path))  # everything in the page cache
            else:
                drop_cache(str(path))
            before = cached_fraction(str(path))
            wall, cpu, rss, code = run_once(cmd)
            rows.setdefault(label, []).append((wall, cpu, rss, code, before))
    seq_bw = statistics.median(seq)
    print("| sequential read, 8 MiB blocks | {:.2f} | | {:.2f} | 1.00 | | | |".format(
        size / seq_bw, seq_bw / 1e9))
    for label, samples in rows.items():
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        rss = max((s[2] for s in samples if s[2] is not None), default=0) / 1024
        before = [s[4] for s in samples if s[4] is not None]
        bw = size / wall
        print("| `--view {}` | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.1f} | {} | {} |".format(
            label, wall, cpu, bw / 1e9, bw / seq_bw, rss,
            "{:.0%}".format(max(before)) if before else "?",
            ",".join(sorted({str(s[3]) for s in samples}))), flush=True)
    print()
    print("sequential read runs (GB/s): " + ", ".join("{:.2f}".format(b / 1e9) for b in seq))
    path.unlink()


def symbols_main(args, dumpprocs):
    """The compiled-profile cache benchmark: `--view all` with a built-in row against the same run
    with --symbols FILE parsed every time (--no-cache), with an empty cache folder (cold: parsed,
    then the entry written) and with the entry there (warm). The four cases interleaved run by
    run; CPU and wall medians from direct runs, the peak RSS from one run of each under
    /usr/bin/time; ratios to the built-in run of the same series."""
    root = Path(__file__).resolve().parent.parent
    cases = [("19041 ISF (BBED7C29...-1.json.xz, in data/windows-symbols/isf_jpcert)",
              root / "data/windows-symbols/isf_jpcert/BBED7C2955FBE4522AAA23F4B8677AD9-1.json.xz",
              root / "testdata/dkom_19041.dmp"),
             ("7601c ISF (339E7413...-1.json.xz, in data/windows-symbols/isf_jpcert)",
              root / "data/windows-symbols/isf_jpcert/339E74133576439CBCDF7E0229DA3773-1.json.xz",
              root / "testdata/win7sp1_7601c_mm428.dmp"),
             ("the stand-in kernel's PDB (tests/pdb, built by the test build)",
              Path(args.build) / "tests/pdb/ntkrnlmp.pdb", root / "testdata/dkom_19041.dmp")]
    print("Symbol files and the profile cache: `dumpprocs DUMP --view all` [--symbols FILE], "
          "{} runs per case, interleaved; medians".format(args.runs))
    print()
    print("| symbol file | dump | case | CPU ms | ratio | wall ms | peak RSS MiB | RSS vs built-in |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    scratch = Path(tempfile.mkdtemp(prefix="dumpprocs-bench-cache-"))
    try:
        for label, symbols, dump in cases:
            if symbols is None or not Path(symbols).is_file():
                sys.stderr.write("bench: {}: not found, left out\n".format(label))
                continue
            base = [dumpprocs, str(dump), "--view", "all"]
            warm_dir = scratch / "warm"
            env_of = lambda d: dict(os.environ, XDG_CACHE_HOME=str(d))  # noqa: E731
            run_once(base + ["--symbols", str(symbols)], rss=False, env=env_of(warm_dir))
            variants = [("built-in row", base, None),
                        ("--no-cache", base + ["--symbols", str(symbols), "--no-cache"], None),
                        ("cold cache", base + ["--symbols", str(symbols)], "cold"),
                        ("warm cache", base + ["--symbols", str(symbols)], warm_dir)]
            samples = {name: [] for name, _, _ in variants}
            peaks = {}
            for i in range(args.runs + 1):
                for name, cmd, cache in variants:
                    folder = scratch / "cold{}".format(i) if cache == "cold" else cache
                    env = env_of(folder if folder is not None else scratch / "unused")
                    if i == 0:  # the warm-up run, under time for the peak RSS
                        peaks[name] = run_once(cmd, rss=True, env=env)[2]
                    else:
                        samples[name].append(run_once(cmd, rss=False, env=env))
                    if cache == "cold":
                        shutil.rmtree(folder, ignore_errors=True)
            built_cpu = statistics.median(s[1] for s in samples["built-in row"])
            built_rss = peaks["built-in row"] / 1024
            for n, (name, _, _) in enumerate(variants):
                cpu = statistics.median(s[1] for s in samples[name])
                wall = statistics.median(s[0] for s in samples[name])
                rss = peaks[name] / 1024
                print("| {} | {} | {} | {:.1f} | {:.2f}x | {:.1f} | {:.1f} | {} |".format(
                    label if n == 0 else "", dump.name if n == 0 else "", name, cpu * 1000,
                    cpu / built_cpu, wall * 1000, rss,
                    "" if n == 0 else "{:+.1f} MiB".format(rss - built_rss)), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build-bench")
    ap.add_argument("--dumps")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-scan", action="store_true",
                    help="leave out the scan and the default --view all (they read all the RAM)")
    ap.add_argument("--cold", action="store_true",
                    help="only the cold-cache scan benchmark (a real, non-sparse dump)")
    ap.add_argument("--cold-gib", type=int, default=int(os.environ.get("DUMPPROCS_BENCH_COLD_GIB", "3")),
                    help="RAM of the cold-cache dump in GiB, at least 3 (the file is about as big; default 3)")
    ap.add_argument("--cold-runs", type=int, default=5)
    ap.add_argument("--symbols-cache", action="store_true",
                    help="only the compiled-profile cache benchmark (the repository's symbol files "
                         "on testdata/; --runs runs per case, 21 is what docs/performance.md used)")
    args = ap.parse_args()
    if not os.access(GNU_TIME, os.X_OK):
        ap.error("{} (Debian package time) is needed for the peak RSS".format(GNU_TIME))
    dumpprocs = str(Path(args.build) / "src/dumpprocs")
    if not args.symbols_cache and not args.dumps:
        ap.error("--dumps DIR is required (where the benchmark dumps are written)")
    bigdump = str(Path(args.build) / "tests/bigdump")
    if args.symbols_cache:
        symbols_main(args, dumpprocs)
        return
    if args.cold:
        if args.cold_gib < 3:
            ap.error("--cold-gib: at least 3 (bigdump's smallest machine)")
        cold_main(args, dumpprocs, bigdump)
        return
    modes = MODES + (SCAN_MODES if supports_scan(dumpprocs) and not args.no_scan else [])
    isf = largest_isf()

    # Every figure next to its in-run reference: a list or table mode's CPU time against the
    # open (--info) of the same dump, a scan's speed against a sequential read of the same file
    # in 8 MiB blocks, taken just before the scans (the sparse dumps' holes read as zeros,
    # as the scan reads them).
    print("| dump | RAM GiB | processes | cid levels | type | mode | wall ms | CPU ms | peak RSS MiB "
          "| reference | ratio | exit |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---|")
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
        seq_ms = None
        for mode, mode_args in modes:
            cmd = [dumpprocs, str(path)] + mode_args
            # A scan reads the whole RAM: on the big dumps one warm run (the earlier mode warmed
            # the page cache's metadata; the holes of the sparse file read as zeros) is enough.
            scans = (mode, mode_args) in SCAN_MODES
            runs = args.runs if not scans else (3 if spec[0] <= 64 else 1)
            if scans and seq_ms is None:
                if spec[0] <= 64:
                    sequential_read(str(path))  # as warm as the scan's own warm-up run
                seq_ms = statistics.median(sequential_read(str(path))[0]
                                           for _ in range(runs)) * 1000
                print("| {} | {} | {} | {} | {} | sequential read, 8 MiB blocks ({:.2f} GB/s) | "
                      "{:.1f} | | | | | |".format(
                          path.name, spec[0], spec[1], spec[2], spec[3],
                          path.stat().st_size / 1e9 / (seq_ms / 1000), seq_ms), flush=True)
            results[mode] = r = measure(cmd, runs, warm=not scans or spec[0] <= 64)
            extra = ""
            if mode == "scan":
                extra = " ({:.2f} GB/s)".format(spec[0] * (1 << 30) / 1e9 / (r["wall_ms"] / 1000))
            if mode == "info":
                reference, ratio = "", ""
            elif scans:
                # As the cold-cache table: the scan's speed over the sequential read's (> 1: faster).
                reference, ratio = "GB/s ÷ sequential read's", "{:.2f}".format(seq_ms / r["wall_ms"])
            else:
                reference, ratio = "CPU ÷ open (--info)", "{:.2f}".format(
                    r["cpu_ms"] / results["info"]["cpu_ms"])
            print("| {} | {} | {} | {} | {} | {}{} | {:.1f} | {:.1f} | {:.1f} | {} | {} | {} |".format(
                path.name, spec[0], spec[1], spec[2], spec[3], mode, extra, r["wall_ms"],
                r["cpu_ms"], r["rss_mib"], reference, ratio, r["exit"]), flush=True)
        if isf is not None and spec == (64, 1000, 2, 5):
            r = measure([dumpprocs, str(path), "--symbols", str(isf), "--info"], args.runs)
            print("| {} | {} | {} | {} | {} | info --symbols {} | {:.1f} | {:.1f} | {:.1f} | CPU ÷ open "
                  "(--info) | {:.2f} | {} |".format(
                      path.name, spec[0], spec[1], spec[2], spec[3], isf.name, r["wall_ms"],
                      r["cpu_ms"], r["rss_mib"], r["cpu_ms"] / results["info"]["cpu_ms"],
                      r["exit"]), flush=True)
        per_process.append((spec, [(results[m]["cpu_ms"] - results["info"]["cpu_ms"]) * 1000 / spec[1]
                                   for m in ("lists", "json")]))
    print()
    print("Cost per listed process: (CPU of the mode - CPU of --info) / processes; lists is --view all "
          "--no-scan, json is --view active,mm,cid,thread --format json")
    print()
    print("| dump | µs per process (lists) | µs per process (json) |")
    print("|---|---:|---:|")
    for spec, us in per_process:
        print("| {} | {:.1f} | {:.1f} |".format(dump_name(spec), us[0], us[1]))


if __name__ == "__main__":
    main()
