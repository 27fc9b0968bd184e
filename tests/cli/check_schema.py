#!/usr/bin/env python3
"""Validates real --format json and batch output of several samples against the JSON Schemas in
docs/schema/ (draft 2020-12), with the python3-jsonschema package; then shows the schemas are
strict: documents changed in ways the docs forbid (an unknown member, an upper-case address, a
time that is no ISO 8601 string, a missing member) must fail.

usage: check_schema.py DUMPPROCS SOURCE_DIR
"""
import copy
import json
import subprocess
import sys
from pathlib import Path

import jsonschema


def validators(schema_dir):
    views = json.loads((schema_dir / "views.schema.json").read_text())
    batch = json.loads((schema_dir / "batch.schema.json").read_text())
    for s in (views, batch):
        jsonschema.Draft202012Validator.check_schema(s)
    try:
        from referencing import Registry, Resource

        registry = Registry().with_resources(
            [(s["$id"], Resource.from_contents(s)) for s in (views, batch)])
        make = lambda s: jsonschema.Draft202012Validator(s, registry=registry)
    except ImportError:
        # jsonschema before 4.18 (Debian bookworm's 4.10) loses its place in a schema reached by
        # its $id: the batch schema gets the views schema's definitions as its own instead.
        make = jsonschema.Draft202012Validator
        return make(views), make(inlined(batch, views)), batch
    return make(views), make(batch), batch


def inlined(batch, views):
    """`batch` with its references to the views schema turned into references to a copy of it
    (and of its definitions) under its own $defs."""
    views_id = views["$id"]
    document = {k: v for k, v in views.items() if k not in ("$schema", "$id", "$defs")}
    out = copy.deepcopy(batch)
    out["$defs"].update(copy.deepcopy(views["$defs"]))
    out["$defs"]["views_document"] = document

    def rewrite(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref == views_id:
                node["$ref"] = "#/$defs/views_document"
            elif isinstance(ref, str) and ref.startswith(views_id + "#"):
                node["$ref"] = ref[len(views_id):]
            for v in node.values():
                rewrite(v)
        elif isinstance(node, list):
            for v in node:
                rewrite(v)

    rewrite(out)
    return out


def run(binary, workdir, args, exits):
    p = subprocess.run([binary, *args.split(), "-q"], cwd=workdir, capture_output=True)
    if p.returncode not in exits:
        sys.exit(f"dumpprocs {args}: exit {p.returncode}, expected {exits}\n{p.stderr.decode()}")
    return p.stdout.decode()


def errors_of(validator, doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))


def main():
    binary, root = sys.argv[1], Path(sys.argv[2])
    workdir = root / "testdata"
    views_v, batch_v, batch_schema = validators(root / "docs" / "schema")
    failures = []

    def check(validator, doc, what):
        for e in errors_of(validator, doc)[:5]:
            failures.append(f"{what}: {'/'.join(map(str, e.absolute_path))}: {e.message}")

    views_runs = [
        ("dkom_19041.dmp --tree --format json", {0}),
        ("win7sp1_7601_article.dmp --view mm --format json", {0}),
        ("win7sp1_7601_article.dmp --diff active,mm --format json", {0}),
        ("scan_19041.dmp --format json", {0}),
        ("dkom_26100.dmp --no-scan --codepage 932 --format json", {0, 3}),
        ("win10_15063_article.dmp --view all --verdict expected --format json", {0}),
        ("real/triage_x64.dmp --format json", {3}),
        ("bad/cut_half.dmp --profile 7601c --format json", {3}),
        ("bad/names_not_utf8.dmp --format json", {0, 3}),
    ]
    docs = {}
    for args, exits in views_runs:
        docs[args] = json.loads(run(binary, workdir, args, exits))
        check(views_v, docs[args], args)

    # Batch: jsonl (one envelope a line) and json (one array), with a dump that cannot be read.
    batch_args = "win81_9600_article.dmp dkom_26100.dmp bad/dtb_zero.dmp --no-scan"
    lines = run(binary, workdir, batch_args + " --format jsonl", {1}).splitlines()
    if len(lines) != 3:
        failures.append(f"jsonl: {len(lines)} lines, expected 3")
    order = batch_schema["$defs"]["envelope"]["required"]
    for line in lines:
        envelope = json.loads(line)
        check(batch_v, envelope, "jsonl envelope")
        if list(envelope) != order:
            failures.append(f"jsonl envelope keys {list(envelope)}, documented order {order}")
    array = json.loads(run(binary, workdir, batch_args + " --format json", {1}))
    check(batch_v, array, "batch json")
    if not any(e["result"] is None for e in array) or not any(e["hidden"] for e in array):
        failures.append("batch json: expected an unreadable dump and one with HIDDEN processes")

    # The schemas are strict: each of these changes must be refused.
    base = docs["dkom_19041.dmp --tree --format json"]
    breaks = {
        "an unknown member": lambda d: d["processes"][0].update(colour="red"),
        "an upper-case address": lambda d: d["processes"][0].update(
            eprocess=d["processes"][0]["eprocess"].upper().replace("0X", "0x")),
        "a time that is no ISO 8601 string": lambda d: d["processes"][0].update(
            create_time="2024-03-14 09:26:53"),
        "a missing member": lambda d: d["processes"][0].pop("name_raw"),
        "an unknown verdict": lambda d: d["processes"][0].update(verdict="hidden"),
        "a tree node without children": lambda d: d["tree"][0].pop("children"),
        "an unknown view": lambda d: d["views"].update(pslist=d["views"]["active"]),
        "a PID as a string": lambda d: d["views"]["mm"]["entries"][0].update(pid="4"),
    }
    for what, change in breaks.items():
        doc = copy.deepcopy(base)
        change(doc)
        if not errors_of(views_v, doc):
            failures.append(f"the views schema accepts {what}")
    envelope = json.loads(lines[0])
    envelope["exit_code"] = "0"
    if not errors_of(batch_v, envelope):
        failures.append("the batch schema accepts an exit code as a string")

    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"{len(views_runs)} views outputs, {len(lines)} jsonl envelopes and a batch array match "
          f"docs/schema; {len(breaks) + 1} broken documents refused")


if __name__ == "__main__":
    main()
