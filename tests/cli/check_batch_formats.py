#!/usr/bin/env python3
"""Batch output that programs read (issue 17): --format json is one JSON array of envelopes,
--format csv one header with a dump column, jsonl one envelope per line with hidden objects;
stdout holds nothing but that data. Also --tree's JSON: every child's parent has its PPID as PID
and was created no later than the child.

Usage: check_batch_formats.py BINARY TESTDATA_DIR"""
import csv
import io
import json
import subprocess
import sys

BINARY, DATA = sys.argv[1], sys.argv[2]
DUMPS = ["dkom_7601.dmp", "dkom_19041.dmp", "win81_9600_article.dmp"]
ENVELOPE = ["dump", "exit_code", "hidden", "errors", "warnings", "result"]
failures = []


def run(*args):
    p = subprocess.run([BINARY, *args], cwd=DATA, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)


def check_hidden(env):
    for h in env["hidden"]:
        check(list(h) == ["eprocess", "pid", "name", "missing_from"], f"hidden keys {list(h)}")
        check(isinstance(h["pid"], int) and h["eprocess"].startswith("0x"), f"hidden {h}")
        check(h["missing_from"], f"hidden {h} names no view")


# --format json: one array, in the dumps' order, the envelope's keys in the documented order.
rc, out, err = run(*DUMPS, "--no-scan", "--format", "json")
arr = json.loads(out)
check(rc == 0, f"json exit {rc}")
check([e["dump"] for e in arr] == DUMPS, "json dumps in order")
for env in arr:
    check(list(env) == ENVELOPE, f"json envelope keys {list(env)}")
    check(list(env["result"])[:2] == ["processes", "views"], "result keys in --format json order")
    check("summary" in env["result"], "result has a summary")
    check_hidden(env)
check(sum(len(e["hidden"]) for e in arr) == 4, "two HIDDEN in each dkom sample")
check("Batch summary" in err and "==>" not in out, "banner/summary on stderr only")

# jsonl: the same envelopes, one a line.
rc, out, err = run(*DUMPS, "--no-scan", "--format", "jsonl")
lines = [json.loads(line) for line in out.splitlines()]
check(len(lines) == 3, "jsonl: one line per dump")
for env in lines:
    check(list(env) == ENVELOPE, f"jsonl envelope keys {list(env)}")
    check_hidden(env)

# csv: one header, first column dump, every row of the three dumps.
rc, out, err = run(*DUMPS, "--no-scan", "--format", "csv")
rows = list(csv.reader(io.StringIO(out)))
check(rows[0][0] == "dump" and "eprocess" in rows[0], f"csv header {rows[0][:3]}")
check(sum(1 for r in rows if r == rows[0]) == 1, "csv: one header")
check({r[0] for r in rows[1:]} == set(DUMPS), "csv: rows of every dump")
check(all(len(r) == len(rows[0]) for r in rows), "csv: every row as wide as the header")
for key in ("deleted", "active_threads", "directory_table_base", "session_id", "image_path"):
    check(key in rows[0], f"csv has {key}")

# An unreadable dump outranks a partial result: 1, not 3.
rc, out, err = run("README.md", "broken_flink_19041.dmp", "--no-scan", "--format", "json")
check(rc == 1, f"unreadable + partial: exit {rc}, want 1")
codes = [e["exit_code"] for e in json.loads(out)]
check(codes == [1, 3], f"per-dump codes {codes}")

# --tree in JSON: nested by PPID and create time.
rc, out, err = run("dkom_19041.dmp", "--no-scan", "--tree", "--format", "json")
doc = json.loads(out)
count = 0


def walk(node, parent):
    global count
    count += 1
    if parent is not None:
        check(parent["pid"] == node["ppid"], f"{node['name']} under pid {parent['pid']}")
        check(parent["create_time"] <= node["create_time"], f"{node['name']} older than parent")
    for c in node["children"]:
        walk(c, node)


for root in doc["tree"]:
    walk(root, None)
check(count == len(doc["processes"]), f"tree holds every process once ({count})")
check(len(doc["tree"]) < len(doc["processes"]) / 2, "tree is nested")
# JSON pid/ppid null where not a process's: the MmProcessLinks list head.
heads = [p for p in doc["processes"] if p["kind"] == "list-head"]
check(heads and all(p["pid"] is None and p["ppid"] is None for p in heads), "list head pid null")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
