#pragma once
// Dumps of big machines (16 GiB to 1 TiB of RAM) for the benchmarks. The file is written
// sparse: the header, the run list or bitmap, then only the pages the kernel uses, each seeked to
// its own file offset; every other RAM page is a hole that reads as zeros and takes no disk.

#include <cstdint>
#include <string>
#include <vector>

#include "dumpgen/dump_writer.hpp"
#include "dumpgen/memory_image.hpp"
#include "dumpgen/scenario.hpp"

namespace dumpgen {

// The RAM map of a PC with `ram_bytes` of memory: the first 640 KiB less page 0, up to 3 GiB
// below the PCI hole, the rest above 4 GiB. Three runs, so a type-1 header can hold it.
std::vector<RamRun> pcRamMap(std::uint64_t ram_bytes);

// Frames picked pseudo-randomly (but reproducibly) from `ram`, so the kernel's structures and
// page tables lie far apart across the whole span. Empty `ram`: the default packed placement.
FramePlacement scatteredOver(const std::vector<RamRun>& ram);

// Writes a dump of type 1 (runs) or 5/6 (bitmap) whose stored pages are exactly `ram`; the frames
// of `memory` must lie inside it. All-zero frames are left as holes too.
void writeSparseDump(const PhysicalImage& memory, const DumpHeaderFields& fields,
                     const std::vector<RamRun>& ram, const std::string& path);

} // namespace dumpgen
