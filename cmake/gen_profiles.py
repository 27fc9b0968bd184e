#!/usr/bin/env python3
"""Generates src/kernel/builtin_profiles.cpp from the PDB-derived data in data/.

Every offset comes from data/reference/kernel-offsets.json (the tabulated rows) or from the raw
symbol file each row was built from (data/windows-symbols/: Volatility 3 ISF for J rows,
Volatility 2 vtypes JSON for V2 rows, Vergilius headers for VG rows, the ntdiff excerpt for ND;
data/windows-symbols/README.md says where each was published and under which terms).
Where a row's source lacks a member, the value is taken only if every other row that has the
member agrees on it, and the member is marked as a fallback. No offset is typed by hand.

Usage: gen_profiles.py [--data data] --out src/kernel/builtin_profiles.cpp
"""
import argparse
import json
import lzma
import os
import re
import sys

# The member manifest the tool itself resolves and checks (include/dumpprocs/kernel/
# profile_members.def): every listed member a row's symbol data has is emitted.
MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "include",
                        "dumpprocs", "kernel", "profile_members.def")


def manifest_members(path=MANIFEST):
    """(type, member) of each PROFILE_MEMBER line of the manifest, in its order."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'PROFILE_MEMBER\(\s*\w+,\s*"(\w+)",\s*"(\w+)"', line)
            if m:
                out.append((m.group(1), m.group(2)))
    if not out:
        sys.exit("gen_profiles: no PROFILE_MEMBER lines in " + path)
    return out


# Members the dump generator and the reports need beyond the tabulated rows and the manifest.
EXTRA = [
    ("_KPRCB", "CurrentThread"), ("_KPRCB", "NextThread"), ("_KPRCB", "IdleThread"),
    ("_KPRCB", "Number"), ("_KPCR", "Prcb"), ("_KPCR", "Self"),
    ("_KTHREAD", "Header"), ("_KTHREAD", "State"), ("_KTHREAD", "Priority"),
    ("_KTHREAD", "WaitTime"),
    ("_KLDR_DATA_TABLE_ENTRY", "InLoadOrderLinks"), ("_KLDR_DATA_TABLE_ENTRY", "DllBase"),
    ("_KLDR_DATA_TABLE_ENTRY", "SizeOfImage"), ("_KLDR_DATA_TABLE_ENTRY", "FullDllName"),
    ("_KLDR_DATA_TABLE_ENTRY", "BaseDllName"),
    ("_UNICODE_STRING", "Length"), ("_UNICODE_STRING", "MaximumLength"),
    ("_UNICODE_STRING", "Buffer"), ("_LIST_ENTRY", "Flink"), ("_LIST_ENTRY", "Blink"),
    ("_OBJECT_TYPE", "Name"), ("_OBJECT_TYPE", "Index"),
    ("_POOL_HEADER", "PreviousSize"), ("_POOL_HEADER", "PoolIndex"),
    ("_POOL_HEADER", "BlockSize"), ("_POOL_HEADER", "PoolType"), ("_POOL_HEADER", "PoolTag"),
    # The witnesses of issue 16: the kernel's own process list, the session lists, the handle
    # tables on HandleTableListHead and the Process type's object counts.
    ("_KPROCESS", "ProcessListEntry"), ("_EPROCESS", "SessionProcessLinks"),
    ("_EPROCESS", "Session"), ("_EPROCESS", "ObjectTable"),
    ("_MM_SESSION_SPACE", "SessionId"), ("_MM_SESSION_SPACE", "ProcessList"),
    ("_HANDLE_TABLE", "HandleTableList"), ("_HANDLE_TABLE", "QuotaProcess"),
    ("_HANDLE_TABLE", "UniqueProcessId"), ("_HANDLE_TABLE", "TableCode"),
    ("_OBJECT_TYPE", "TotalNumberOfObjects"), ("_OBJECT_TYPE", "TotalNumberOfHandles"),
]
EXTRA_SIZES = ["_KPRCB", "_OBJECT_TYPE", "_POOL_HEADER", "_OBJECT_HEADER_CREATOR_INFO",
               "_OBJECT_HEADER_NAME_INFO", "_OBJECT_HEADER_HANDLE_INFO", "_OBJECT_HEADER_QUOTA_INFO",
               "_OBJECT_HEADER_PROCESS_INFO", "_OBJECT_HEADER_AUDIT_INFO", "_LIST_ENTRY",
               "_UNICODE_STRING", "_KLDR_DATA_TABLE_ENTRY"]
# Volatility 2 names some types differently.
V2_ALIASES = {"_KLDR_DATA_TABLE_ENTRY": "_LDR_DATA_TABLE_ENTRY"}
# JSON section -> ISF type name.
SECTION_TYPES = {"KPROCESS": "_KPROCESS", "EPROCESS": "_EPROCESS", "ETHREAD": "_ETHREAD",
                 "KTHREAD": "_KTHREAD", "CLIENT_ID": "_CLIENT_ID", "OBJECT_HEADER": "_OBJECT_HEADER",
                 "HANDLE_TABLE": "_HANDLE_TABLE",
                 "SE_AUDIT_PROCESS_CREATION_INFO": "_SE_AUDIT_PROCESS_CREATION_INFO",
                 "DISPATCHER_HEADER": "_DISPATCHER_HEADER", "KAPC_STATE": "_KAPC_STATE"}
BASE_SIZES = {"char": 1, "unsigned char": 1, "short": 2, "unsigned short": 2, "long": 4,
              "unsigned long": 4, "int": 4, "unsigned int": 4, "long long": 8,
              "unsigned long long": 8, "pointer": 8, "void": 0, "wchar": 2}
SIGNED = {"char", "short", "long", "int", "long long"}
C_TYPES = {"UCHAR": ("unsigned char", 1), "CHAR": ("char", 1), "USHORT": ("unsigned short", 2),
           "SHORT": ("short", 2), "ULONG": ("unsigned long", 4), "LONG": ("long", 4),
           "ULONGLONG": ("unsigned long long", 8), "LONGLONG": ("long long", 8),
           "WCHAR": ("wchar", 2), "VOID": ("void", 0), "unsigned char": ("unsigned char", 1),
           "char": ("char", 1), "unsigned short": ("unsigned short", 2), "short": ("short", 2),
           "unsigned long": ("unsigned long", 4), "long": ("long", 4),
           "unsigned __int64": ("unsigned long long", 8), "__int64": ("long long", 8),
           "unsigned int": ("unsigned int", 4), "int": ("int", 4)}


class Member:
    """One member: offset, kind (C++ MemberKind name), size, type name, count, bit field."""

    def __init__(self, offset, kind="Unsigned", size=0, type_name="", count=0, bitpos=0,
                 bitlen=0, fallback=None):
        self.offset, self.kind, self.size, self.type_name = offset, kind, size, type_name
        self.count, self.bitpos, self.bitlen, self.fallback = count, bitpos, bitlen, fallback

    def key(self):
        return (self.offset, self.bitpos if self.kind == "Bitfield" else -1)


# ---------------------------------------------------------------- raw sources

def isf_member(isf, tname, mname):
    t = isf["user_types"].get(tname) or isf["user_types"].get(V2_ALIASES.get(tname, ""))
    if not t or mname not in t["fields"]:
        return None
    f = t["fields"][mname]
    return isf_type(isf, f["offset"], f["type"])


def isf_type(isf, offset, ty):
    kind = ty["kind"]
    if kind == "pointer":
        sub = ty.get("subtype", {})
        return Member(offset, "Pointer", 8, sub.get("name", "void"))
    if kind == "bitfield":
        inner = ty["type"]
        size = BASE_SIZES.get(inner.get("name"), 4)
        return Member(offset, "Bitfield", size, inner.get("name", ""), 0,
                      ty["bit_position"], ty["bit_length"])
    if kind == "base":
        name = ty["name"]
        return Member(offset, "Signed" if name in SIGNED else "Unsigned",
                      isf["base_types"].get(name, {}).get("size", BASE_SIZES.get(name, 0)), name)
    if kind in ("struct", "union"):
        size = isf["user_types"].get(ty["name"], {}).get("size", 0)
        return Member(offset, "Struct", size, ty["name"])
    if kind == "enum":
        e = isf["enums"].get(ty["name"], {})
        return Member(offset, "Enum", e.get("size", 4), ty["name"])
    if kind == "array":
        sub = isf_type(isf, 0, ty["subtype"])
        count = ty["count"]
        if sub.kind in ("Unsigned", "Signed") and sub.size == 1:
            return Member(offset, "CharArray", count, sub.type_name, count)
        return Member(offset, "Array", sub.size * count, sub.type_name, count)
    return Member(offset)


def v2_spec_member(types, offset, spec):
    name = spec[0]
    if name in ("pointer", "pointer64"):
        target = spec[1][0] if len(spec) > 1 and spec[1] else "void"
        return Member(offset, "Pointer", 8, target)
    if name == "BitField":
        args = spec[1]
        native = args.get("native_type", "unsigned long")
        return Member(offset, "Bitfield", BASE_SIZES.get(native, 4), native, 0, args["start_bit"],
                      args["end_bit"] - args["start_bit"])
    if name == "array":
        count, sub = spec[1], spec[2]
        inner = v2_spec_member(types, 0, sub)
        if inner.kind in ("Unsigned", "Signed") and inner.size == 1:
            return Member(offset, "CharArray", count, inner.type_name, count)
        return Member(offset, "Array", inner.size * count, inner.type_name, count)
    if name == "Enumeration":
        return Member(offset, "Enum", 4, spec[1].get("target", "long") if len(spec) > 1 else "")
    if name in BASE_SIZES:
        return Member(offset, "Signed" if name in SIGNED else "Unsigned", BASE_SIZES[name], name)
    if name in types:
        return Member(offset, "Struct", types[name][0], name)
    return Member(offset, "Unsigned", 0, name)


def v2_member(types, tname, mname):
    t = types.get(tname) or types.get(V2_ALIASES.get(tname, ""))
    if not t or mname not in t[1]:
        return None
    offset, spec = t[1][mname]
    return v2_spec_member(types, offset, spec)


VG_LINE = re.compile(r"^\s*(?:volatile\s+)?(?:const\s+)?(struct\s+|union\s+|enum\s+)?([A-Za-z_][\w ]*?)\s*"
                     r"(\*+)?\s*([A-Za-z_]\w*)(\[(\d+)\])?\s*(?::\s*(\d+))?\s*;\s*//\s*offset:\s*"
                     r"(0x[0-9a-fA-F]+)")


def vg_blocks(text):
    """Maps type name -> (size, list of member lines) for a Vergilius header."""
    blocks = {}
    lines = join_continuations(text.splitlines())
    size = 0
    i = 0
    while i < len(lines):
        m = re.match(r"^// (0x[0-9a-fA-F]+) \(\d+\) bytes", lines[i])
        if m:
            size = int(m.group(1), 16)
        m = re.match(r"^(struct|union) (_\w+) \{", lines[i])
        if m:
            name, body = m.group(2), []
            depth = lines[i].count("{") - lines[i].count("}")
            i += 1
            while i < len(lines) and depth > 0:
                depth += lines[i].count("{") - lines[i].count("}")
                body.append(lines[i])
                i += 1
            blocks.setdefault(name, (size, body))
            continue
        i += 1
    return blocks


def join_continuations(lines):
    """clang-format split some long members over two lines; join them back."""
    out = []
    for line in lines:
        if out and out[-1].startswith("  ") and not re.search(r"[;{}]", out[-1]) and \
                not out[-1].strip().startswith("//"):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return out


def vg_member(blocks, tname, mname):
    if tname not in blocks:
        return None
    bitpos_by_offset = {}
    for line in blocks[tname][1]:
        m = VG_LINE.match(line)
        if not m:
            continue
        tag, base, stars, name, _, count, bits, off = m.groups()
        offset = int(off, 16)
        if bits:
            pos = bitpos_by_offset.get(offset, 0)
            bitpos_by_offset[offset] = pos + int(bits)
        if name != mname:
            continue
        base = base.strip()
        if stars:
            return Member(offset, "Pointer", 8, base if tag else C_TYPES.get(base, (base, 8))[0])
        if tag and tag.startswith(("struct", "union")):
            size = blocks.get(base, (0, []))[0]
            return Member(offset, "Struct", size, base)
        tname_c, size = C_TYPES.get(base, (base, 4))
        if bits:
            return Member(offset, "Bitfield", size, tname_c, 0, bitpos_by_offset[offset] - int(bits),
                          int(bits))
        if count:
            if size == 1:
                return Member(offset, "CharArray", int(count), tname_c, int(count))
            return Member(offset, "Array", size * int(count), tname_c, int(count))
        return Member(offset, "Signed" if tname_c in SIGNED else "Unsigned", size, tname_c)
    return None


ND_LINE = re.compile(r"/\* (0x[0-9a-fA-F]+) \*/\s+(?:volatile\s+)?(struct\s+|union\s+)?([\w ]+?)\s*(\*+)?\s*"
                     r"(\w+)(\[(\d+)\])?\s*(?::\s*(\d+))?;\s*(?:/\* bit position: (\d+) \*/)?")


def nd_member(text, tname, mname):
    m = re.search(r"(?:struct|union) %s\s*\{(.*?)\n\}" % re.escape(tname), text, re.S)
    if not m:
        return None
    for line in m.group(1).splitlines():
        lm = ND_LINE.search(line)
        if not lm or lm.group(5) != mname:
            continue
        off = int(lm.group(1), 16)
        _, tag, base, stars, _, _, count, bits, bitpos = lm.groups()
        base = base.strip()
        if stars:
            return Member(off, "Pointer", 8, base)
        if tag:
            return Member(off, "Struct", 0, base)
        tname_c, size = C_TYPES.get(base, (base, 4))
        if bits:
            return Member(off, "Bitfield", size, tname_c, 0, int(bitpos or 0), int(bits))
        if count:
            return Member(off, "CharArray" if size == 1 else "Array", size * int(count), tname_c,
                          int(count))
        return Member(off, "Signed" if tname_c in SIGNED else "Unsigned", size, tname_c)
    return None


class RawSource:
    """The raw symbol data one row was built from; answers member and size questions."""

    def __init__(self, data, row):
        self.kind = row["source"]
        sym = os.path.join(data, "windows-symbols")
        name = row["source_file"].split(" ")[0]
        self.isf = self.v2 = self.vg = self.nd = None
        if self.kind == "J":
            with lzma.open(os.path.join(sym, "isf_jpcert", name)) as f:
                self.isf = json.load(f)
        elif self.kind == "V2":
            path = os.path.join(sym, "vol2_vtypes_json", name.replace(".py", ".json"))
            with open(path) as f:
                doc = json.load(f)
                self.v2 = next(v for k, v in doc.items() if k.endswith("_types"))
        elif self.kind == "VG":
            with lzma.open(os.path.join(sym, "vergilius_rs_headers", name + ".xz"), "rt") as f:
                self.vg = vg_blocks(f.read())
        elif self.kind == "ND":
            with open(os.path.join(sym, "ntdiff_headers", name)) as f:
                self.nd = f.read()

    def member(self, tname, mname):
        if self.isf:
            return isf_member(self.isf, tname, mname)
        if self.v2:
            return v2_member(self.v2, tname, mname)
        if self.vg:
            return vg_member(self.vg, tname, mname)
        if self.nd:
            return nd_member(self.nd, tname, mname)
        return None

    def has_type(self, tname):
        if self.isf:
            return tname in self.isf["user_types"] or V2_ALIASES.get(tname) in self.isf["user_types"]
        if self.v2:
            return tname in self.v2 or V2_ALIASES.get(tname) in self.v2
        if self.vg:
            return tname in self.vg
        if self.nd:
            return re.search(r"(?:struct|union) %s\s*\{" % re.escape(tname), self.nd) is not None
        return False

    def size(self, tname):
        if self.isf:
            t = self.isf["user_types"].get(tname) or self.isf["user_types"].get(V2_ALIASES.get(tname, ""))
            return t.get("size") if t else None
        if self.v2:
            t = self.v2.get(tname) or self.v2.get(V2_ALIASES.get(tname, ""))
            return t[0] if t else None
        if self.vg:
            return self.vg[tname][0] if tname in self.vg else None
        return None


# ---------------------------------------------------------------- rows

def parse_entry_members(text):
    """'Unlocked@0x0[0:0] RefCnt@0x0[1:16] HighValue@0x8' -> {name: Member}."""
    out = {}
    for tok in text.split():
        m = re.match(r"(\w+)@(0x[0-9a-f]+)(?:\[(\d+):(\d+)\])?$", tok)
        if not m:
            continue
        name, off, lo, hi = m.groups()
        if lo is not None:
            out[name] = Member(int(off, 16), "Bitfield", 8, "unsigned long long", 0, int(lo),
                               int(hi) - int(lo) + 1)
        else:
            out[name] = Member(int(off, 16), "Unsigned", 8, "unsigned long long")
    return out


def row_members(row, raw):
    """{(type, member): Member} for everything one row's own data gives."""
    members = {}
    for section, tname in SECTION_TYPES.items():
        for mname, off in row.get(section, {}).items():
            m = raw.member(tname, mname) or Member(int(off, 16))
            m.offset = int(off, 16)
            members[(tname, mname)] = m
    for bname, b in row.get("EPROCESS_bits", {}).items():
        m = raw.member("_EPROCESS", bname) or Member(0, "Bitfield", 4, "unsigned long", 0, 0, 1)
        m.kind, m.offset, m.bitpos = "Bitfield", int(b["offset"], 16), b["bit"]
        m.bitlen = m.bitlen or 1
        m.size = m.size or 4
        members[("_EPROCESS", bname)] = m
    entry = row.get("HANDLE_TABLE_ENTRY", {}).get("members", "")
    for mname, m in parse_entry_members(entry).items():
        members[("_HANDLE_TABLE_ENTRY", mname)] = m
    mi = row.get("MmProcessLinks_head_in_MiState")
    if mi:
        members[("_MI_SYSTEM_INFORMATION", "Processes")] = Member(
            int(mi["MI_SYSTEM_INFORMATION.Processes"], 16), "Struct", 0, "_MI_PROCESS_STATE")
        members[("_MI_PROCESS_STATE", "ProcessList")] = Member(
            int(mi["MI_PROCESS_STATE.ProcessList"], 16), "Struct", 16, "_LIST_ENTRY")
    for tname, mname in manifest_members() + EXTRA:
        if (tname, mname) not in members:
            m = raw.member(tname, mname)
            if m:
                members[(tname, mname)] = m
    return members


