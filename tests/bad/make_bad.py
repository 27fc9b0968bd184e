#!/usr/bin/env python3
"""Writes the malformed-dump corpus testdata/bad/ (checked by tests/cli/cases/bad.cmake).

Every case but the triage ones is derived from the small sample testdata/win7sp1_7601c_mm428.dmp
(a type-1 dump of 77 pages); the triage cases damage the driver list of the real Windows-written
testdata/real/triage_x64.dmp. Header and page-map cases patch header fields or cut the file at a structure boundary;
bitmap and RDMP cases re-pack the same pages behind a SUMMARY_DUMP64 or RDMP header. Cases that
break a kernel structure patch bytes at the file offsets this script finds itself: it walks the
sample's page tables to translate kernel addresses, takes the structure addresses and member
offsets from `dumpprocs --info/--view/--show-profile --format json`, and checks each translation
against `dumpprocs --read VA --format json` (physical_address).

Usage (from the repository root):
  tests/bad/make_bad.py --dumpprocs build/src/dumpprocs [--out-dir testdata/bad]
  tests/bad/make_bad.py --dumpprocs build/src/dumpprocs --check   # ctest: is testdata/bad current?
"""
import argparse
import json
import lzma
import os
import pathlib
import re
import struct
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "testdata" / "win7sp1_7601c_mm428.dmp"
PAGE = 0x1000
HEADER = 0x2000
FILLER32 = 0x45474150  # "PAGE"
FILLER64 = 0x4547415045474150
FRAME = 0x000FFFFFFFFFF000
NON_CANONICAL = 0x0000800000000000
USER_POINTER = 0x000000007FFE0000  # KUSER_SHARED_DATA's user-mode address
UNMAPPED_KERNEL = 0xFFFFF6FB7DBED000 + 0x123000  # a kernel address no page table of the sample maps


def u32(b, off):
    return struct.unpack_from("<I", b, off)[0]


def u64(b, off):
    return struct.unpack_from("<Q", b, off)[0]


def put32(b, off, v):
    struct.pack_into("<I", b, off, v)


def put64(b, off, v):
    struct.pack_into("<Q", b, off, v & 0xFFFFFFFFFFFFFFFF)


class Sample:
    """The sample dump: its run list, its page tables walked in Python, and dumpprocs' view of it."""

    def __init__(self, path, dumpprocs):
        self.path = path
        self.bytes = path.read_bytes()
        self.dumpprocs = dumpprocs
        assert self.bytes[:8] == b"PAGEDU64" and u32(self.bytes, 0xF98) == 1
        self.dtb = u64(self.bytes, 0x10) & FRAME
        self.runs = [struct.unpack_from("<QQ", self.bytes, 0x98 + 16 * i)
                     for i in range(u32(self.bytes, 0x88))]
        info = self.tool("--info")
        profile = self.tool("--show-profile")["profile"]["fields"]
        self.field = {k: int(v, 16) for k, v in profile.items() if isinstance(v, str)}
        self.cid_table = int(info["kernel"]["psp_cid_table"], 16)
        self.active_head = u64(self.bytes, 0x28)
        merged = self.tool("--view", "all")["processes"]
        self.processes = [int(p["eprocess"], 16) for p in merged if p["kind"] == "process"
                          and p["in"].get("active")]
        self.pages = [(base + i, HEADER + PAGE * (first + i))
                      for first, (base, count) in zip(self.firsts(), self.runs)
                      for i in range(count)]

    def firsts(self):
        out, total = [], 0
        for _, count in self.runs:
            out.append(total)
            total += count
        return out

    def tool(self, *args):
        out = subprocess.run([self.dumpprocs, str(self.path), *args, "--format", "json"],
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out)

    def file_offset(self, pa):
        pfn = pa >> 12
        for first, (base, count) in zip(self.firsts(), self.runs):
            if base <= pfn < base + count:
                return HEADER + PAGE * (first + pfn - base) + (pa & 0xFFF)
        raise KeyError(f"physical {pa:#x} not in the sample")

    def walk(self, va):
        """[(level, file offset of the entry)] down to the data page, and the data's file offset."""
        entries, table = [], self.dtb
        for level, shift in enumerate((39, 30, 21, 12)):
            at = self.file_offset(table + ((va >> shift) & 0x1FF) * 8)
            entry = u64(self.bytes, at)
            entries.append((level, at))
            assert entry & 1, f"{va:#x} not present at level {level}"
            if level in (1, 2) and entry & 0x80:
                size = 1 << shift
                return entries, self.file_offset((entry & FRAME & ~(size - 1)) | (va & (size - 1)))
            table = entry & FRAME
        return entries, self.file_offset(table | (va & 0xFFF))

    def va_offset(self, va):
        """File offset of kernel address `va`, checked against dumpprocs' own translation."""
        _, at = self.walk(va)
        got = self.tool("--read", hex(va), "--length", "8")
        pa = int(got["physical_address"], 16)
        assert self.file_offset(pa) == at, f"{va:#x}: dumpprocs says {pa:#x}"
        return at


