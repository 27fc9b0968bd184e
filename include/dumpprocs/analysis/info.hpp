#pragma once
// The --info model: what the container and the kernel tell about the machine, as plain values
// copied out of the dump, so that the report renders it without reading the file.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/loaded_modules.hpp"
#include "dumpprocs/kernel/raw_discovery.hpp"

namespace dumpprocs::analysis {

class Session;

// A crash dump's header and page map, as --info shows them.
struct CrashDumpInfo {
    std::string path; // as given (not necessarily UTF-8)
    std::uint64_t file_size = 0;
    std::uint32_t dump_type = 0;
    std::string dump_type_name; // "full (complete memory dump)", ...
    std::uint32_t major_version = 0, build = 0, processors = 0, machine = 0;
    std::optional<std::uint32_t> product_type;
    std::optional<std::uint64_t> system_time, system_uptime;
    std::uint32_t bugcheck_code = 0;
    std::array<std::uint64_t, 4> bugcheck_parameters{};
    std::uint64_t directory_table_base = 0;
    std::optional<std::uint64_t> ps_loaded_module_list, ps_active_process_head,
        kd_debugger_data_block, pfn_database;
    std::string comment;
    bool has_physical_memory = false;
    std::uint64_t present_pages = 0;
    struct Run {
        std::uint64_t base_page = 0, page_count = 0;
    };
    std::vector<Run> runs;
    // A triage dump's saved virtual memory: ranges, bytes, and where the PRCB, thread and
    // process it saved are.
    struct SavedMemory {
        std::size_t ranges = 0;
        std::uint64_t bytes = 0;
        std::optional<std::uint64_t> prcb, thread, process;
    };
    std::optional<SavedMemory> saved_memory;
    std::vector<std::string> warnings; // the file's problems
};

// A raw image: its size and the extents that hold data.
struct RawImageInfo {
    std::string path;
    std::uint64_t file_size = 0;
    std::uint64_t page_span = 0, present_pages = 0, data_extents = 0;
};

// What the opened kernel tells, copied out of the KernelContext so the report renders values and
// holds nothing that reads memory.
struct KernelSummary {
    kernel::DumpFacts facts; // the values in use (a header's, or what the memory corrected)
    std::optional<kernel::KernelImage> image;
    std::string profile_name;
    kernel::ProfileMethod profile_method{};
    kernel::Sourced ps_active_process_head;
    std::optional<kernel::Sourced> ps_loaded_module_list;
    std::optional<kernel::Sourced> psp_cid_table; // the _HANDLE_TABLE address
    std::string cid_table_problem;                // why psp_cid_table is unknown
    std::optional<std::uint32_t> kdbg_size;       // when the KDBG block was read and checked
    std::vector<std::string> warnings;
};
KernelSummary summarizeKernel(const kernel::KernelContext& kernel);

struct InfoModel {
    std::optional<CrashDumpInfo> dump; // exactly one of dump and raw is set
    std::optional<RawImageInfo> raw;
    const kernel::Discovery* discovery = nullptr; // a raw image's scan, when it found the kernel
    std::optional<KernelSummary> kernel;          // nullopt when the kernel could not be read
    std::string kernel_problem;                   // why, when it could not
    std::optional<kernel::ModuleList> modules;    // places the bugcheck parameters
};

// Opens the kernel if it can (a failure is part of the model, not an error) and gathers the rest.
// The model points into `session`, which must outlive it.
InfoModel info(Session& session);

// The container's part alone, without opening the kernel (`kernel_problem` says why not); with
// a triage dump's saved driver list when it has one.
InfoModel containerInfo(const Session& session, std::string kernel_problem);

} // namespace dumpprocs::analysis