def row_sizes(row, raw):
    sizes = {k: int(v, 16) for k, v in row.get("sizes", {}).items()}
    for tname in EXTRA_SIZES:
        if tname not in sizes:
            s = raw.size(tname)
            if s:
                sizes[tname] = s
    return sizes


def apply_fallbacks(rows):
    """Fills a member a row's source is silent about from its neighbours in build order, only
    when the nearest rows that have it agree: the nearest row on each side, or, when no later row
    has it, the three nearest earlier rows; marks it as a fallback. A source is silent when it is
    partial (the ntdiff excerpt ND, the Vergilius text VG) or lacks the whole type. ISF and vtypes
    files are whole type dumps: a member missing from a type they have does not exist there."""
    all_keys = set()
    for r in rows:
        all_keys |= set(r["members"])
    for key in sorted(all_keys):
        tname = key[0]
        having = [i for i, r in enumerate(rows)
                  if key in r["members"] and r["members"][key].fallback is None]
        for i, r in enumerate(rows):
            silent = r["source"] in ("ND", "VG") or not r["raw"].has_type(tname)
            if key in r["members"] or not silent:
                continue
            lower = [j for j in having if j < i][-3:]
            upper = [j for j in having if j > i][:1]
            # a row after the nearest one that has it, whose full source has the type but not the
            # member: the member was removed from the layout, so it is no fallback candidate
            start = lower[-1] + 1 if lower else i + 1
            removed = any(rows[j]["raw"].has_type(tname) and key not in rows[j]["members"] and
                          rows[j]["source"] in ("J", "V2") for j in range(start, len(rows)))
            if lower and upper:
                sample = [lower[-1], upper[0]]
            elif len(lower) == 3 and not removed:
                sample = lower
            else:
                continue
            values = {rows[j]["members"][key].key() for j in sample}
            if len(values) != 1:
                continue
            t = rows[sample[0]]["members"][key]
            m = Member(t.offset, t.kind, t.size, t.type_name, t.count, t.bitpos, t.bitlen)
            m.fallback = "not in {} {}; {}{} in the nearest rows that have it ({})".format(
                r["source"], r["source_file"].split(" ")[0], hex(t.offset),
                " bit %d" % t.bitpos if t.kind == "Bitfield" else "",
                ", ".join(rows[j]["id"] for j in sample))
            r["members"][key] = m
    # the kind/size/type of a member whose own source was silent: borrow from another row
    for key in all_keys:
        typed = [r["members"][key] for r in rows if key in r["members"] and r["members"][key].size]
        if not typed:
            continue
        for r in rows:
            m = r["members"].get(key)
            if m and not m.size and m.kind != "Bitfield":
                m.kind, m.size, m.type_name, m.count = typed[0].kind, typed[0].size, typed[0].type_name, typed[0].count


