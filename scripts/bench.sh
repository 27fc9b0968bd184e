#!/usr/bin/env bash
# Benchmarks dumpprocs on big synthetic machines (16 GiB .. 1 TiB of RAM, 100 .. 5,000 processes).
# Builds Release with the benchmarks, writes the dumps as sparse files into a temporary directory
# (a few hundred MiB of real disk; removed at the end), times the CLI on each (wall, CPU, peak RSS
# from wait4(2), as /usr/bin/time -v reports them) and prints a table, then runs the Google
# Benchmark suite (build/bench/pipeline_bench) over the same dumps.
#
# Then the cold-cache scan benchmark (scripts/bench_cli.py --cold): a real, non-sparse dump of
# --cold-gib GiB (default 3) whose pages are dropped from the page cache before each run, the
# disk's sequential read of the same file as the reference.
#
# Usage: scripts/bench.sh [BUILD_DIR] [--quick] [--no-scan] [--no-gbench] [--runs N]
#                         [--cold-gib N] [--no-cold] [--cold-only]
#   BUILD_DIR  default build-bench (configured with -DDUMPPROCS_BUILD_BENCHMARKS=ON)
#   --quick    only the 64 GiB / 1,000-process and 1 TiB dumps
#   --no-scan  leave out --view scan and the default --view all (each reads all the RAM: about
#              two minutes per run at 1 TiB)
#   --cold-gib N  size of the cold-cache dump, N >= 3 (it takes N GiB of real disk while it runs)
#   --no-cold     leave out the cold-cache benchmark; --cold-only: nothing else
# Environment: DUMPPROCS_BENCH_TMP  where the temporary directory goes (default: $TMPDIR or /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=build-bench
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  BUILD_DIR=$1
  shift
fi
HARNESS_ARGS=()
GBENCH=1
COLD=1
CLI=1
COLD_GIB=${DUMPPROCS_BENCH_COLD_GIB:-3}
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) HARNESS_ARGS+=(--quick) ;;
    --no-gbench) GBENCH=0 ;;
    --no-scan) HARNESS_ARGS+=(--no-scan) ;;
    --runs) HARNESS_ARGS+=(--runs "$2"); shift ;;
    --cold-gib) COLD_GIB=$2; shift ;;
    --no-cold) COLD=0 ;;
    --cold-only) CLI=0; GBENCH=0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

TMP_PARENT=${DUMPPROCS_BENCH_TMP:-${TMPDIR:-/tmp}}
# The dumps are sparse: 1 TiB of apparent size each for the biggest, ~20-100 MiB of real blocks.
avail_kib=$(df -Pk "$TMP_PARENT" | awk 'NR == 2 { print $4 }')
echo "bench: free space in $TMP_PARENT: $((avail_kib / 1024)) MiB"
df -h "$TMP_PARENT" | sed 's/^/bench:   /'
if [ "$avail_kib" -lt $((2 * 1024 * 1024)) ]; then
  echo "bench: need at least 2 GiB free in $TMP_PARENT (set DUMPPROCS_BENCH_TMP)" >&2
  exit 1
fi
# The cold-cache dump is a real file: its size plus 2 GiB to spare.
if [ "$COLD" = 1 ] && [ "$avail_kib" -lt $(((COLD_GIB + 2) * 1024 * 1024)) ]; then
  echo "bench: only $((avail_kib / 1024)) MiB free: the cold-cache benchmark of $COLD_GIB GiB is"\
       "left out (--cold-gib N for a smaller one)" >&2
  COLD=0
fi

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ] || ! grep -q '^DUMPPROCS_BUILD_BENCHMARKS:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DDUMPPROCS_BUILD_BENCHMARKS=ON
fi
cmake --build "$BUILD_DIR" -j2 --target dumpprocs bigdump pipeline_bench

DUMP_DIR=$(mktemp -d "$TMP_PARENT/dumpprocs-bench.XXXXXX")
trap 'rm -rf "$DUMP_DIR"' EXIT

echo "bench: machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'),"\
     "$(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, Linux $(uname -r)"
echo "bench: load average: $(cut -d' ' -f1-3 /proc/loadavg) (figures are medians; CPU time is less"\
     "sensitive to other load than wall time)"
if [ "$CLI" = 1 ]; then
  python3 scripts/bench_cli.py --build "$BUILD_DIR" --dumps "$DUMP_DIR" "${HARNESS_ARGS[@]}"
  echo "bench: real disk used by the dumps: $(du -sh "$DUMP_DIR" | cut -f1)"
fi
if [ "$COLD" = 1 ]; then
  echo
  python3 scripts/bench_cli.py --build "$BUILD_DIR" --dumps "$DUMP_DIR" --cold --cold-gib "$COLD_GIB"
fi

if [ "$GBENCH" = 1 ]; then
  echo
  echo "bench: Google Benchmark (CPU column: this process only)"
  DUMPPROCS_BENCH_DIR=$DUMP_DIR "$BUILD_DIR/bench/pipeline_bench" --benchmark_min_time=0.2
fi
