#!/usr/bin/env bash
# Benchmarks dumpprocs on big synthetic machines (16 GiB .. 1 TiB of RAM, 100 .. 5,000 processes).
# Builds Release with the benchmarks, writes the dumps as sparse files into a temporary directory
# (a few hundred MiB of real disk; removed at the end), times the CLI on each (wall, CPU, peak RSS
# from wait4(2), as /usr/bin/time -v reports them) and prints a table, then runs the Google
# Benchmark suite (build/bench/pipeline_bench) over the same dumps.
#
# Usage: scripts/bench.sh [BUILD_DIR] [--quick] [--no-scan] [--no-gbench] [--runs N]
#   BUILD_DIR  default build-bench (configured with -DDUMPPROCS_BUILD_BENCHMARKS=ON)
#   --quick    only the 64 GiB / 1,000-process and 1 TiB dumps
#   --no-scan  leave out --view scan and the default --view all (each reads all the RAM: about
#              two minutes per run at 1 TiB)
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
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) HARNESS_ARGS+=(--quick) ;;
    --no-gbench) GBENCH=0 ;;
    --no-scan) HARNESS_ARGS+=(--no-scan) ;;
    --runs) HARNESS_ARGS+=(--runs "$2"); shift ;;
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
python3 scripts/bench_cli.py --build "$BUILD_DIR" --dumps "$DUMP_DIR" "${HARNESS_ARGS[@]}"
echo "bench: real disk used by the dumps: $(du -sh "$DUMP_DIR" | cut -f1)"

if [ "$GBENCH" = 1 ]; then
  echo
  echo "bench: Google Benchmark (CPU column: this process only)"
  DUMPPROCS_BENCH_DIR=$DUMP_DIR "$BUILD_DIR/bench/pipeline_bench" --benchmark_min_time=0.2
fi