def handle_era(build):
    return "Win7" if build < 9200 else ("Win8" if build == 9200 else "Win81Plus")


def pdb_ids(row):
    ids = []
    files = [row["source_file"]] + [c["what"] for c in row.get("cross_checked_with", [])
                                    if c.get("source") == "J"]
    for f in files:
        m = re.search(r"([0-9A-F]{32})-(\d+)\.json", f)
        if m:
            ids.append((m.group(1), int(m.group(2))))
    return ids


def isf_guid_for_version(data, version):
    """J cross-checks name versions ("19041.3570"); the README table maps versions to files."""
    readme = open(os.path.join(data, "windows-symbols", "README.md")).read()
    m = re.search(r"`([0-9A-F]{32})-(\d+)\.json\.xz` \| 10\.0\.%s \|" % re.escape(version), readme) or \
        re.search(r"`([0-9A-F]{32})-(\d+)\.json\.xz` \| 6\.\d\.%s \|" % re.escape(version), readme)
    return (m.group(1), int(m.group(2))) if m else None


# ---------------------------------------------------------------- output

def cstr(s):
    return json.dumps(s)


def emit(rows, out):
    lines = [
        "// GENERATED by cmake/gen_profiles.py from data/reference/kernel-offsets.json and the raw",
        "// symbol files it names (data/windows-symbols/). Do not edit; regenerate:",
        "//   python3 cmake/gen_profiles.py --out src/kernel/builtin_profiles.cpp",
        "// clang-format off",
        '#include "builtin_profiles_data.hpp"',
        "",
        "namespace dumpprocs::kernel::generated {",
        "",
    ]
    for r in rows:
        ident = "k" + re.sub(r"\W", "_", r["id"])
        lines.append("const MemberRow %sMembers[] = {" % ident)
        for (tname, mname), m in sorted(r["members"].items(), key=lambda kv: (kv[0][0], kv[1].offset, kv[1].bitpos, kv[0][1])):
            lines.append("    {%s, %s, 0x%x, %d, MemberKind::%s, %s, %d, %d, %d, %s}," % (
                cstr(tname), cstr(mname), m.offset, m.size, m.kind, cstr(m.type_name), m.count,
                m.bitpos, m.bitlen, cstr(m.fallback) if m.fallback else "nullptr"))
        lines.append("};")
        lines.append("const SizeRow %sSizes[] = {" % ident)
        for tname, size in sorted(r["sizes"].items()):
            lines.append("    {%s, 0x%x}," % (cstr(tname), size))
        lines.append("};")
        lines.append("const PdbRow %sPdbs[] = {" % ident)
        for guid, age in r["pdbs"]:
            lines.append("    {%s, %d}," % (cstr(guid), age))
        lines.append('    {"", 0},')
        lines.append("};")
        lines.append("")
    lines.append("const ProfileRow kProfileRows[] = {")
    for r in rows:
        ident = "k" + re.sub(r"\W", "_", r["id"])
        lines.append("    {%s, %d, %s, %s, %s, HandleEntryEra::%s, %sMembers, sizeof(%sMembers) / sizeof(MemberRow), %sSizes, sizeof(%sSizes) / sizeof(SizeRow), %sPdbs}," % (
            cstr(r["id"]), r["build"], cstr(r["windows"]), cstr(r["revisions"]),
            cstr(r["source"] + " " + r["source_file"]), handle_era(r["build"]),
            ident, ident, ident, ident, ident))
    lines.append("};")
    lines.append("const std::size_t kProfileRowCount = sizeof(kProfileRows) / sizeof(ProfileRow);")
    lines.append("")
    lines.append("} // namespace dumpprocs::kernel::generated")
    lines.append("")
    with open(out, "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   os.pardir, "data"),
                    help="the folder holding reference/ and windows-symbols/ (default: data/)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    data = json.load(open(os.path.join(args.data, "reference", "kernel-offsets.json")))
    rows = []
    for row in data["profiles"]:
        raw = RawSource(args.data, row)
        pdbs = pdb_ids(row)
        for c in row.get("cross_checked_with", []):
            if c.get("source") == "J":
                g = isf_guid_for_version(args.data, c["what"].split(" ")[0])
                if g and g not in pdbs:
                    pdbs.append(g)
        rows.append({"id": row["id"], "build": row["build"], "windows": row["windows"],
                     "revisions": row["revisions"], "source": row["source"],
                     "source_file": row["source_file"], "members": row_members(row, raw),
                     "sizes": row_sizes(row, raw), "pdbs": pdbs, "raw": raw})
    apply_fallbacks(rows)
    emit(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
