#!/usr/bin/env python3
"""Rewrites the type records of a clang/lld-link PDB into the shape of Microsoft's own PDBs (issue 18),
on the YAML form `llvm-pdbutil pdb2yaml -pdb-stream -dbi-stream -tpi-stream -ipi-stream` gives:

  * unnamed unions are named `<unnamed-tag>` and unnamed structs `<anonymous-tag>` (clang writes
    `_EPROCESS::<unnamed-tag>`, scoped);
  * no LF_NESTTYPE records for them in the field lists (MSVC writes none for anonymous members);
  * a member whose type is a named struct or union that also has a forward reference points at
    the forward reference, not at the definition (the reader must resolve it by name); clang does
    this for most members already, the rest are redirected;
  * an enumerator with a negative value is written as a signed number (MSVC's LF_CHAR/LF_SHORT/
    LF_LONG leaves; yaml2pdb encodes a negative value that way).

Usage: msft_shape.py IN.yaml OUT.yaml. Fails unless each rewrite happened at least once, so the test
PDB made from OUT.yaml (`llvm-pdbutil yaml2pdb`) really has that shape. No YAML library needed: the
records are cut at their fixed indentation.
"""
import re
import sys

RECORD = "    - Kind:"
MEMBER = "        - Kind:"


def split_records(lines):
    records, current = [], None
    for line in lines:
        if line.startswith(RECORD):
            current = [line]
            records.append(current)
        else:
            current.append(line)
    return records


def field(record, key):
    for line in record:
        m = re.match(r"^\s+" + key + r":\s+(.*)$", line)
        if m:
            return m.group(1).strip()
    return None


def kind(record):
    return record[0].split(":", 1)[1].strip()


def main():
    text = open(sys.argv[1]).read().split("\n")
    start = text.index("TpiStream:") + 3  # "TpiStream:", "  Version:", "  Records:"
    end = next(i for i in range(start, len(text)) if text[i] and not text[i].startswith(" "))
    assert text[start - 1] == "  Records:", text[start - 1]
    records = split_records(text[start:end])

    aggregates = ("LF_STRUCTURE", "LF_UNION", "LF_CLASS")
    forward, definition = {}, {}
    for i, r in enumerate(records):
        if kind(r) in aggregates:
            name = field(r, "Name").strip("'")
            if "ForwardReference" in (field(r, "Options") or ""):
                forward.setdefault(name, 0x1000 + i)
            elif "<unnamed-" not in name and "<anonymous-" not in name and name:
                definition[0x1000 + i] = name

    forward_indexes = set(forward.values())
    renamed = dropped = redirected = negative = at_forward = 0
    out_records = []
    for r in records:
        k = kind(r)
        if k in aggregates + ("LF_ENUM",):
            name = field(r, "Name")
            if name is not None and ("<unnamed-" in name or "<anonymous-" in name or name == "''"):
                tag = "'<unnamed-tag>'" if k == "LF_UNION" else "'<anonymous-tag>'"
                r = [re.sub(r"^(\s+Name:\s+).*$", r"\g<1>" + tag, line)
                     if re.match(r"^\s+Name:", line) else line for line in r]
                renamed += 1
        if k == "LF_FIELDLIST":
            kept, skip = [], False
            for line in r:
                if line.startswith(MEMBER):
                    skip = line.split(":", 1)[1].strip() == "LF_NESTTYPE"
                    dropped += skip
                if skip:
                    continue
                m = re.match(r"^(            Type:\s+)(\d+)$", line)
                if m and int(m.group(2)) in definition and definition[int(m.group(2))] in forward:
                    line = m.group(1) + str(forward[definition[int(m.group(2))]])
                    redirected += 1
                if m and int(re.search(r"(\d+)$", line).group(1)) in forward_indexes:
                    at_forward += 1
                # clang writes -1 of a 32-bit enum as 4294967295; MSVC as the signed -1.
                m = re.match(r"^(\s+Value:\s+)(\d+)$", line)
                if m and (1 << 31) <= int(m.group(2)) < (1 << 32):
                    line = m.group(1) + str(int(m.group(2)) - (1 << 32))
                    negative += 1
                kept.append(line)
            r = kept
        out_records.append(r)

    counts = {"renamed": renamed, "nested-type records dropped": dropped,
              "members at forward references": at_forward, "negative enumerators": negative}
    for what, n in counts.items():
        if n == 0:
            sys.exit(f"msft_shape.py: nothing {what}: the input is not the stand-in's PDB")
    body = [line for r in out_records for line in r]
    open(sys.argv[2], "w").write("\n".join(text[:start] + body + text[end:]))
    print(f"msft_shape.py: {counts}, members redirected {redirected}")


if __name__ == "__main__":
    main()
