#!/usr/bin/env python3
"""Writes the fuzz seed corpora in tests/fuzz/corpus/<target>/ from the sample dumps in testdata/.

  fuzz_dumpfile   the first pages of each sample (header, run list or SDMP bitmap, a few pages)
                  and the first 64 KiB of the real triage dumps, plus each real triage dump
                  compacted: its header, TRIAGE_DUMP64 and unloaded drivers, then its first 8
                  loaded-driver entries and their names right after (the real lists lie past
                  64 KiB), everything else TRIAGE_DUMP64 points at dropped
  fuzz_addrspace  the single physical run of small samples, behind the target's prologue
                  {DirectoryTableBase, first PFN, 8 addresses from the header and --info}
  fuzz_pipeline   whole small samples (they are a few hundred KiB each), one with the header's
                  DirectoryTableBase zeroed (the façade reconciles it with the memory), and
                  the compacted x64 triage dump (the triage branch); the target also reads each
                  input as a raw image
  fuzz_isf        small symbol files from testdata/bad (the 7601c layout as an ISF, and two
                  malformed ones)
  fuzz_pdb        the malformed PDBs of testdata/bad, and with --pdb the stand-in kernel's real
                  PDB the test build makes (build/tests/pdb/ntkrnlmp.pdb, clang-14 + lld-link-14)
  fuzz_profile_cache  (with --dumpprocs) the bodies of the profile cache entries dumpprocs writes
                  for two --symbols runs (the 7601c ISF of testdata/bad, the 19041 ISF of data/):
                  each entry without its header and checksum, which the target puts back

Usage: tests/fuzz/make_corpus.py [--dumpprocs build/src/dumpprocs] [--pdb build/tests/pdb/ntkrnlmp.pdb]
(from the repository root)
The dumpprocs binary is asked for PspCidTable (--info --format json) so the address-space seeds
start at a real handle table.
"""
import argparse
import os
import json
import pathlib
import shutil
import struct
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
TESTDATA = ROOT / "testdata"
CORPUS = ROOT / "tests" / "fuzz" / "corpus"

HEADER_PREFIXES = {  # sample -> bytes kept for the header/page-map target
    "win7sp1_7601c_mm428.dmp": 0x3000,
    "dkom_19041.dmp": 0x3000,
    "win7sp1_7601_article_bitmap.dmp": 0x4000,
    "win81_9600_article.dmp": 0x4000,
}
TRIAGE_PREFIX = 0x10000
ADDRSPACE_SAMPLES = ["win7sp1_7601c_mm428.dmp"]
# Symbol files written by tests/bad/make_bad.py: the 7601c layout as an ISF, and one with a
# member past its type behind xz.
ISF_SEEDS = ["isf_7601c.json", "isf_member_past_type.json.xz", "isf_no_eprocess.json"]
PDB_SEEDS = ["pdb_garbage.pdb", "pdb_not_msf.pdb", "pdb_truncated.pdb"]
PIPELINE_SAMPLES = ["win7sp1_7601c_mm428.dmp", "dkom_7601.dmp", "broken_flink_19041.dmp",
                    "dkom_22631.dmp"]
RECONCILE_SAMPLE = "dkom_7601.dmp"


def header_fields(dump: bytes):
    dtb, pfn_db, modules, active = struct.unpack_from("<QQQQ", dump, 0x10)
    kdbg = struct.unpack_from("<Q", dump, 0x80)[0]
    runs = struct.unpack_from("<I", dump, 0x88)[0]
    first_run = struct.unpack_from("<QQ", dump, 0x98) if runs else (0, 0)
    return dtb, pfn_db, modules, active, kdbg, first_run


def cid_table(dumpprocs, path):
    if not dumpprocs:
        return 0
    out = subprocess.run([dumpprocs, str(path), "--info", "--format", "json"],
                         capture_output=True, text=True, check=False).stdout
    try:
        return int(json.loads(out)["kernel"]["psp_cid_table"], 16)
    except (ValueError, KeyError, TypeError):
        return 0


def addrspace_seed(path, dumpprocs):
    dump = path.read_bytes()
    dtb, pfn_db, modules, active, kdbg, (base, count) = header_fields(dump)
    addresses = [active, cid_table(dumpprocs, path), 0x00,  # TableCode at +0 (7601 and 10+)
                 kdbg, modules, pfn_db, 0x0000800000000000, dtb]
    prologue = struct.pack("<QQ8Q", dtb, base, *addresses)
    return prologue + dump[0x2000:0x2000 + count * 0x1000]


