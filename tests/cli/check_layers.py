#!/usr/bin/env python3
"""Checks the include graph of every layer against docs/architecture.md.

For every file under include/dumpprocs/<layer>/ and src/<layer>/, each
`#include "dumpprocs/<folder>/..."` must name a folder the layer may use; a quoted include
without the "dumpprocs/" prefix is a private header of the same folder. Within a layer, the files
grouped by stem (crash_dump.hpp + crash_dump.cpp) must not include each other in a circle, and the
folders must not include each other in a circle either.

Usage: check_layers.py REPO_ROOT      exit 0 when every rule holds, 1 with one line per breach
       check_layers.py --self-test    checks that a breach and a circle are reported
"""
import os
import re
import sys
import tempfile

# layer -> the project folders its files may include (its own always included). The order is
# formats/support -> memory -> dumpfile | addrspace -> kernel -> views -> crossview -> analysis
# -> report -> cli: dumpfile/ and addrspace/ are siblings; analysis/ (the façade) is the one way
# up from the dump to the reports; report/ renders models and never opens or reads a dump; cli/
# sees the layers below only through the façade's and the reports' headers.
BELOW_ANALYSIS = {"formats", "support", "memory", "dumpfile", "addrspace", "kernel", "views",
                  "crossview"}
ALLOWED = {
    "formats": {"formats"},
    "support": {"support", "formats"},
    "memory": {"formats", "support", "memory"},
    "dumpfile": {"memory", "formats", "support", "dumpfile"},
    "addrspace": {"memory", "formats", "support", "addrspace"},
    "kernel": {"formats", "support", "memory", "dumpfile", "addrspace", "kernel"},
    "views": {"formats", "support", "memory", "addrspace", "kernel", "views"},
    "crossview": {"formats", "support", "memory", "addrspace", "kernel", "views", "crossview"},
    "analysis": BELOW_ANALYSIS | {"analysis"},
    "report": {"formats", "support", "kernel", "views", "crossview", "analysis", "report"},
    "cli": {"formats", "support", "analysis", "report", "cli"},
}

# Known breaches, each with the work that removes it: (file relative to the root, folder). None
# today: --dt's reads moved to kernel/type_dump, and report/dt.* renders its model.
EXCEPTIONS = set()
# Include edges between a folder's files left out of its circle check, with the reason:
# (layer, including stem, included stem). None today: the built-in table moved to
# builtin_table.cpp and the KDBG readers to kdbg_scan.hpp, which ended kernel/'s two circles.
CYCLE_EXCEPTIONS = set()

# Types that read a dump. report/ renders models and reads no memory, so its files must not name
# them even through a header they may include (kernel/ headers declare models and readers side by
# side): a model the report needs is copied out by analysis/ (e.g. analysis::KernelSummary).
READERS = {"report": re.compile(r"\b(KernelContext|PhysicalMemory|VirtualMemory|X64AddressSpace|"
                                r"ProcessCatalog|analysis::Session)\b")}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def layer_files(root, layer):
    for top in (os.path.join(root, "include", "dumpprocs", layer), os.path.join(root, "src", layer)):
        for folder, _, names in os.walk(top):
            for name in sorted(names):
                if name.endswith((".hpp", ".cpp", ".h")):
                    yield os.path.join(folder, name)


def find_cycle(graph):
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def check(root):
    problems = []
    folders = {}  # layer -> the other layers it includes
    for layer in sorted(present_layers(root)):
        if layer not in ALLOWED:
            problems.append(f"{layer}/: not a known layer (add it to ALLOWED and "
                            f"docs/architecture.md)")
    for layer, allowed in ALLOWED.items():
        graph = {}
        for path in layer_files(root, layer):
            rel = os.path.relpath(path, root)
            stem = os.path.splitext(os.path.basename(path))[0]
            text = open(path, encoding="utf-8").read()
            if layer in READERS:
                for number, line in enumerate(text.splitlines(), 1):
                    if READERS[layer].search(line.split("//")[0]):
                        problems.append(f"{rel}:{number}: names a type that reads the dump: "
                                        f"{layer}/ renders models only")
            for target in INCLUDE.findall(text):
                parts = target.split("/")
                if parts[0] == "dumpprocs" and len(parts) >= 3:
                    folder = parts[1]
                    if folder != layer:
                        folders.setdefault(layer, set()).add(folder)
                    if folder not in allowed and (rel, folder) not in EXCEPTIONS:
                        problems.append(f"{rel}: includes {target}: {layer}/ may include only "
                                        f"{', '.join(sorted(allowed))}")
                        continue
                    if folder != layer:
                        continue
                    other = os.path.splitext(parts[-1])[0]
                elif parts[0] != "dumpprocs":
                    other = os.path.splitext(parts[-1])[0]  # private header of the folder
                else:
                    problems.append(f"{rel}: includes {target}: not under a layer folder")
                    continue
                if other != stem and (layer, stem, other) not in CYCLE_EXCEPTIONS:
                    graph.setdefault(stem, set()).add(other)
        cycle = find_cycle(graph)
        if cycle:
            problems.append(f"{layer}/: files include each other in a circle: "
                            f"{' -> '.join(cycle)}")
    cycle = find_cycle(folders)
    if cycle:
        problems.append(f"folders include each other in a circle: {' -> '.join(cycle)}")
    return problems


