#include "dumpprocs/analysis/session.hpp"

#include <system_error>

#include <fmt/format.h>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/dumpfile/raw_image.hpp"
#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/symbol_search.hpp"

namespace dumpprocs::analysis {
namespace {

using Level = Message::Level;
using formats::kMachineAmd64;
constexpr std::uint64_t kMinRawImageSize = 1ULL << 20;
constexpr std::uint32_t kMachineArm64 = 0xAA64;

// The header's facts are kept when its root reaches PsActiveProcessHead and System is the first
// process there (kernel::headerReachesSystem decides, with no profile chosen yet).
std::optional<std::string> headerProblem(const dumpfile::CrashDump& dump,
                                         const kernel::DumpFacts& f) {
    if (!f.ps_active_process_head)
        return "the header gives no PsActiveProcessHead";
    X64AddressSpace as(dump, f.directory_table_base);
    return kernel::headerReachesSystem(as, *f.ps_active_process_head);
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
                                            kernel::DumpFacts header,
                                            std::vector<Message>* messages) {
    const auto problem = headerProblem(dump, header);
    if (!problem)
        return header;
    auto warn = [messages](std::string text) {
        if (messages)
            messages->push_back({Level::Warn, std::move(text)});
    };
    auto found = kernel::discoverKernel(dump, {});
    if (!found) {
        warn(fmt::format("the header's DirectoryTableBase {:#x} / PsActiveProcessHead do not "
                         "reach the System process ({}); a scan of the memory found nothing "
                         "better ({}); using the header",
                         header.directory_table_base, *problem, found.error().message));
        return header;
    }
    kernel::DumpFacts f = found->facts;
    warn(fmt::format("the header disagrees with the memory: {}; using DirectoryTableBase {:#x} and "
                     "PsActiveProcessHead {:#x} found by scanning (--trust-header keeps the "
                     "header's)",
                     *problem, f.directory_table_base, f.ps_active_process_head.value_or(0)));
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

kernel::KernelOptions kernelOptionsFor(const OpenOptions& o, std::string damage) {
    kernel::KernelOptions ko;
    ko.forced_profile = o.profile;
    ko.isf_path = o.symbols;
    if (!o.symbol_path.text.empty())
        ko.symbol_path = kernel::parseSymbolPath(o.symbol_path.text, o.symbol_path.origin);
    ko.damage = std::move(damage);
    ko.trust_profile = o.trust_profile;
    ko.profile_cache = o.profile_cache;
    return ko;
}

Session::~Session() = default;

void Session::note(Level level, std::string text) {
    messages_.push_back({level, std::move(text)});
}

std::vector<Message> Session::takeMessages() {
    return std::exchange(messages_, {});
}

Expected<std::unique_ptr<Session>> Session::open(const std::filesystem::path& path,
                                                 const OpenOptions& options) {
    std::unique_ptr<Session> s(new Session);
    s->path_ = path;
    s->options_ = options;
    if (options.raw || looksLikeRawImage(path)) {
        DP_TRY(s->raw_, dumpfile::RawImage::open(path));
        s->container_ = Container::Raw;
        if (!options.raw)
            s->note(Level::Info, fmt::format("{}: not a crash dump; reading it as a raw physical "
                                             "memory image",
                                             path.string()));
        // A raw image has nothing to read without the kernel: it is found at once.
        auto found = kernel::discoverKernel(*s->raw_, kernel::DiscoveryOptions{options.dtb});
        if (found) {
            for (const auto& line : found->log)
                s->note(Level::Debug, "scan: " + line);
            s->discovery_ = std::move(*found);
        } else {
            s->discovery_problem_ = found.error().message;
        }
        (void)s->kernel();
        return s;
    }
    DP_TRY(s->dump_, dumpfile::CrashDump::open(path));
    s->container_ = s->dump_->hasPhysicalMemory() ? Container::CrashDump : Container::Triage;
    for (const auto& w : s->dump_->warnings())
        s->note(Level::Warn, w);
    return s;
}

const PhysicalMemory* Session::physicalMemory() const {
    if (raw_)
        return raw_.get();
    return dump_ && dump_->hasPhysicalMemory() ? dump_.get() : nullptr;
}

const kernel::Discovery* Session::discovery() const {
    return discovery_ ? &*discovery_ : nullptr;
}

std::optional<Error> Session::kernelImpossible() const {
    if (!dump_)
        return std::nullopt;
    const auto& h = dump_->header();
    if (h.machine_image_type != kMachineAmd64)
        return makeError(ErrorCode::Unsupported,
                         "{}: machine type {:#x} ({}): dumpprocs reads x64 kernels only; --info "
                         "still reports the header",
                         dump_->path().string(), h.machine_image_type,
                         h.machine_image_type == kMachineArm64 ? "ARM64" : "not x64");
    if (!dump_->hasPhysicalMemory() && !dump_->triageMemory())
        return makeError(ErrorCode::Unsupported,
                         "{}: a {} dump (DumpType {}) holds no physical memory; process views "
                         "need a kernel or complete memory dump (--info reports what it has)",
                         dump_->path().string(), dumpfile::dumpTypeName(h.dump_type), h.dump_type);
    return std::nullopt;
}

Expected<std::unique_ptr<kernel::KernelContext>> Session::openKernel() {
    if (raw_) {
        if (!discovery_)
            return makeError(ErrorCode::NotFound, "{}", discovery_problem_);
        auto k = kernel::KernelContext::open(*raw_, discovery_->facts, kernelOptionsFor(options_));
        if (k) {
            for (const auto& n : (*k)->profileChoice().notes)
                note(Level::Debug, n);
            for (const auto& w : (*k)->warnings())
                note(Level::Warn, w);
        }
        return k;
    }
    if (auto why = kernelImpossible())
        return *why;
    const auto& dump = *dump_;
    kernel::KernelOptions ko =
        kernelOptionsFor(options_, dump.truncation() ? dump.truncation()->describe() : "");
    Expected<std::unique_ptr<kernel::KernelContext>> k = makeError(ErrorCode::NotFound, "");
    if (const auto* saved = dump.triageMemory(); saved && !dump.hasPhysicalMemory()) {
        // A triage dump: the few ranges it saved, and the header's facts unchecked.
        ko.partial_memory = true;
        k = kernel::KernelContext::open(*saved, kernel::factsFromHeader(dump.header()), ko);
    } else {
        auto facts = kernel::factsFromHeader(dump.header());
        if (!options_.trust_header)
            facts = reconcileHeaderWithMemory(dump, facts, &messages_);
        k = kernel::KernelContext::open(dump, facts, ko);
    }
    if (!k)
        return k.error().context(dump.path().string());
    for (const auto& n : (*k)->profileChoice().notes)
        note(Level::Debug, n);
    for (const auto& w : (*k)->warnings())
        note(Level::Warn, w);
    note(Level::Debug,
         fmt::format("profile {}: {}", (*k)->profile().name, (*k)->profileChoice().reason));
    return k;
}

Expected<const kernel::KernelContext*> Session::kernel() {
    if (!kernel_tried_) {
        kernel_tried_ = true;
        if (auto k = openKernel())
            kernel_ = std::move(*k);
        else
            kernel_error_ = k.error();
    }
    if (kernel_)
        return kernel_.get();
    return *kernel_error_;
}

bool Session::hasSavedDriverList() const {
    return dump_ && dump_->triage() && !dump_->hasPhysicalMemory();
}

Expected<kernel::ModuleList> Session::modules() {
    if (hasSavedDriverList()) {
        // A triage dump carries its own copy of the driver list, readable whatever the machine
        // (ARM64 too) and without the kernel: the PsLoadedModuleList ring is not among the saved
        // memory.
        const auto& t = *dump_->triage();
        if (t.driver_count == 0 && t.unloaded_drivers.empty())
            return makeError(ErrorCode::NotFound,
                             "{}: the triage dump saved no driver list (DriverCount 0)",
                             dump_->path().string());
        return kernel::modulesFromTriage(t);
    }
    DP_TRY(const kernel::KernelContext* k, kernel());
    return kernel::modulesOfKernel(*k);
}

} // namespace dumpprocs::analysis
