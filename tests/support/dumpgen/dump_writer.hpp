#pragma once
// Writes a PAGEDU64 crash dump of a PhysicalImage, following the generator recipe of
// data/reference/dump-format.md §7: type 1 (runs) or 5/6 (bitmap). Deliberately independent
// of the project's reader: offsets here are the spec's, written out by hand.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dumpgen/memory_image.hpp"

namespace dumpgen {

struct DumpHeaderFields {
    std::uint32_t build = 7601;
    std::uint64_t directory_table_base = 0;
    std::uint64_t pfn_database = 0; // the address of nt!MmPfnDatabase
    std::uint64_t ps_loaded_module_list = 0;
    std::uint64_t ps_active_process_head = 0;
    std::uint32_t processors = 1;
    std::uint32_t bugcheck_code = 0x1E;
    std::array<std::uint64_t, 4> bugcheck_parameters{};
    std::uint64_t kd_debugger_data_block = 0;
    std::uint32_t dump_type = 1;     // 1, 5 or 6
    std::uint64_t system_time = 0;   // FILETIME
    std::uint64_t system_uptime = 0; // 100 ns
    std::string comment;
    std::uint64_t rip = 0, rsp = 0;
};

// The first 0x2000 bytes (DUMP_HEADER64) of a dump with these fields; the run list, the summary
// header and RequiredDumpSpace are left for the caller.
std::vector<std::uint8_t> headerPage(const DumpHeaderFields& fields);

// The whole file as bytes.
std::vector<std::uint8_t> writeDump(const PhysicalImage& memory, const DumpHeaderFields& fields);

} // namespace dumpgen