# --- builders -------------------------------------------------------------------------------

def as_bitmap(s, first_page_offset=0x3000, bits=None, pages=None, signature=b"SDMP"):
    """The sample's pages behind a SUMMARY_DUMP64 + bitmap (DumpType 5)."""
    pfns = [pfn for pfn, _ in s.pages]
    bits = bits if bits is not None else max(pfns) + 1
    bitmap = bytearray(((min(bits, 1 << 20) + 63) // 64) * 8)
    for pfn in pfns:
        if pfn < len(bitmap) * 8:
            bitmap[pfn // 8] |= 1 << (pfn % 8)
    out = bytearray(s.bytes[:HEADER])
    put32(out, 0xF98, 5)
    summary = signature + b"DUMP" + bytes(0x18)
    summary += struct.pack("<QQQ", first_page_offset, pages if pages is not None else len(pfns), bits)
    out += summary + bitmap
    out += bytes(max(0, first_page_offset - len(out)))
    out = out[:first_page_offset] if first_page_offset >= HEADER + 0x38 else out
    for _, at in s.pages:
        out += s.bytes[at:at + PAGE]
    return out


def as_rdmp(s, ranges=None, metadata=None, first=0x3000, dump_type=8):
    """The sample's pages behind an RDMP header and {BasePage, PageCount} ranges."""
    out = bytearray(s.bytes[:HEADER])
    put32(out, 0xF98, dump_type)
    metadata = metadata if metadata is not None else first - 0x2040 + 0x20
    head = struct.pack("<I4s4sIQQ", 0x40, b"RDMP", b"DUMP", 0, metadata, first)
    head += bytes(0x10)  # 0x2020..0x202f: (type 0xA) total page count and reserved
    rng = b"".join(struct.pack("<QQ", b, c) for b, c in (ranges if ranges is not None else s.runs))
    out += head + rng
    out += bytes(first - len(out))
    for _, at in s.pages:
        out += s.bytes[at:at + PAGE]
    return out


def patched(s, *patches):
    out = bytearray(s.bytes)
    for at, value, size in patches:
        (put64 if size == 8 else put32)(out, at, value)
    return out


def header_cases(s):
    b = s.bytes
    cases = {
        "empty": b"",
        "text": b"this is a text file, not a crash dump\n",
        "signature_only": b"PAGE",
        "minidump": b"MDMP\x93\xa7\x00\x00" + bytes(0x100),
        "pagedump32": b"PAGEDUMP" + bytes(0x1000 - 8),
        "wrong_valid": b"PAGEDU32" + bytes(0x1000 - 8),
        "cut_0x8": b[:0x8],
        "cut_0x88": b[:0x88],
        "cut_0x348": b[:0x348],
        "cut_0xf98": b[:0xF98],
        "cut_0x1fff": b[:0x1FFF],
        "cut_0x2000": b[:HEADER],
        "cut_mid_page": b[:HEADER + 3 * PAGE + 0x800],
        "cut_half": b[:HEADER + (len(b) - HEADER) // 2],
        "type2_summary": patched(s, (0xF98, 2, 4)),
        "type3_header_only": patched(s, (0xF98, 3, 4)),
        "type7_automatic": patched(s, (0xF98, 7, 4)),
        "type_unknown": patched(s, (0xF98, 0x2A, 4)),
        "machine_x86": patched(s, (0x30, 0x14C, 4)),
        "runs_filler": patched(s, (0x88, FILLER32, 4), (0x90, FILLER64, 8)),
        "runs_zero": patched(s, (0x88, 0, 4)),
        "runs_44": patched(s, (0x88, 44, 4)),
        "runs_overflow": patched(s, (0x88, 0xFFFFFFFF, 4)),
        "run_absurd_count": patched(s, (0xA0, 1 << 41, 8)),
        "run_absurd_base": patched(s, (0x98, 1 << 41, 8)),
        "run_max_count": patched(s, (0xA0, 1 << 40, 8), (0x90, 1 << 40, 8)),
        "run_past_end": patched(s, (0xA0, 0x100000, 8), (0x90, 0x100000, 8)),
        "run_overlap": patched(s, (0x88, 2, 4), (0xA0, 40, 8), (0xA8, 0x110, 8), (0xB0, 37, 8)),
        "run_descending": patched(s, (0x88, 2, 4), (0xA0, 40, 8), (0xA8, 0x10, 8), (0xB0, 37, 8)),
        # Run 1 ends far past the file, so run 2 starts past its end.
        "run_starts_past_end": patched(s, (0x88, 3, 4), (0xA8, 0x1000, 8), (0xB0, 0x80000, 8),
                                       (0xB8, 0x100000, 8), (0xC0, 5, 8)),
        "pages_mismatch": patched(s, (0x90, 12345, 8)),
        "dtb_missing": patched(s, (0x10, 0x7FFF000, 8)),
        "dtb_zero": patched(s, (0x10, 0, 8)),
        "processors_huge": patched(s, (0x34, 0xFFFFFFFF, 4)),
        "no_active_head_no_kdbg": patched(s, (0x28, FILLER64, 8), (0x80, FILLER64, 8)),
    }
    cases["triage_cut"] = patched(s, (0xF98, 4, 4))[:HEADER + 0x20]
    return cases


def bitmap_cases(s):
    ok = as_bitmap(s)
    bitmap_at = HEADER + 0x38
    cases = {
        "bitmap_ok": ok,
        "bitmap_cut_0x2000": ok[:HEADER],
        "bitmap_cut_summary": ok[:bitmap_at],
        "bitmap_cut_bitmap": ok[:bitmap_at + 8],
        "bitmap_cut_pages": ok[:0x3000 + 10 * PAGE],
        "bitmap_bad_signature": as_bitmap(s, signature=b"XDMP"),
        "bitmap_size_zero": as_bitmap(s, bits=0),
        "bitmap_size_huge": as_bitmap(s, bits=1 << 40),
        "bitmap_size_overflow": as_bitmap(s, bits=0xFFFFFFFFFFFFFFFF),
        "bitmap_pages_mismatch": as_bitmap(s, pages=7),
        "bitmap_first_page_unaligned": as_bitmap(s, first_page_offset=0x3010),
        "bitmap_first_page_past_end": bytearray(ok[:0x3000]),
    }
    # A bitmap whose set bits claim far more pages than the file holds.
    many = bytearray(ok)
    words = (u64(many, HEADER + 0x30) + 63) // 64
    for w in range(words):
        put64(many, bitmap_at + 8 * w, 0xFFFFFFFFFFFFFFFF if w * 64 + 63 < u64(many, HEADER + 0x30)
              else (1 << (u64(many, HEADER + 0x30) - w * 64)) - 1)
    put64(many, HEADER + 0x28, u64(many, HEADER + 0x30))
    cases["bitmap_more_pages_than_file"] = many
    put64(cases["bitmap_first_page_past_end"], HEADER + 0x20, 0x100000)
    return cases


def rdmp_cases(s):
    return {
        "rdmp_ok": as_rdmp(s),
        "rdmp_cut_0x2010": as_rdmp(s)[:0x2010],
        "rdmp_bad_signature": as_rdmp(s).replace(b"RDMPDUMP", b"XDMPDUMP", 1),
        "rdmp_metadata_mismatch": as_rdmp(s, metadata=0x20),
        "rdmp_overlap": as_rdmp(s, ranges=[(0x100, 40), (0x120, 37)]),
        "rdmp_count_overflow": as_rdmp(s, ranges=[(0x100, 77), (0x200, 0xFFFFFFFFFFFFFFFF)]),
        "rdmp_absurd_base": as_rdmp(s, ranges=[(0x100, 77), (0xFFFFFFFFFFFFF, 1)]),
    }


def kernel_cases(s):
    links, mm = s.field["_EPROCESS.ActiveProcessLinks"], s.field["_EPROCESS.MmProcessLinks"]
    table_code = s.cid_table + s.field["_HANDLE_TABLE.TableCode"]
    second, third = s.processes[1], s.processes[2]
    flink2 = s.va_offset(second + links)
    mm_flink2 = s.va_offset(second + mm)
    tc_at = s.va_offset(table_code)
    code = u64(s.bytes, tc_at)
    head_entries, _ = s.walk(s.active_head)
    pml4e_at, pdpte_at = head_entries[0][1], head_entries[1][1]
    pml4_pa = s.dtb
    cases = {
        "flink_noncanonical": patched(s, (flink2, NON_CANONICAL, 8)),
        "flink_user_pointer": patched(s, (flink2, USER_POINTER, 8)),
        "flink_missing_page": patched(s, (flink2, UNMAPPED_KERNEL, 8)),
        "flink_cycle": patched(s, (s.va_offset(third + links), second + links, 8)),
        "flink_self": patched(s, (flink2, second + links, 8)),
        "mm_flink_cycle": patched(s, (mm_flink2, second + mm, 8)),
        "mm_flink_user_pointer": patched(s, (mm_flink2, USER_POINTER, 8)),
        "head_flink_noncanonical": patched(s, (s.va_offset(s.active_head), NON_CANONICAL, 8)),
        "handle_level_code_3": patched(s, (tc_at, (code & ~7) | 3, 8)),
        "handle_table_missing": patched(s, (tc_at, UNMAPPED_KERNEL, 8)),
        # A two-level table whose directory is the table's own leaf: every slot points back.
        "handle_directory_self": patched(s, (tc_at, (code & ~7) | 1, 8),
                                         (s.va_offset(code & ~7), code & ~7, 8)),
        # Page-table cycles: the PDPTE of the kernel's own addresses points back at the PML4,
        # and the PML4E of the kernel half points at the PML4 itself.
        "pt_cycle_pdpte": patched(s, (pdpte_at, pml4_pa | 0x63, 8)),
        "pt_self_pml4e": patched(s, (pml4e_at, pml4_pa | 0x63, 8)),
    }
    return cases


def name_cases(s):
    """Strings the tool prints, made of bytes that are not UTF-8 (issue 13 item 7): the kernel
    section that holds the idle process renamed "<name>_\\xb0", the CodeView PDB name
    "ntkrnlmp\\xb0pdb" and the second process's ImageFileName with \\xb0 for its third byte."""
    info = s.tool("--info")
    base = int(info["kernel"]["kernel_base"], 16)
    pe = u32(s.bytes, s.va_offset(base + 0x3C))
    nt = base + pe
    sections = struct.unpack_from("<H", s.bytes, s.va_offset(nt + 6))[0]
    optional_size = struct.unpack_from("<H", s.bytes, s.va_offset(nt + 20))[0]
    table = nt + 24 + optional_size
    held = {p["kernel_section"] for p in s.tool("--view", "all")["processes"]
            if p.get("kernel_section")}
    out = bytearray(s.bytes)
    for i in range(sections):
        at = s.va_offset(table + 40 * i)
        name = bytes(s.bytes[at:at + 8]).rstrip(b"\0")
        if name.decode() in held:
            out[at:at + 8] = (name[:6] + b"_\xb0" + bytes(8))[:8]
    debug_rva = u32(s.bytes, s.va_offset(nt + 24 + 112 + 6 * 8))
    rsds = base + u32(s.bytes, s.va_offset(base + debug_rva + 20))
    pdb_at = s.va_offset(rsds + 24)
    dot = bytes(s.bytes[pdb_at:pdb_at + 64]).index(b".pdb")
    out[pdb_at + dot] = 0xB0
    name_at = s.va_offset(s.processes[1] + s.field["_EPROCESS.ImageFileName"])
    out[name_at + 2] = 0xB0
    return {"names_not_utf8": out}


TRIAGE = ROOT / "testdata" / "real" / "triage_x64.dmp"


def triage_cases():
    """The real triage dump, cut before its data blocks (0x19438) to keep the corpus small, with
    its driver list damaged (TRIAGE_DUMP64 at 0x2000: DriverCount 0x2034, the list at 0x10828,
    the string pool at 0x15d18, the unloaded drivers' count at 0x20d0)."""
    real = bytearray(TRIAGE.read_bytes())
    head = real[:0x19438]

    def with_patch(off, value, size):
        data = bytearray(head)
        (put32 if size == 4 else put64)(data, off, value)
        return data

    return {
        "triage_drivers_cut": real[:0x10828 + 10 * 0x90 + 0x20],
        "triage_driver_count_huge": with_patch(0x2034, 0xFFFFFFFF, 4),
        "triage_driver_name_huge": with_patch(0x15D18, 0xFFFFFFF0, 4),
        "triage_unloaded_count_huge": with_patch(0x20D0, 1000, 8),
    }


BUILTIN = ROOT / "src" / "kernel" / "builtin_profiles.cpp"
MEMBER_ROW = re.compile(r'\{"(\w+)", "(\w+)", (0x[0-9a-f]+), (\d+), MemberKind::(\w+), "([^"]*)", '
                        r'(\d+), (\d+), (\d+),')
SIZE_ROW = re.compile(r'\{"(\w+)", (0x[0-9a-f]+)\},')


def builtin_rows(row):
    """The members and sizes of built-in row `row`, read from the generated table."""
    text = BUILTIN.read_text()

    def block(name):
        start = text.index(f"const {name}[] = {{")
        return text[start:text.index("};", start)]
    members = [(t, m, int(o, 16), int(sz), kind, tn, int(c), int(bp), int(bl))
               for t, m, o, sz, kind, tn, c, bp, bl in
               MEMBER_ROW.findall(block(f"MemberRow k{row}Members"))]
    sizes = {t: int(sz, 16) for t, sz in SIZE_ROW.findall(block(f"SizeRow k{row}Sizes"))}
    return members, sizes


def isf_from_builtin(row):
    """A Volatility 3 ISF with the layout of built-in row `row`: what the tool reads of a real
    symbol file, made from the repository's own data (no symbol file needed)."""
    members, sizes = builtin_rows(row)
    base_types = {"void": {"kind": "void", "size": 0, "signed": False, "endian": "little"}}
    enums, user_types = {}, {}

    def base(name, size, signed):
        base_types.setdefault(name, {"kind": "char" if size == 1 else "int", "size": size,
                                     "signed": signed, "endian": "little"})
        return {"kind": "base", "name": name}

    def ref(name, size):
        if name.startswith("_"):
            return {"kind": "struct", "name": name}
        return base(name, size, not name.startswith("unsigned") and name != "void")

    type_sizes = dict(sizes)
    for t, m, off, size, kind, tn, count, bp, bl in members:
        type_sizes[t] = max(type_sizes.get(t, 0), off + size) if t not in sizes else sizes[t]
        if kind == "Struct" and tn not in sizes:
            type_sizes[tn] = max(type_sizes.get(tn, 0), size)
    for t, m, off, size, kind, tn, count, bp, bl in members:
        if kind == "Pointer":
            ty = {"kind": "pointer", "subtype": ref(tn, 8)}
        elif kind in ("Unsigned", "Signed"):
            ty = base(tn, size, kind == "Signed")
        elif kind == "Bitfield":
            ty = {"kind": "bitfield", "bit_position": bp, "bit_length": bl,
                  "type": base(tn, size, False)}
        elif kind == "CharArray":
            ty = {"kind": "array", "count": count, "subtype": base(tn, 1, False)}
        elif kind == "Array":
            ty = {"kind": "array", "count": count, "subtype": ref(tn, size // max(count, 1))}
        elif kind == "Enum":
            enums[tn] = {"base": "long", "size": size, "constants": {}}
            ty = {"kind": "enum", "name": tn}
        else:
            ty = {"kind": "struct", "name": tn}
        user_types.setdefault(t, {"kind": "struct", "fields": {}})["fields"][m] = \
            {"offset": off, "type": ty}
    for t, size in type_sizes.items():
        user_types.setdefault(t, {"kind": "struct", "fields": {}})["size"] = size
    return {"metadata": {"format": "6.2.0", "producer": {"name": "tests/bad/make_bad.py",
                                                          "version": "1"}},
            "base_types": base_types, "enums": enums, "symbols": {}, "user_types": user_types}


def isf_variant(isf, change):
    out = json.loads(json.dumps(isf))
    change(out)
    return out


def field(isf, qualified):
    t, m = qualified.split(".")
    return isf["user_types"][t]["fields"][m]


def isf_cases(out_dir):
    (out_dir / "isf_not_json.json").write_text("this is not { json\n")
    (out_dir / "isf_no_eprocess.json").write_text(json.dumps({
        "metadata": {"format": "6.2.0"}, "base_types": {}, "enums": {}, "symbols": {},
        "user_types": {"_KPROCESS": {"kind": "struct", "size": 8, "fields": {}}}}))
    (out_dir / "isf_type_without_fields.json").write_text(json.dumps({
        "metadata": {"format": "6.2.0"}, "base_types": {}, "enums": {}, "symbols": {},
        "user_types": {"_EPROCESS": {"kind": "struct", "size": 2048}}}))
    (out_dir / "isf_corrupt.json.xz").write_bytes(lzma.compress(b'{"metadata": {}}')[:24] + bytes(40))
    # 80 MiB of blanks in 12 KiB: the loader must stop at its size cap, not allocate it all.
    (out_dir / "isf_bomb.json.xz").write_bytes(lzma.compress(b" " * (80 << 20), preset=1))
    # Symbol files with the layout of the sample's row (7601c), whole and then each with one
    # structural defect (checked by tests/cli/cases/bad.cmake: exit 1 naming type and member).
    good = isf_from_builtin("7601c")

    def setf(qualified, key, value):
        return lambda isf: field(isf, qualified).__setitem__(key, value)

    def sizeof(t, value):
        return lambda isf: isf["user_types"][t].__setitem__("size", value)
    bad = {
        "isf_member_past_type": setf("_EPROCESS.ImageFileName", "offset", 0x7FFFFFFF),
        "isf_eprocess_0x40": sizeof("_EPROCESS", 0x40),
        "isf_size_absurd": sizeof("_EPROCESS", 0x7FFFFFFF),
        "isf_size_zero": sizeof("_EPROCESS", 0),
        "isf_offset_negative": setf("_EPROCESS.ActiveProcessLinks", "offset", -8),
        "isf_offset_huge": setf("_EPROCESS.UniqueProcessId", "offset", (1 << 32) + 0x180),
        "isf_pointer_for_array": setf("_EPROCESS.ImageFileName", "type",
                                      {"kind": "pointer", "subtype": {"kind": "base",
                                                                      "name": "unsigned char"}}),
        "isf_array_for_list": setf("_EPROCESS.ActiveProcessLinks", "type",
                                   {"kind": "array", "count": 16, "subtype":
                                    {"kind": "base", "name": "unsigned char"}}),
        "isf_struct_for_pointer": setf("_KTHREAD.Process", "type",
                                       {"kind": "struct", "name": "_LIST_ENTRY"}),
        "isf_bit_outside": lambda isf: field(isf, "_EPROCESS.ProcessInserted")["type"]
        .__setitem__("bit_position", 40),
        "isf_bit_position_huge": lambda isf: field(isf, "_EPROCESS.ProcessDelete")["type"]
        .__setitem__("bit_position", 300),
        "isf_kprocess_member_past": setf("_KPROCESS.DirectoryTableBase", "offset", 0x160),
        "isf_symbol_huge": lambda isf: isf["symbols"].__setitem__(
            "PspCidTable", {"address": 1 << 40}),
    }
    (out_dir / "isf_7601c.json").write_text(json.dumps(good, sort_keys=True) + "\n")
    for name, change in bad.items():
        text = json.dumps(isf_variant(good, change), sort_keys=True) + "\n"
        (out_dir / f"{name}.json").write_text(text)
    # One defect behind xz too, the form real symbol files come in.
    (out_dir / "isf_member_past_type.json.xz").write_bytes(
        lzma.compress((out_dir / "isf_member_past_type.json").read_bytes()))
    pdb_cases(out_dir)


MSF7_MAGIC = b"Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0"


def pdb_cases(out_dir):
    """Malformed PDB files (the real ones are built at test time by clang-14 and lld-link-14)."""
    (out_dir / "pdb_not_msf.pdb").write_bytes(b"this is not a program database\n")
    # An MSF superblock (4 KiB blocks, 3 blocks, a 64-byte directory in block 2) in a file of
    # 1 KiB: cut inside its first block.
    superblock = MSF7_MAGIC + struct.pack("<IIIIII", 4096, 1, 3, 64, 0, 2)
    (out_dir / "pdb_truncated.pdb").write_bytes(superblock + bytes(1024 - len(superblock)))
    # The same superblock in a file of the size it claims, every other byte garbage.
    state, garbage = 0x12345678, bytearray()
    while len(garbage) < 3 * 4096 - len(superblock):
        state = (state * 1103515245 + 12345) & 0xFFFFFFFF
        garbage.append(state >> 24)
    (out_dir / "pdb_garbage.pdb").write_bytes(superblock + bytes(garbage))


# Cases rejected before any kernel structure is read keep only their headers and two pages.
SHORT = {"type2_summary", "type3_header_only", "type7_automatic", "type_unknown", "machine_x86",
         "runs_filler", "runs_zero", "runs_44", "runs_overflow", "run_absurd_count",
         "run_absurd_base", "run_overlap", "run_descending", "dtb_missing", "dtb_zero",
         "bitmap_bad_signature", "bitmap_size_zero", "bitmap_size_huge", "bitmap_size_overflow",
         "bitmap_pages_mismatch", "bitmap_first_page_unaligned", "rdmp_bad_signature",
         "rdmp_metadata_mismatch", "rdmp_overlap"}


def shortened(name, data):
    if name not in SHORT:
        return data
    keep = 0x3000 if name.startswith(("bitmap", "rdmp")) else HEADER
    return data[:keep + 2 * PAGE]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumpprocs", required=True, help="a built dumpprocs binary")
    parser.add_argument("--out-dir", default=str(ROOT / "testdata" / "bad"))
    parser.add_argument("--check", action="store_true",
                        help="write to a temporary directory and compare with --out-dir")
    args = parser.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            write_corpus(args.dumpprocs, pathlib.Path(tmp))
            return compare(pathlib.Path(tmp), pathlib.Path(args.out_dir))
    write_corpus(args.dumpprocs, pathlib.Path(args.out_dir))
    return 0


def compare(fresh, committed):
    bad = []
    for path in sorted(fresh.rglob("*")):
        other = committed / path.relative_to(fresh)
        if path.is_symlink():
            same = other.is_symlink() and os.readlink(other) == os.readlink(path)
        elif path.is_dir():
            same = other.is_dir()
        else:
            same = other.is_file() and not other.is_symlink() and \
                other.read_bytes() == path.read_bytes()
        if not same:
            bad.append(str(path.relative_to(fresh)))
    if bad:
        print(f"{committed} differs from the generator in: {', '.join(bad)}; rerun "
              f"tests/bad/make_bad.py --dumpprocs build/src/dumpprocs", file=sys.stderr)
        return 1
    print(f"{committed} is current")
    return 0


def write_corpus(dumpprocs, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    s = Sample(SAMPLE, dumpprocs)
    cases = {}
    for make in (header_cases, bitmap_cases, rdmp_cases, kernel_cases, name_cases):
        cases.update(make(s))
    cases.update(triage_cases())
    for name, data in sorted(cases.items()):
        (out_dir / f"{name}.dmp").write_bytes(bytes(shortened(name, data)))
    isf_cases(out_dir)
    # File-system cases: a directory that looks like a dump, a symlink loop and a device.
    (out_dir / "directory.dmp").mkdir(exist_ok=True)
    (out_dir / "directory.dmp" / "README").write_text("a directory named like a dump\n")
    for name, target in (("symlink_loop.dmp", "symlink_loop.dmp"), ("device.dmp", "/dev/null")):
        link = out_dir / name
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(target, link)
    print(f"{len(cases)} dumps written to {out_dir}")


if __name__ == "__main__":
    sys.exit(main())