def compact_triage(data: bytes, keep=8):
    """A small triage dump whose driver list the fuzzer can reach (see the docstring)."""
    t = 0x2000
    list_off, count = struct.unpack_from("<II", data, t + 0x30)
    unloaded = struct.unpack_from("<I", data, t + 0x18)[0]
    n_unloaded = struct.unpack_from("<Q", data, unloaded)[0]
    end = (unloaded + 8 + 0x38 * n_unloaded + 0xF) & ~0xF
    out = bytearray(data[:end])
    for field in (0x1C, 0x20, 0x24, 0x28, 0x2C, 0x6C, 0x70, 0x74, 0x78, 0x7C):
        struct.pack_into("<I", out, t + field, 0)  # PRCB, process, thread, stack, data, KDBG
    keep = min(keep, count)
    entries = bytearray(data[list_off:list_off + 0x90 * keep])
    pool_at = end + len(entries)
    pool = bytearray()
    for i in range(keep):
        name_off = struct.unpack_from("<I", entries, 0x90 * i)[0]
        length = struct.unpack_from("<I", data, name_off)[0]
        text = data[name_off + 4:name_off + 4 + 2 * length + 2]
        struct.pack_into("<I", entries, 0x90 * i, pool_at + len(pool))
        pool += struct.pack("<I", length) + text
        pool += b"\0" * (-len(pool) % 8)
    struct.pack_into("<IIII", out, t + 0x30, end, keep, pool_at, len(pool))
    return bytes(out + entries + pool)


CACHE_SEEDS = [
    ("isf_7601c.body", "win7sp1_7601c_mm428.dmp", TESTDATA / "bad" / "isf_7601c.json"),
    ("isf_19041.body", "dkom_19041.dmp",
     ROOT / "data" / "windows-symbols" / "isf_jpcert" / "BBED7C2955FBE4522AAA23F4B8677AD9-1.json.xz"),
]


def profile_cache_body(dumpprocs, dump, isf):
    """The profile part of the cache entry a --symbols run writes (kernel/profile_cache.hpp)."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, XDG_CACHE_HOME=cache)
        subprocess.run([dumpprocs, str(TESTDATA / dump), "--symbols", str(isf), "--view",
                        "active"], env=env, check=False, capture_output=True)
        (entry,) = pathlib.Path(cache, "dumpprocs").glob("*.dpprofile")
        data = entry.read_bytes()
    pos = 8 + 4  # magic, format version
    pos += 4 + struct.unpack_from("<I", data, pos)[0]  # tool version
    pos += 8  # manifest signature
    pos += 4 + struct.unpack_from("<I", data, pos)[0]  # source path
    pos += 8 + 8  # source size, mtime
    return data[pos:-4]


def fresh(directory):
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    return directory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dumpprocs", help="a built dumpprocs, for PspCidTable")
    parser.add_argument("--pdb", help="the stand-in kernel's PDB of a test build, a fuzz_pdb seed")
    args = parser.parse_args()

    out = fresh(CORPUS / "fuzz_dumpfile")
    for name, size in HEADER_PREFIXES.items():
        (out / name.replace(".dmp", ".head")).write_bytes((TESTDATA / name).read_bytes()[:size])
    for name in ["triage_x64.dmp", "triage_arm64.dmp"]:
        data = (TESTDATA / "real" / name).read_bytes()
        (out / name.replace(".dmp", ".head")).write_bytes(data[:TRIAGE_PREFIX])
        (out / name.replace(".dmp", ".drivers")).write_bytes(compact_triage(data))

    out = fresh(CORPUS / "fuzz_addrspace")
    for name in ADDRSPACE_SAMPLES:
        (out / name.replace(".dmp", ".pages")).write_bytes(
            addrspace_seed(TESTDATA / name, args.dumpprocs))

    out = fresh(CORPUS / "fuzz_pipeline")
    for name in PIPELINE_SAMPLES:
        shutil.copyfile(TESTDATA / name, out / name)
    damaged = bytearray((TESTDATA / RECONCILE_SAMPLE).read_bytes())
    damaged[0x10:0x18] = bytes(8)  # DUMP_HEADER64.DirectoryTableBase
    (out / RECONCILE_SAMPLE.replace(".dmp", "_zero_dtb.dmp")).write_bytes(bytes(damaged))
    (out / "triage_x64.drivers").write_bytes(
        compact_triage((TESTDATA / "real" / "triage_x64.dmp").read_bytes()))

    out = fresh(CORPUS / "fuzz_isf")
    for name in ISF_SEEDS:
        shutil.copyfile(TESTDATA / "bad" / name, out / name)

    out = fresh(CORPUS / "fuzz_pdb")
    for name in PDB_SEEDS:
        shutil.copyfile(TESTDATA / "bad" / name, out / name)
    if args.pdb:
        shutil.copyfile(args.pdb, out / "standin_ntkrnlmp.pdb")

    if args.dumpprocs:
        out = fresh(CORPUS / "fuzz_profile_cache")
        for name, dump, isf in CACHE_SEEDS:
            (out / name).write_bytes(profile_cache_body(args.dumpprocs, dump, isf))


if __name__ == "__main__":
    main()
