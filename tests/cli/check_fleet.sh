#!/usr/bin/env bash
# The fleet recipe of docs/fleet.md, run as written on three samples with parallelism 2: GNU
# parallel runs one dumpprocs per dump in jsonl, SQLite loads the lines with one command, and the
# queries give each dump's exit code and its HIDDEN processes. Fails if any step does not.
# Usage: check_fleet.sh DUMPPROCS REPO_ROOT
set -euo pipefail
dumpprocs=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
printf '%s\n' "$root/testdata/dkom_19041.dmp" "$root/testdata/dkom_7601.dmp" \
    "$root/testdata/win7sp1_7601_article.dmp" > dumps.txt

# 1. One dumpprocs per dump, two at a time; one JSON line each (docs/fleet.md).
parallel --will-cite -j2 --keep-order "$dumpprocs" {} --no-scan --format jsonl \
    < dumps.txt > results.jsonl 2> stderr.txt || true
# 2. Into SQLite with one command.
sqlite3 fleet.db "CREATE TABLE runs AS SELECT value AS j FROM json_each('[' ||
    replace(trim(readfile('results.jsonl'), char(10)), char(10), ',') || ']')"
# 3. The queries.
runs=$(sqlite3 fleet.db "SELECT count(*) FROM runs")
codes=$(sqlite3 fleet.db "SELECT group_concat(c, ' ') FROM (SELECT json_extract(j, '\$.exit_code')
    AS c FROM runs ORDER BY json_extract(j, '\$.dump'))")
hidden=$(sqlite3 fleet.db "SELECT group_concat(n, ' ') FROM (SELECT json_extract(h.value,
    '\$.name') AS n FROM runs r, json_each(r.j, '\$.hidden') h ORDER BY
    json_extract(r.j, '\$.dump'), json_extract(h.value, '\$.pid'))")

fail=0
check() { # what got want
    if [ "$2" != "$3" ]; then
        echo "FAIL $1: got '$2', want '$3'"
        fail=1
    fi
}
check "runs" "$runs" "3"
check "exit codes" "$codes" "0 0 0"
check "HIDDEN processes" "$hidden" "rootkit.exe hidden.exe rootkit.exe hidden.exe"
[ "$fail" = 0 ] && echo "fleet recipe: $runs dumps, HIDDEN: $hidden"
exit "$fail"
