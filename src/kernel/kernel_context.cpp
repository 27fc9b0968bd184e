#include "dumpprocs/kernel/kernel_context.hpp"

#include "dumpprocs/dumpfile/crash_dump.hpp"

#include "dumpprocs/kernel/kdbg_scan.hpp"
#include "dumpprocs/kernel/profile_manifest.hpp"
#include <algorithm>

#include <set>

#include <fmt/format.h>

namespace dumpprocs::kernel {

DumpFacts factsFromHeader(const dumpfile::HeaderInfo& h) {
    DumpFacts f;
    f.directory_table_base = h.directory_table_base;
    f.ps_active_process_head = h.ps_active_process_head;
    f.ps_loaded_module_list = h.ps_loaded_module_list;
    f.kd_debugger_data_block = h.kd_debugger_data_block;
    f.build = h.minor_version;
    f.processors = h.number_processors;
    f.system_time = h.system_time;
    return f;
}
namespace {

constexpr unsigned kMaxProcessors =
    64; // KiProcessorBlock has 64 slots on x64 (dump-format.md §4.1)

// _KLDR_DATA_TABLE_ENTRY.DllBase offsets known to the built-in data (the profile is not chosen yet
// when the kernel image is looked for, and the PDB GUID found there helps choose it).
std::set<std::uint32_t> knownDllBaseOffsets() {
    std::set<std::uint32_t> offsets;
    for (const auto& row : builtinProfiles())
        if (const MemberInfo* m = row.member("_KLDR_DATA_TABLE_ENTRY.DllBase"))
            offsets.insert(m->offset);
    return offsets;
}

// A triage dump rarely holds a whole list, so no row may validate; the header's build then
// decides, and the choice says it was not checked.
Expected<ProfileChoice> unvalidatedRowOfBuild(std::uint32_t build, const Error& why) {
    for (const auto& row : builtinProfiles()) {
        if (row.build != build)
            continue;
        ProfileChoice choice;
        choice.profile = std::shared_ptr<const Profile>(&row, [](const Profile*) {});
        choice.method = ProfileMethod::BuildUnvalidated;
        choice.reason = fmt::format("build {}: row {} taken unvalidated, the memory is incomplete "
                                    "({})",
                                    build, row.name, why.message);
        return choice;
    }
    return why;
}

// The checks that failed, for an error or a warning: "ActiveProcessLinks (first entry ...)".
std::string failedChecks(const std::vector<ProfileValidation>& checks) {
    std::string out;
    for (const auto& c : checks)
        if (!c.passed)
            out += fmt::format("{}{} {} ({})", out.empty() ? "" : "; ", c.check,
                               c.inconclusive ? "could not be read" : "failed", c.detail);
    return out.empty() ? "no check could be run" : out;
}

} // namespace

Expected<std::unique_ptr<KernelContext>> KernelContext::open(const PhysicalMemory& memory,
                                                             const DumpFacts& facts,
                                                             const KernelOptions& options) {
    return finishOpen(std::unique_ptr<KernelContext>(new KernelContext(memory, facts)), options);
}

Expected<std::unique_ptr<KernelContext>> KernelContext::open(const VirtualMemory& memory,
                                                             const DumpFacts& facts,
                                                             const KernelOptions& options) {
    return finishOpen(std::unique_ptr<KernelContext>(new KernelContext(memory, facts)), options);
}

// A layout the dump's own structures confirm, or one made from this very kernel's PDB (its
// GUID and age match the kernel's RSDS record: a damaged dump may fail the checks, the offsets
// are still right). Anything else may put every offset in the wrong place.
bool KernelContext::profileConfirmed(const ProfileChoice& choice, const std::optional<PdbId>& pdb) {
    if (allPassed(choice.validations))
        return true;
    const auto& ids = choice.profile->pdb_ids;
    return pdb && std::find(ids.begin(), ids.end(), *pdb) != ids.end();
}

// --symbols and --profile are the user's word against the dump's: a layout that fails the checks
// is refused unless --trust-profile, and then no view can vouch for what it did not list.
Expected<void> KernelContext::acceptChoice(const KernelOptions& options) {
    const bool chosen_by_user = chosenByUser(choice_.method);
    profile_confirmed_ = profileConfirmed(choice_, image_ ? image_->pdb : std::nullopt);
    if (profile_confirmed_)
        return {};
    if (!chosen_by_user || passedWhereReadable(choice_.validations)) {
        warnings_.push_back(fmt::format("the profile ({}) is not confirmed on this dump: {}; "
                                        "every view lists what it finds, none can vouch for what "
                                        "it did not list, so nothing is called HIDDEN",
                                        choice_.reason, failedChecks(choice_.validations)));
        return {};
    }
    const std::string what = choice_.method == ProfileMethod::SymbolFile
                                 ? fmt::format("--symbols {}", options.isf_path)
                             : choice_.method == ProfileMethod::SymbolPath
                                 ? fmt::format("the PDB {} found through {}", choice_.profile->name,
                                               options.symbol_path.origin)
                                 : fmt::format("--profile {}", options.forced_profile);
    const std::string damage =
        options.damage.empty()
            ? ""
            : fmt::format("; the file is damaged, which may be the cause: {}", options.damage);
    // The GUID mismatch, when there is one, is the clearest reason: it comes first.
    std::string mismatch;
    for (const auto& w : choice_.warnings)
        mismatch += w + "; ";
    if (!options.trust_profile)
        return makeError(ErrorCode::InvalidData,
                         "{}{} does not fit this dump: {}{}; give the symbols of this kernel, or "
                         "--trust-profile to go on with these offsets (every view is then partial)",
                         mismatch, what, failedChecks(choice_.validations), damage);
    warnings_.push_back(fmt::format("{} failed its checks on this dump ({}){}; going on because "
                                    "of --trust-profile: no view can vouch for what it did not "
                                    "list, so nothing is called HIDDEN",
                                    what, failedChecks(choice_.validations), damage));
    return {};
}

Expected<std::unique_ptr<KernelContext>>
KernelContext::finishOpen(std::unique_ptr<KernelContext> ctx, const KernelOptions& options) {
    auto opened = finishOpenChecked(std::move(ctx), options);
    if (opened || options.damage.empty() ||
        opened.error().message.find("likely cause") != std::string::npos ||
        opened.error().message.find(options.damage) != std::string::npos)
        return opened;
    return Error{opened.error().code, fmt::format("{}; the likely cause is the damaged file: {}",
                                                  opened.error().message, options.damage)};
}

Expected<std::unique_ptr<KernelContext>>
KernelContext::finishOpenChecked(std::unique_ptr<KernelContext> ctx, const KernelOptions& options) {
    const DumpFacts& facts = ctx->facts_;
    ctx->findKdbg();
    ctx->findKernelImage();
    if (!ctx->kdbg_ && ctx->image_)
        ctx->findEncodedKdbg();
    DP_CHECK(ctx->findActiveHead());

    SelectionInput input;
    input.build = facts.build;
    input.ps_active_process_head = ctx->active_head_.value;
    if (ctx->image_ && ctx->image_->pdb)
        input.kernel_pdb = ctx->image_->pdb;
    input.forced_profile = options.forced_profile;
    input.isf_path = options.isf_path;
    input.symbol_path = options.symbol_path;
    input.profile_cache = options.profile_cache;
    if (ctx->image_)
        input.kernel_pdb_name = ctx->image_->pdb_name;
    input.damage = options.damage;
    auto choice = chooseProfile(*ctx->as_, input);
    if (!choice && options.partial_memory && input.forced_profile.empty() &&
        choice.error().code == ErrorCode::NotFound)
        choice = unvalidatedRowOfBuild(facts.build, choice.error());
    if (!choice)
        return choice.error();
    ctx->choice_ = std::move(*choice);
    for (const auto& w : ctx->choice_.warnings)
        ctx->warnings_.push_back(w);
    if (ctx->facts_.build == 0) {
        ctx->facts_.build = ctx->choice_.profile->build;
        ctx->facts_.build_source = "profile " + ctx->choice_.profile->name;
    }
    // A profile that lacks members says so first; then whether its offsets fit the dump.
    DP_TRY(ctx->layout_, KernelLayout::resolve(*ctx->choice_.profile, facts.build));
    DP_CHECK(ctx->acceptChoice(options));

    DP_CHECK(ctx->findSystemProcess());
    ctx->findFingerprints();
    ctx->findCidTable();
    ctx->findPrcbs();
    return ctx;
}

void KernelContext::findKdbg() {
    if (facts_.kdbg) {
        kdbg_ = facts_.kdbg;
        return;
    }
    if (!facts_.kd_debugger_data_block) {
        warnings_.push_back(
            fmt::format("no KdDebuggerDataBlock ({}); KDBG not used", facts_.kdbg_source));
        return;
    }
    auto k = readKdbg(*as_, *facts_.kd_debugger_data_block);
    if (k)
        kdbg_ = *k;
    else
        warnings_.push_back(k.error().context("KDBG").message);
}

// A live dump or a raw capture of Windows 8+ keeps KDBG encoded; KdCopyDataBlock's operands in
// the kernel image decode it.
void KernelContext::findEncodedKdbg() {
    KdbgEncoding e;
    auto k = readEncodedKdbg(*as_, image_->base, e);
    if (!k) {
        warnings_.push_back(k.error().context("encoded KDBG").message);
        return;
    }
    kdbg_ = *k;
    warnings_.push_back(fmt::format("KDBG at {:#x} was encoded; decoded with the operands of "
                                    "KdCopyDataBlock at {:#x}",
                                    k->address, e.code));
}

void KernelContext::findKernelImage() {
    if (kdbg_ && kdbg_->kern_base) {
        auto image = readKernelImage(*as_, kdbg_->kern_base);
        if (image) {
            image_ = std::move(*image);
            image_->found_by = "KDBG KernBase";
            return;
        }
        warnings_.push_back(image.error().message);
    }
    if (facts_.kernel_base) {
        if (auto image = readKernelImage(*as_, *facts_.kernel_base)) {
            image_ = std::move(*image);
            image_->found_by = facts_.kernel_base_source;
            return;
        }
    }
    auto list = facts_.ps_loaded_module_list
                    ? facts_.ps_loaded_module_list
                    : (kdbg_ ? std::optional(kdbg_->ps_loaded_module_list) : std::nullopt);
    if (!list)
        return;
    auto first = as_->read<std::uint64_t>(*list);
    if (!first) {
        warnings_.push_back(first.error().context("PsLoadedModuleList").message);
        return;
    }
    for (std::uint32_t offset : knownDllBaseOffsets()) {
        auto base = as_->read<std::uint64_t>(*first + offset);
        if (!base)
            continue;
        if (auto image = readKernelImage(*as_, *base)) {
            image_ = std::move(*image);
            image_->found_by = "first PsLoadedModuleList entry";
            return;
        }
    }
    warnings_.push_back("the kernel image was not found (no readable PE header at KDBG KernBase "
                        "nor at the first PsLoadedModuleList entry)");
}

std::optional<Sourced> KernelContext::psLoadedModuleList() const {
    if (facts_.ps_loaded_module_list)
        return Sourced{*facts_.ps_loaded_module_list, facts_.loaded_module_list_source};
    if (kdbg_ && kdbg_->ps_loaded_module_list)
        return Sourced{kdbg_->ps_loaded_module_list, "KDBG"};
    return std::nullopt;
}

Expected<void> KernelContext::findActiveHead() {
    if (facts_.ps_active_process_head) {
        active_head_ = {*facts_.ps_active_process_head, facts_.active_head_source};
        if (kdbg_ && kdbg_->ps_active_process_head &&
            kdbg_->ps_active_process_head != active_head_.value)
            warnings_.push_back(fmt::format(
                "PsActiveProcessHead: {} says {:#x}, KDBG says {:#x}; using the former",
                active_head_.source, active_head_.value, kdbg_->ps_active_process_head));
        return {};
    }
    if (kdbg_ && kdbg_->ps_active_process_head) {
        active_head_ = {kdbg_->ps_active_process_head, "KDBG"};
        return {};
    }
    return makeError(ErrorCode::NotFound,
                     "PsActiveProcessHead is unknown: absent from the header and no KDBG");
}

Expected<void> KernelContext::findSystemProcess() {
    DP_TRY(std::uint64_t flink, as_->read<std::uint64_t>(active_head_.value));
    system_ = flink - layout_.process.active_process_links;
    return {};
}

std::optional<std::uint8_t> KernelContext::typeFingerprint(std::uint64_t body) const {
    const std::uint64_t header = body - layout_.object_header.body;
    auto raw = as_->read<std::uint8_t>(header + layout_.object_header.type_index);
    if (!raw)
        return std::nullopt;
    return decodeTypeFingerprint(*raw, header);
}

std::uint8_t KernelContext::decodeTypeFingerprint(std::uint8_t raw, std::uint64_t header) const {
    if (!layout_.object_header.encoded_type_index)
        return raw;
    return static_cast<std::uint8_t>(raw ^ ((header >> 8) & 0xFF));
}

void KernelContext::findFingerprints() {
    process_fp_ = typeFingerprint(system_);
    auto first = as_->read<std::uint64_t>(system_ + layout_.process.thread_list_head);
    if (first && *first != system_ + layout_.process.thread_list_head)
        thread_fp_ = typeFingerprint(*first - layout_.thread.thread_list_entry);
    if (process_fp_ && thread_fp_ && *process_fp_ == *thread_fp_) {
        warnings_.push_back("process and thread objects have the same type fingerprint; object "
                            "headers are not used to tell them apart");
        thread_fp_.reset();
    }
}

// Where nt!PspCidTable is: an ISF symbol is trusted first only when the ISF is of this very
// kernel (same PDB GUID); otherwise its RVAs may belong to another build of the same layout, and
// the dump's own KDBG comes first. Disagreement between the two is worth a warning either way.
void KernelContext::findCidTable() {
    struct Candidate {
        std::uint64_t variable;
        std::string source;
    };
    std::vector<Candidate> candidates;
    std::optional<Candidate> isf;
    if (auto rva = symbolRva(profile(), KernelSymbol::PspCidTable); rva && image_)
        isf = Candidate{image_->base + *rva, "ISF symbol PspCidTable"};
    const bool isf_of_this_kernel = isf && image_->pdb &&
                                    std::find(profile().pdb_ids.begin(), profile().pdb_ids.end(),
                                              *image_->pdb) != profile().pdb_ids.end();
    if (isf && isf_of_this_kernel)
        candidates.push_back(*isf);
    if (kdbg_ && kdbg_->psp_cid_table)
        candidates.push_back({kdbg_->psp_cid_table, "KDBG PspCidTable"});
    if (isf && !isf_of_this_kernel)
        candidates.push_back(*isf);
    if (candidates.empty()) {
        cid_problem_ = "the address of nt!PspCidTable is unknown (no KDBG, no symbols)";
        return;
    }
    if (candidates.size() == 2 && candidates[0].variable != candidates[1].variable)
        warnings_.push_back(fmt::format("nt!PspCidTable: {} says {:#x}, {} says {:#x}; using the "
                                        "first that reads",
                                        candidates[0].source, candidates[0].variable,
                                        candidates[1].source, candidates[1].variable));
    for (const auto& c : candidates) {
        auto table = as_->read<std::uint64_t>(c.variable);
        if (table) {
            cid_table_ = Sourced{*table, c.source};
            cid_problem_.clear();
            return;
        }
        if (cid_problem_.empty())
            cid_problem_ =
                table.error()
                    .context(fmt::format("nt!PspCidTable at {:#x} ({})", c.variable, c.source))
                    .message;
    }
}

void KernelContext::findPrcbs() {
    if (!kdbg_ || !kdbg_->ki_processor_block) {
        prcb_problem_ = "KiProcessorBlock is unknown (no KDBG)";
        return;
    }
    const unsigned count =
        std::min(facts_.processors ? facts_.processors : kMaxProcessors, kMaxProcessors);
    for (unsigned cpu = 0; cpu < count; ++cpu) {
        auto prcb = as_->read<std::uint64_t>(kdbg_->ki_processor_block + 8ULL * cpu);
        if (!prcb) {
            prcb_problem_ = prcb.error().context(fmt::format("KiProcessorBlock[{}]", cpu)).message;
            return;
        }
        if (*prcb == 0)
            break;
        prcbs_.push_back(*prcb);
    }
}

} // namespace dumpprocs::kernel
