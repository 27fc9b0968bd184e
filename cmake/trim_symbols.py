#!/usr/bin/env python3
"""Cuts the raw symbol files the profile generator reads down to the types it uses.

The whole upstream files (data/windows-symbols/README.md says where each one is published) are
4 to 8 MB each; gen_profiles.py reads about forty types of each. This writes, for one raw file,
a copy that keeps:

  * every type gen_profiles.py asks about (the KEY_TYPES below, derived from its own tables), whole,
    with all its members, so that "does this source have the type / the member" gets the same
    answer as from the whole file;
  * every type those members name by value (a struct member, an array of structs), reduced to its
    size, because the generator only reads such a type's size;
  * for ISF files: metadata, base_types and the enums the kept members use; no symbols.

The generator must make the same src/kernel/builtin_profiles.cpp from the cut files as from the
whole ones: the ctest profiles.regenerated_table_matches checks the committed table against the
cut files, and data/README.md says how to check it against the whole ones.

Usage: trim_symbols.py KIND IN OUT     (KIND: isf | vtypes | vergilius; .xz in and out where the
                                        file names end in .xz)
"""
import json
import lzma
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_profiles  # noqa: E402  (the tables of types it reads live there, once)

KEY_TYPES = (set(gen_profiles.SECTION_TYPES.values()) |
             {t for t, _ in gen_profiles.EXTRA} | set(gen_profiles.EXTRA_SIZES) |
             {"_EPROCESS", "_HANDLE_TABLE_ENTRY", "_MI_SYSTEM_INFORMATION", "_MI_PROCESS_STATE"})
KEY_TYPES |= {gen_profiles.V2_ALIASES[t] for t in list(KEY_TYPES) if t in gen_profiles.V2_ALIASES}


def read_text(path):
    if path.endswith(".xz"):
        with lzma.open(path, "rt") as f:
            return f.read()
    with open(path) as f:
        return f.read()


def write_text(path, text):
    if path.endswith(".xz"):
        with lzma.open(path, "wt", preset=9 | lzma.PRESET_EXTREME) as f:
            f.write(text)
    else:
        with open(path, "w") as f:
            f.write(text)


def trim_isf(doc):
    types = doc["user_types"]
    kept, sized, enums = {}, set(), set()

    def refs(ty):
        kind = ty.get("kind")
        if kind in ("struct", "union") and ty.get("name") not in KEY_TYPES:
            sized.add(ty["name"])
        elif kind == "enum":
            enums.add(ty["name"])
        elif kind == "array":
            refs(ty["subtype"])

    for name in sorted(KEY_TYPES):
        if name in types:
            kept[name] = types[name]
            for field in types[name].get("fields", {}).values():
                refs(field["type"])
    for name in sorted(sized):
        if name in types:
            t = types[name]
            kept[name] = {"kind": t["kind"], "size": t["size"], "fields": {}}
    return {"metadata": doc["metadata"], "base_types": doc["base_types"],
            "enums": {n: doc["enums"][n] for n in sorted(enums) if n in doc["enums"]},
            "symbols": {}, "user_types": kept}


def trim_vtypes(doc):
    key = next(k for k in doc if k.endswith("_types"))
    types = doc[key]
    kept, sized = {}, set()

    def refs(spec):
        name = spec[0]
        if name == "array":
            refs(spec[2])
        elif name in types and name not in KEY_TYPES:
            sized.add(name)

    for name in sorted(KEY_TYPES):
        if name in types:
            kept[name] = types[name]
            for _, spec in types[name][1].values():
                refs(spec)
    for name in sorted(sized):
        kept[name] = [types[name][0], {}]
    out = {k: v for k, v in doc.items() if not k.endswith("_types")}
    out["_trimmed"] = ("dumpprocs: only the types its profile generator reads, whole, and the "
                       "types their members embed, size only (cmake/trim_symbols.py)")
    out[key] = kept
    return out


SIZE_LINE = re.compile(r"^// 0x[0-9a-fA-F]+ \(\d+\) bytes")
BLOCK_START = re.compile(r"^(struct|union) (_\w+) \{")


def trim_vergilius(text):
    lines = text.splitlines()
    blocks = {}  # name -> (kind, size line, block lines); the first definition wins, as in the generator
    size_line = None
    i = 0
    while i < len(lines):
        if SIZE_LINE.match(lines[i]):
            size_line = lines[i]
        m = BLOCK_START.match(lines[i])
        if m:
            start, depth = i, lines[i].count("{") - lines[i].count("}")
            i += 1
            while i < len(lines) and depth > 0:
                depth += lines[i].count("{") - lines[i].count("}")
                i += 1
            blocks.setdefault(m.group(2), (m.group(1), size_line, lines[start:i]))
            continue
        i += 1
    out = ["// Trimmed by dumpprocs (cmake/trim_symbols.py): only the types its profile generator",
           "// reads, whole, and the types their members embed by value, size only.", ""]
    sized = set()
    for name in sorted(KEY_TYPES):
        if name not in blocks:
            continue
        kind, size, body = blocks[name]
        out += [size] + body + [""]
    # members split over two lines by clang-format: match them joined
    joined = []
    for name in sorted(KEY_TYPES):
        if name in blocks:
            joined += gen_profiles.join_continuations(blocks[name][2])
    for line in joined:
        m = gen_profiles.VG_LINE.match(line)
        if m and m.group(1) and not m.group(3) and m.group(2).strip() not in KEY_TYPES:
            sized.add(m.group(2).strip())
    for name in sorted(sized):
        if name in blocks:
            kind, size, _ = blocks[name]
            out += [size, "%s %s {};" % (kind, name), ""]
    return "\n".join(out)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("isf", "vtypes", "vergilius"):
        sys.exit(__doc__)
    kind, src, dst = sys.argv[1:]
    if kind == "vergilius":
        write_text(dst, trim_vergilius(read_text(src)))
    else:
        doc = json.loads(read_text(src))
        out = trim_isf(doc) if kind == "isf" else trim_vtypes(doc)
        write_text(dst, json.dumps(out, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
