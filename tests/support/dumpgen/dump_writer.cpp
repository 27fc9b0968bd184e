#include "dumpgen/dump_writer.hpp"

#include <cstring>
#include <stdexcept>

namespace dumpgen {
namespace {

template <typename T> void put(std::vector<std::uint8_t>& out, std::size_t at, T value) {
    if (out.size() < at + sizeof(T))
        out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
}

struct Run {
    std::uint64_t base, count;
};

std::vector<Run> runsOf(const PhysicalImage& memory) {
    std::vector<Run> runs;
    for (const auto& [pfn, page] : memory.frames()) {
        if (!runs.empty() && runs.back().base + runs.back().count == pfn)
            ++runs.back().count;
        else
            runs.push_back({pfn, 1});
    }
    return runs;
}

} // namespace

// dump-format.md §1 and §7: the 0x2000-byte header, PAGE-filled, then the fields.
std::vector<std::uint8_t> headerPage(const DumpHeaderFields& f) {
    std::vector<std::uint8_t> h(0x2000);
    for (std::size_t i = 0; i < h.size(); i += 4)
        std::memcpy(h.data() + i, "PAGE", 4);
    std::memcpy(h.data() + 0x000, "PAGE", 4);
    std::memcpy(h.data() + 0x004, "DU64", 4);
    put<std::uint32_t>(h, 0x008, 0xF);
    put<std::uint32_t>(h, 0x00C, f.build);
    put<std::uint64_t>(h, 0x010, f.directory_table_base);
    put<std::uint64_t>(h, 0x018, f.pfn_database);
    put<std::uint64_t>(h, 0x020, f.ps_loaded_module_list);
    put<std::uint64_t>(h, 0x028, f.ps_active_process_head);
    put<std::uint32_t>(h, 0x030, 0x8664);
    put<std::uint32_t>(h, 0x034, f.processors);
    put<std::uint32_t>(h, 0x038, f.bugcheck_code);
    put<std::uint32_t>(h, 0x03C, 0);
    for (std::size_t i = 0; i < 4; ++i)
        put<std::uint64_t>(h, 0x040 + 8 * i, f.bugcheck_parameters[i]);
    std::memset(h.data() + 0x060, 0, 32); // VersionUser
    put<std::uint64_t>(h, 0x080, f.kd_debugger_data_block);
    // CONTEXT at 0x348 (3000 bytes): zeroed, then the fields kdmp-parser and WinDbg check.
    std::memset(h.data() + 0x348, 0, 3000);
    put<std::uint32_t>(h, 0x348 + 0x30, 0x10001F); // ContextFlags CONTEXT_ALL
    put<std::uint32_t>(h, 0x348 + 0x34, 0x1F80);   // MxCsr (0x37C)
    put<std::uint16_t>(h, 0x348 + 0x38, 0x10);     // SegCs
    put<std::uint16_t>(h, 0x348 + 0x3A, 0x2B);     // SegDs
    put<std::uint16_t>(h, 0x348 + 0x3C, 0x2B);     // SegEs
    put<std::uint16_t>(h, 0x348 + 0x3E, 0x53);     // SegFs
    put<std::uint16_t>(h, 0x348 + 0x40, 0x2B);     // SegGs
    put<std::uint16_t>(h, 0x348 + 0x42, 0x18);     // SegSs
    put<std::uint32_t>(h, 0x348 + 0x44, 0x246);    // EFlags
    put<std::uint64_t>(h, 0x348 + 0x98, f.rsp);
    put<std::uint64_t>(h, 0x348 + 0xF8, f.rip);
    put<std::uint32_t>(h, 0x348 + 0x118, 0x1F80); // FltSave.MxCsr (0x460) == MxCsr
    std::memset(h.data() + 0xF00, 0, 0x98);       // EXCEPTION_RECORD64
    put<std::uint32_t>(h, 0xF98, f.dump_type);
    put<std::uint32_t>(h, 0xF9C, 0);
    put<std::uint64_t>(h, 0xFA8, f.system_time);
    std::memset(h.data() + 0xFB0, 0, 128);
    std::memcpy(h.data() + 0xFB0, f.comment.data(), std::min<std::size_t>(f.comment.size(), 127));
    put<std::uint64_t>(h, 0x1030, f.system_uptime);
    put<std::uint32_t>(h, 0x1038, 0);     // MiniDumpFields
    put<std::uint32_t>(h, 0x103C, 0);     // SecondaryDataState
    put<std::uint32_t>(h, 0x1040, 1);     // ProductType WinNt
    put<std::uint32_t>(h, 0x1044, 0x110); // SuiteMask TerminalServer|SingleUserTS
    put<std::uint32_t>(h, 0x1048, 0);     // WriterStatus
    put<std::uint8_t>(h, 0x104C, 0);
    put<std::uint8_t>(h, 0x104D, 2); // KdSecondaryVersion
    put<std::uint16_t>(h, 0x104E, 0);
    return h;
}

namespace {

void appendPages(std::vector<std::uint8_t>& out, const PhysicalImage& memory) {
    for (const auto& [pfn, page] : memory.frames())
        out.insert(out.end(), page.begin(), page.end());
}

} // namespace

std::vector<std::uint8_t> writeDump(const PhysicalImage& memory, const DumpHeaderFields& f) {
    std::vector<std::uint8_t> out = headerPage(f);
    std::uint64_t pages = memory.frames().size();
    if (f.dump_type == 1) {
        const auto runs = runsOf(memory);
        if (runs.size() > 42)
            throw std::runtime_error("more than 42 physical runs: the header cannot hold them");
        put<std::uint32_t>(out, 0x88, static_cast<std::uint32_t>(runs.size()));
        put<std::uint32_t>(out, 0x8C, 0);
        put<std::uint64_t>(out, 0x90, pages);
        for (std::size_t i = 0; i < runs.size(); ++i) {
            put<std::uint64_t>(out, 0x98 + 16 * i, runs[i].base);
            put<std::uint64_t>(out, 0xA0 + 16 * i, runs[i].count);
        }
        appendPages(out, memory);
    } else if (f.dump_type == 5 || f.dump_type == 6) {
        // §2.2: bits a multiple of 64, HeaderSize page aligned with >= 4 zero bytes after the
        // bitmap.
        const std::uint64_t last = memory.frames().empty() ? 0 : memory.frames().rbegin()->first;
        const std::uint64_t bits = (last / 64 + 1) * 64;
        const std::uint64_t bitmap_bytes = bits / 8;
        const std::uint64_t header_size = 0x2000 + ((0x38 + bitmap_bytes + 4 + 0xFFF) & ~0xFFFULL);
        out.resize(header_size, 0);
        std::memcpy(out.data() + 0x2000, f.dump_type == 5 ? "FDMP" : "SDMP", 4);
        std::memcpy(out.data() + 0x2004, "DUMP", 4);
        put<std::uint64_t>(out, 0x2020, header_size);
        put<std::uint64_t>(out, 0x2028, pages);
        put<std::uint64_t>(out, 0x2030, bits);
        for (const auto& [pfn, page] : memory.frames())
            out[0x2038 + pfn / 8] =
                static_cast<std::uint8_t>(out[0x2038 + pfn / 8] | (1u << (pfn % 8)));
        appendPages(out, memory);
    } else if (f.dump_type >= 8 && f.dump_type <= 0xA) {
        // §2.4 (RDMP, kdmp-parser's reverse engineering): Marker 0x40, "RDMP", "DUMP" at 0x2000;
        // {StartPfn, NumberOfPages} ranges from 0x2030, ended by a zero PFN; pages consecutive
        // from FirstPageOffset, with MetadataSize - 0x20 == FirstPageOffset - 0x2040.
        const auto runs = runsOf(memory);
        const std::uint64_t ranges_end = 0x2030 + 16 * (runs.size() + 1);
        const std::uint64_t first_page = (ranges_end + 0xFFF) & ~0xFFFULL;
        out.resize(first_page, 0);
        put<std::uint32_t>(out, 0x2000, 0x40);
        std::memcpy(out.data() + 0x2004, "RDMP", 4);
        std::memcpy(out.data() + 0x2008, "DUMP", 4);
        put<std::uint64_t>(out, 0x2010, first_page - 0x2040 + 0x20); // MetadataSize
        put<std::uint64_t>(out, 0x2018, first_page);                 // FirstPageOffset
        if (f.dump_type == 0xA) {
            put<std::uint32_t>(out, 0x2020, static_cast<std::uint32_t>(runs.size()));
            put<std::uint64_t>(out, 0x2028, pages); // TotalNumberOfPages
        }
        for (std::size_t i = 0; i < runs.size(); ++i) {
            if (runs[i].base == 0)
                throw std::runtime_error("RDMP cannot store PFN 0 (it ends the range list)");
            put<std::uint64_t>(out, 0x2030 + 16 * i, runs[i].base);
            put<std::uint64_t>(out, 0x2038 + 16 * i, runs[i].count);
        }
        appendPages(out, memory);
    } else {
        throw std::runtime_error("dumpgen writes DumpType 1, 5, 6, 8, 9 or 0xA only");
    }
    put<std::uint64_t>(out, 0xFA0, out.size()); // RequiredDumpSpace = file size
    return out;
}

} // namespace dumpgen
