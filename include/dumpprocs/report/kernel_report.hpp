#pragma once
// Reports of the dump and its kernel: --info, --read, --cpus, --validate-list, --show-profile.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/kernel/loaded_modules.hpp"
#include "dumpprocs/report/format.hpp"

namespace dumpprocs::dumpfile {
class CrashDump;
}

namespace dumpprocs::report {

// "Windows 7 Kernel Version 7601 (Service Pack 1) MP (8 procs) Free x64", as WinDbg's vertarget.
std::string windowsVersionText(std::uint32_t build, std::uint32_t processors,
                               std::uint32_t major_version, std::uint32_t product_type);

// `kernel` is null when the kernel could not be read (the reason is in `kernel_problem`);
// `modules`, when known, names the module holding each bugcheck parameter that points into one.
std::string renderInfo(const dumpfile::CrashDump& dump, const kernel::KernelContext* kernel,
                       const std::string& kernel_problem, OutputFormat format,
                       const kernel::ModuleList* modules = nullptr);

struct ReadResult {
    std::uint64_t address = 0;
    bool physical = false;
    std::optional<std::uint64_t> physical_address; // of the first byte
    std::vector<std::byte> bytes;                  // what could be read, from `address` on
    std::size_t requested = 0;
    std::optional<std::string> error; // why the read stopped early
};
std::string renderRead(const ReadResult& result, OutputFormat format);

struct CpuRecord {
    unsigned number = 0;
    std::uint64_t prcb = 0;
    std::optional<std::uint64_t> idle_thread, current_thread, idle_process;
    std::optional<std::uint8_t> state;
    std::optional<std::int8_t> priority;
    std::optional<std::uint32_t> wait_time;
    std::string problem;
};
std::vector<CpuRecord> readCpus(const kernel::KernelContext& kernel);
std::string renderCpus(const std::vector<CpuRecord>& cpus, const std::string& problem,
                       OutputFormat format);

std::string renderValidateList(std::uint64_t head, const kernel::ListValidation& v,
                               OutputFormat format);

std::string renderShowProfile(const kernel::KernelContext& kernel, OutputFormat format);

} // namespace dumpprocs::report
