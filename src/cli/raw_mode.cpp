#include "dumpprocs/cli/raw_mode.hpp"

#include <cstdio>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dumpprocs/cli/app.hpp"
#include "dumpprocs/cli/run_modes.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/dumpfile/raw_image.hpp"
#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/raw_discovery.hpp"
#include "dumpprocs/report/raw_report.hpp"

namespace dumpprocs::cli {
namespace {

constexpr std::uint64_t kMinRawImageSize = 1ULL << 20;
using formats::kSystemPid;

// The header's root reaches PsActiveProcessHead, whose first entry has PID 4 in the qword right
// before its ActiveProcessLinks (UniqueProcessId precedes the links in every x64 layout).
std::optional<std::string> headerProblem(const dumpfile::CrashDump& dump,
                                         const kernel::DumpFacts& f) {
    if (!f.ps_active_process_head)
        return "the header gives no PsActiveProcessHead";
    X64AddressSpace as(dump, f.directory_table_base);
    auto flink = as.read<std::uint64_t>(*f.ps_active_process_head);
    if (!flink)
        return flink.error().message;
    auto pid = as.read<std::uint64_t>(*flink - 8);
    if (!pid)
        return pid.error().message;
    if (*pid != kSystemPid)
        return fmt::format("the first process on PsActiveProcessHead {:#x} has PID {:#x}, not "
                           "System's 4",
                           *f.ps_active_process_head, *pid);
    return std::nullopt;
}

void print(const std::string& text) {
    printResult(text);
}

} // namespace

bool looksLikeRawImage(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return false;
    const auto size = std::filesystem::file_size(path, ec);
    return !ec && size >= kMinRawImageSize && size % kPageSize == 0 &&
           !dumpfile::hasDumpSignature(path);
}

kernel::DumpFacts reconcileHeaderWithMemory(const dumpfile::CrashDump& dump,
                                            kernel::DumpFacts header) {
    const auto problem = headerProblem(dump, header);
    if (!problem)
        return header;
    auto found = kernel::discoverKernel(dump, {});
    if (!found) {
        spdlog::warn("the header's DirectoryTableBase {:#x} / PsActiveProcessHead do not reach the "
                     "System process ({}); a scan of the memory found nothing better ({}); using "
                     "the header",
                     header.directory_table_base, *problem, found.error().message);
        return header;
    }
    kernel::DumpFacts f = found->facts;
    spdlog::warn("the header disagrees with the memory: {}; using DirectoryTableBase {:#x} and "
                 "PsActiveProcessHead {:#x} found by scanning (--trust-header keeps the header's)",
                 *problem, f.directory_table_base, f.ps_active_process_head.value_or(0));
    if (!f.kd_debugger_data_block && header.kd_debugger_data_block) {
        f.kd_debugger_data_block = header.kd_debugger_data_block;
        f.kdbg_source = "header";
    }
    if (!f.ps_loaded_module_list) {
        f.ps_loaded_module_list = header.ps_loaded_module_list;
        f.loaded_module_list_source = "header";
    }
    if (f.build == 0 && header.build) {
        f.build = header.build;
        f.build_source = "header";
    }
    f.processors = header.processors;
    return f;
}

int runRawImage(const Options& o) {
    auto image = dumpfile::RawImage::open(o.dump_path);
    if (!image) {
        spdlog::error("{}", image.error().message);
        return kExitBadInput;
    }
    if (!o.raw)
        spdlog::info("{}: not a crash dump; reading it as a raw physical memory image",
                     o.dump_path);
    const dumpfile::RawImage& raw = **image;
    auto discovery = kernel::discoverKernel(raw, kernel::DiscoveryOptions{o.dtb});
    std::unique_ptr<kernel::KernelContext> k;
    std::string problem;
    ErrorCode problem_code = ErrorCode::NotFound;
    if (discovery) {
        for (const auto& line : discovery->log)
            spdlog::debug("scan: {}", line);
        auto opened = kernel::KernelContext::open(raw, discovery->facts, kernelOptionsFor(o));
        if (opened) {
            k = std::move(*opened);
            for (const auto& w : k->warnings())
                spdlog::warn("{}", w);
        } else {
            problem = opened.error().message;
            problem_code = opened.error().code;
        }
    } else {
        problem = discovery.error().message;
    }
    if (o.info) {
        std::optional<kernel::ModuleList> modules;
        if (k)
            if (auto m = kernel::modulesOfKernel(*k))
                modules = std::move(*m);
        print(report::renderRawInfo(raw, discovery ? &*discovery : nullptr, k.get(), problem,
                                    o.format, modules ? &*modules : nullptr));
        return kExitOk;
    }
    if (!o.read_text.empty() && (o.physical || k))
        return runReadWith(&raw, k.get(), o);
    if (!k) {
        spdlog::error("{}: {}{}", o.dump_path,
                      o.raw ? ""
                            : "not a crash dump, and as a raw "
                              "memory image: ",
                      problem);
        return problem_code == ErrorCode::Usage ? kExitUsage : kExitBadInput;
    }
    return runWithKernel(*k, o);
}

} // namespace dumpprocs::cli
