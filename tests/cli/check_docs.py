#!/usr/bin/env python3
"""Runs every example of the docs against the binary and fails on any difference.

An example is a ```console block: lines starting with "$ dumpprocs" are commands (run from the
repository root, "dumpprocs" replaced by the binary), the lines after each are its expected
stdout. A line that is exactly "..." stands for any number of lines. A command ending in "2>&1"
is compared with stdout and stderr together; "; echo $?" appends the exit code.

Usage: check_docs.py BINARY REPO_ROOT FILE.md [FILE.md ...]
With DUMPPROCS_UPDATE_DOCS=1 the examples that differ are rewritten with what the binary prints
(an example with one "..." line keeps as many lines before and after it as it had); review the
diff before committing it.
"""
import re
import shlex
import subprocess
import sys


def examples(path):
    block = None
    for line in open(path, encoding="utf-8").read().splitlines():
        if block is None:
            if line.strip() == "```console":
                block = []
            continue
        if line.strip() == "```":
            yield from split_block(block)
            block = None
            continue
        block.append(line)


def split_block(lines):
    command, expected = None, []
    for line in lines:
        if line.startswith("$ "):
            if command is not None:
                yield command, expected
            command, expected = line[2:], []
        elif command is not None:
            expected.append(line)
    if command is not None:
        yield command, expected


def matches(expected, actual):
    parts = []
    for line in expected:
        parts.append(r"(?:.*\n)*?" if line.strip() == "..." else re.escape(line.rstrip()) + r"\n")
    pattern = "".join(parts)
    text = "".join(l.rstrip() + "\n" for l in actual.splitlines())
    return re.fullmatch(pattern, text) is not None


def run(binary, root, command):
    echo_status = command.endswith("; echo $?")
    if echo_status:
        command = command[: -len("; echo $?")].rstrip()
    merge = command.endswith("2>&1")
    if merge:
        command = command[: -len("2>&1")].rstrip()
    argv = shlex.split(command)
    if not argv or argv[0] != "dumpprocs":
        raise ValueError(f"not a dumpprocs command: {command}")
    r = subprocess.run([binary] + argv[1:], cwd=root, capture_output=True, text=True,
                       errors="replace")
    out = r.stdout + (r.stderr if merge else "")
    if echo_status:
        out += ("" if out.endswith("\n") or not out else "\n") + f"{r.returncode}\n"
    return out


def completion_views(binary, root):
    """The bash completion's fallback view list must be the binary's (from its views table)."""
    import os
    import re
    help_text = run(binary, root, "dumpprocs --help")
    found = re.search(r"views to list: ([a-z,]+) or all", help_text)
    path = os.path.join(root, "docs", "completion", "dumpprocs.bash")
    with open(path, encoding="utf-8") as f:
        fallback = re.search(r'listed="([a-z,]+)"', f.read())
    if not found or not fallback or found.group(1) != fallback.group(1):
        print(f"{path}: fallback view list {fallback.group(1) if fallback else None} is not "
              f"--help's {found.group(1) if found else None}")
        return 1
    return 0


def update(path, binary, root):
    """Rewrites the expected output of each differing example without "..." lines."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i, in_block, changed = [], 0, False, 0
    while i < len(lines):
        line = lines[i]
        if not in_block:
            out.append(line)
            in_block = line.strip() == "```console"
            i += 1
            continue
        if line.strip() == "```":
            out.append(line)
            in_block = False
            i += 1
            continue
        if line.startswith("$ "):
            command, j = line[2:], i + 1
            while j < len(lines) and not lines[j].startswith("$ ") and lines[j].strip() != "```":
                j += 1
            expected = lines[i + 1:j]
            actual = run(binary, root, command)
            out.append(line)
            got = [l.rstrip() for l in actual.rstrip("\n").split("\n")]
            elided = [k for k, e in enumerate(expected) if e.strip() == "..."]
            if matches(expected, actual):
                out.extend(expected)
            elif len(elided) == 1:
                # Keep the writer's elision: as many lines before and after "..." as before.
                head, tail = elided[0], len(expected) - elided[0] - 1
                out.extend(got[:head] + ["..."] + (got[len(got) - tail:] if tail else []))
                changed += 1
            else:
                out.extend(expected if elided else got)
                changed += 0 if elided else 1
            i = j
            continue
        out.append(line)
        i += 1
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return changed


def main():
    binary, root, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    import os
    if os.environ.get("DUMPPROCS_UPDATE_DOCS") == "1":
        for f in files:
            print(f"{f}: {update(f, binary, root)} examples rewritten")
    failures = completion_views(binary, root)
    checked = 0
    for f in files:
        for command, expected in examples(f):
            checked += 1
            actual = run(binary, root, command)
            if not matches(expected, actual):
                failures += 1
                print(f"{f}: `{command}` prints something else:\n--- expected\n" +
                      "\n".join(expected) + "\n--- actual\n" + actual)
    print(f"{checked} examples checked, {failures} differ")
    if checked == 0:
        print("no examples found")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