def present_layers(root):
    found = set()
    for top in (os.path.join(root, "include", "dumpprocs"), os.path.join(root, "src")):
        if os.path.isdir(top):
            found |= {n for n in os.listdir(top) if os.path.isdir(os.path.join(top, n))}
    return found


def self_test():
    with tempfile.TemporaryDirectory() as root:
        def write(rel, text):
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w", encoding="utf-8").write(text)

        write("include/dumpprocs/formats/a.hpp", "#include <cstdint>\n")
        write("include/dumpprocs/memory/m.hpp", '#include "dumpprocs/formats/a.hpp"\n')
        write("include/dumpprocs/dumpfile/x.hpp", '#include "dumpprocs/memory/m.hpp"\n')
        write("src/dumpfile/x.cpp", '#include "dumpprocs/dumpfile/x.hpp"\n#include "p.hpp"\n')
        write("src/dumpfile/p.hpp", "#pragma once\n")
        if check(root):
            print("self-test: a clean tree was reported:", check(root))
            return 1
        write("include/dumpprocs/dumpfile/y.hpp", '#include "dumpprocs/addrspace/z.hpp"\n')
        write("src/dumpfile/y.cpp", '#include "dumpprocs/dumpfile/x.hpp"\n')
        write("src/dumpfile/p.hpp", '#include "y.hpp"\n')
        write("include/dumpprocs/dumpfile/x.hpp", '#include "dumpprocs/dumpfile/p.hpp"\n')
        write("include/dumpprocs/formats/b.hpp", '#include "dumpprocs/support/error.hpp"\n')
        write("src/report/r.cpp", '#include "dumpprocs/dumpfile/x.hpp"\n')
        write("src/report/q.cpp", "void f(const kernel::KernelContext& k);\n")
        write("src/cli/c.cpp", '#include "dumpprocs/kernel/k.hpp"\n')
        write("src/kernel/k.cpp", '#include "dumpprocs/analysis/s.hpp"\n')
        write("src/analysis/s.cpp", '#include "dumpprocs/report/r.hpp"\n')
        write("src/views/v.cpp", '#include "dumpprocs/crossview/c.hpp"\n')
        write("src/crossview/c.cpp", '#include "dumpprocs/views/v.hpp"\n')
        write("src/gadgets/g.cpp", "\n")
        found = check(root)
        wanted = ["dumpfile/y.hpp: includes dumpprocs/addrspace/z.hpp",
                  "formats/b.hpp: includes dumpprocs/support/error.hpp",
                  "dumpfile/: files include each other in a circle",
                  "report/r.cpp: includes dumpprocs/dumpfile/x.hpp",
                  "report/q.cpp:1: names a type that reads the dump",
                  "cli/c.cpp: includes dumpprocs/kernel/k.hpp",
                  "kernel/k.cpp: includes dumpprocs/analysis/s.hpp",
                  "analysis/s.cpp: includes dumpprocs/report/r.hpp",
                  "views/v.cpp: includes dumpprocs/crossview/c.hpp",
                  "folders include each other in a circle: crossview -> views -> crossview",
                  "gadgets/: not a known layer"]
        missing = [w for w in wanted if not any(w in p for p in found)]
        if missing:
            print("self-test: not reported:", missing, "found:", found)
            return 1
    print("self-test: breaches and circles are reported")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        print(__doc__)
        return 2
    problems = check(argv[1])
    for p in problems:
        print(p)
    if not problems:
        print("layers: every folder includes only what it may, with no include circles")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
