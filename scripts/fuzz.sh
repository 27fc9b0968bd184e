#!/usr/bin/env bash
# Runs a libFuzzer target for a given time: scripts/fuzz.sh TARGET|all SECONDS
#   TARGET   fuzz_dumpfile, fuzz_addrspace, fuzz_pipeline, fuzz_isf, fuzz_pdb, fuzz_profile_cache
#            (or all: each in turn)
#   SECONDS  wall-clock time per target
# Builds the targets first (clang++, ASan + UBSan + libFuzzer) in $FUZZ_BUILD_DIR (build-fuzz).
# Seeds come from tests/fuzz/corpus/<target>/ (read only); what the fuzzer finds goes to
# $FUZZ_WORK_DIR (fuzz-work)/<target>/, crashes to fuzz-work/artifacts/, logs to fuzz-work/logs/.
# Exits non-zero when a target crashes, hangs, runs out of memory or a sanitizer reports.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(fuzz_dumpfile fuzz_addrspace fuzz_pipeline fuzz_isf fuzz_pdb fuzz_profile_cache)
if [ $# -lt 2 ]; then
  echo "usage: $0 TARGET|all SECONDS   (targets: ${TARGETS[*]})" >&2
  exit 2
fi
target=$1 seconds=$2
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
WORK=${FUZZ_WORK_DIR:-fuzz-work}
JOBS=${FUZZ_BUILD_JOBS:-2}

if [ "$target" = all ]; then
  selected=("${TARGETS[@]}")
else
  case " ${TARGETS[*]} " in *" $target "*) selected=("$target") ;;
    *) echo "unknown target '$target' (targets: ${TARGETS[*]})" >&2; exit 2 ;; esac
fi

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDUMPPROCS_BUILD_FUZZERS=ON -DDUMPPROCS_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" -j"$JOBS" --target "${selected[@]}"

# Per input: 256 MiB is far more than any allocation a small dump justifies, so a bigger malloc
# means something was sized by an unchecked header field; 25 s without progress is a hang.
# A PDB seed is a real (small) PDB of 4 KiB blocks: 128 KiB holds it.
max_len_of() {
  case $1 in fuzz_dumpfile | fuzz_isf | fuzz_profile_cache) echo 65536 ;; fuzz_pdb) echo 131072 ;; *) echo 1048576 ;; esac
}
mkdir -p "$WORK/artifacts" "$WORK/logs"
status=0
for t in "${selected[@]}"; do
  mkdir -p "$WORK/$t"
  echo "fuzz: $t for ${seconds}s (log $WORK/logs/$t.log)"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
       nice "$BUILD/tests/fuzz/$t" "$WORK/$t" "tests/fuzz/corpus/$t" \
         -max_total_time="$seconds" -max_len="$(max_len_of "$t")" -timeout=25 \
         -rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1 \
         -artifact_prefix="$WORK/artifacts/$t-" >"$WORK/logs/$t.log" 2>&1; then
    echo "fuzz: $t FAILED; see $WORK/logs/$t.log and $WORK/artifacts/" >&2
    tail -40 "$WORK/logs/$t.log" >&2
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$WORK/logs/$t.log" | tail -2 || true
done
exit $status
