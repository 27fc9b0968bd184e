#!/usr/bin/env python3
"""A dump whose file name is not UTF-8 (made at test time: such names are awkward to commit)
must not break the JSON renderers: --info and --format jsonl print the byte as \\xb0.

Usage: check_odd_name.py DUMPPROCS SAMPLE WORKDIR"""
import json
import os
import subprocess
import sys

dumpprocs, sample, workdir = sys.argv[1:4]
directory = os.path.join(os.fsencode(workdir), b"odd_name")
os.makedirs(directory, exist_ok=True)
link = os.path.join(directory, b"a\xb0.dmp")
if os.path.lexists(link):
    os.unlink(link)
os.symlink(os.path.abspath(sample), link)
failures = []
for args, key in (([link, b"--info", b"--format", b"json"], lambda j: j["dump"]["file"]),
                  ([link, b"--format", b"jsonl"], lambda j: j["dump"]),
                  ([directory, b"--format", b"jsonl"], lambda j: j["dump"])):
    run = subprocess.run([os.fsencode(dumpprocs), *args], capture_output=True)
    try:
        text = run.stdout.decode("utf-8")
        value = key(json.loads(text.splitlines()[0] if b"jsonl" in args else text))
    except (UnicodeDecodeError, ValueError, KeyError, IndexError) as e:
        failures.append(f"{args}: exit {run.returncode}, {e}: {run.stderr[-300:]!r}")
        continue
    if run.returncode != 0 or "a\\xb0.dmp" not in value:
        failures.append(f"{args}: exit {run.returncode}, file {value!r}")
print("\n".join(failures) or "ok")
sys.exit(1 if failures else 0)
