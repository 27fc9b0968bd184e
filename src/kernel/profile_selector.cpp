#include "dumpprocs/kernel/profile_selector.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <optional>

#include "dumpprocs/kernel/symbol_search.hpp"

#include <fmt/format.h>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/kernel/process_object.hpp"
#include "dumpprocs/kernel/profile_validator.hpp"

namespace dumpprocs::kernel {
namespace {

using formats::kProcessObjectType;
using formats::kSystemPid;
using formats::kThreadObjectType;
constexpr unsigned kMaxRingNodes = 1u << 16; // validation walks stop here (real systems: < 10^4)

ProfileValidation checkSystemOnActiveList(const VirtualMemory& as, const ProcessLayout& process,
                                          std::uint64_t head, std::uint64_t& system) {
    ProfileValidation v{"ActiveProcessLinks", false, false, {}};
    auto flink = as.read<std::uint64_t>(head);
    if (!flink) {
        v.detail = flink.error().message;
        v.inconclusive = isMissingMemory(flink.error().code);
        return v;
    }
    system = *flink - process.active_process_links;
    auto object = readProcessObject(as, process, system);
    auto blink =
        as.read<std::uint64_t>(system + process.active_process_links + formats::kBlinkOffset);
    if (!object || !blink) {
        const Error& e = !object ? object.error() : blink.error();
        v.detail = fmt::format("first entry {:#x} is not readable: {}", system, e.message);
        v.inconclusive = isMissingMemory(e.code);
        return v;
    }
    const bool is_system = std::strncmp(reinterpret_cast<const char*>(object->name.data()),
                                        "System", object->name.size()) == 0;
    v.passed = isSystemProcess(*object) && *blink == head;
    v.detail = fmt::format("first entry {:#x}: type {}, pid {}, name \"{}\", Blink {}", system,
                           object->dispatcher_type, object->pid, is_system ? "System" : "?",
                           *blink == head ? "points back" : "does not point back");
    return v;
}

ProfileValidation checkMmRing(const VirtualMemory& as, const KernelLayout& l,
                              std::uint64_t system) {
    ProfileValidation v{"MmProcessLinks ring", false, false, {}};
    const std::uint64_t start = system + l.process.mm_process_links;
    std::uint64_t node = start;
    for (unsigned n = 1; n <= kMaxRingNodes; ++n) {
        auto next = as.read<std::uint64_t>(node);
        if (!next) {
            v.detail = fmt::format("Flink of {:#x} unreadable after {} nodes: {}", node, n - 1,
                                   next.error().message);
            v.inconclusive = isMissingMemory(next.error().code);
            return v;
        }
        auto back = as.read<std::uint64_t>(*next + formats::kBlinkOffset);
        if (!back) {
            v.detail = fmt::format("{:#x}->Flink {:#x} cannot be read after {} nodes: {}", node,
                                   *next, n - 1, back.error().message);
            v.inconclusive = isMissingMemory(back.error().code);
            return v;
        }
        if (*back != node) {
            v.detail =
                fmt::format("{:#x}->Flink {:#x} whose Blink does not point back", node, *next);
            return v;
        }
        if (*next == start) {
            v.passed = true;
            v.detail = fmt::format("ring through System closes after {} nodes", n);
            return v;
        }
        node = *next;
    }
    v.detail = fmt::format("no closure within {} nodes", kMaxRingNodes);
    return v;
}

ProfileValidation checkSystemThread(const VirtualMemory& as, const KernelLayout& l,
                                    std::uint64_t system) {
    ProfileValidation v{"ETHREAD.Cid", false, false, {}};
    auto first = as.read<std::uint64_t>(system + l.process.thread_list_head);
    if (!first) {
        v.detail = "System's ThreadListHead is unreadable: " + first.error().message;
        v.inconclusive = isMissingMemory(first.error().code);
        return v;
    }
    if (*first == system + l.process.thread_list_head) {
        v.detail = "System's ThreadListHead is empty";
        return v;
    }
    const std::uint64_t thread = *first - l.thread.thread_list_entry;
    auto type = as.read<std::uint8_t>(thread + l.thread.header_type);
    auto cid_pid = as.read<std::uint64_t>(thread + l.thread.cid);
    auto owner = as.read<std::uint64_t>(thread + l.thread.process);
    if (!type || !cid_pid || !owner) {
        const Error& e = !type ? type.error() : !cid_pid ? cid_pid.error() : owner.error();
        v.detail = fmt::format("first System thread {:#x} is not readable: {}", thread, e.message);
        v.inconclusive = isMissingMemory(e.code);
        return v;
    }
    v.passed = *type == kThreadObjectType && *cid_pid == kSystemPid && *owner == system;
    v.detail = fmt::format("first System thread {:#x}: type {}, Cid.UniqueProcess {:#x}, Process "
                           "{}",
                           thread, *type, *cid_pid, *owner == system ? "= System" : "!= System");
    return v;
}

std::shared_ptr<const Profile> shareBuiltin(const Profile& p) {
    return std::shared_ptr<const Profile>(&p, [](const Profile*) {});
}

std::string summary(const std::vector<ProfileValidation>& checks) {
    std::string s;
    for (const auto& c : checks)
        s += fmt::format("{}{} {}", s.empty() ? "" : ", ", c.check,
                         c.passed         ? "ok"
                         : c.inconclusive ? "not in the dump"
                                          : "FAILED");
    return s;
}

// Picks among rows that all validated: identical in what was checked, so the nearest build wins.
const Profile* nearestBuild(const std::vector<const Profile*>& rows, std::uint32_t build) {
    const Profile* best = nullptr;
    for (const Profile* p : rows) {
        auto distance = [&](const Profile* q) {
            return q->build > build ? q->build - build : build - q->build;
        };
        if (!best || distance(p) < distance(best) ||
            (distance(p) == distance(best) && p->build <= build && best->build > build))
            best = p;
    }
    return best;
}

// Why a row failed: the first failed check and its detail, which names the address involved.
std::string firstFailure(const Profile& p, const std::vector<ProfileValidation>& checks) {
    for (const auto& c : checks)
        if (!c.passed)
            return fmt::format("row {}: {} failed: {}", p.name, c.check, c.detail);
    return fmt::format("row {}: no checks", p.name);
}

Expected<ProfileChoice> chooseByValidation(const VirtualMemory& as, const SelectionInput& in,
                                           std::vector<const Profile*> rows, bool probing) {
    constexpr std::size_t kFailuresShown = 3;
    std::vector<const Profile*> passed, partly;
    std::string failures;
    std::size_t failed = 0;
    // Each row is validated once; the chosen row's checks are the ones reported.
    std::map<const Profile*, std::vector<ProfileValidation>> checked;
    for (const Profile* p : rows) {
        const auto& checks = checked[p] = validateProfile(as, *p, in.ps_active_process_head);
        if (allPassed(checks))
            passed.push_back(p);
        else if (passedWhereReadable(checks))
            partly.push_back(p);
        if (!allPassed(checks) && ++failed <= kFailuresShown)
            failures += "; " + firstFailure(*p, checks);
    }
    // A damaged dump (cut short, pages missing) may not hold what every check reads: a row that
    // found System and met no contradiction is taken, unconfirmed, so that what can be read is
    // shown; the views then vouch for nothing they did not list.
    if (passed.empty() && !partly.empty() && !probing) {
        const Profile* chosen = nearestBuild(partly, in.build);
        ProfileChoice choice;
        choice.profile = shareBuiltin(*chosen);
        choice.validations = checked.at(chosen);
        choice.method = ProfileMethod::BuildPartialValidation;
        choice.reason = fmt::format("build {}: row {} found System, and the checks the dump "
                                    "could not serve were skipped ({}): taken unconfirmed",
                                    in.build, chosen->name, summary(choice.validations));
        return choice;
    }
    if (passed.empty() && !in.damage.empty())
        return makeError(
            ErrorCode::NotFound,
            "the kernel's structures could not be checked (build {}): {} rows tried, "
            "none passed the ActiveProcessLinks / MmProcessLinks / ETHREAD checks{}{}; "
            "the likely cause is the damaged file, not the symbols: {}",
            in.build, rows.size(), failures, failed > kFailuresShown ? "; ..." : "", in.damage);
    if (passed.empty())
        return makeError(
            ErrorCode::NotFound,
            "no built-in profile fits this kernel (build {}): {} rows tried, none passed the "
            "ActiveProcessLinks / MmProcessLinks / ETHREAD checks{}{}; give the kernel's symbols "
            "with --symbols FILE (ntkrnlmp.pdb, or a Volatility 3 ISF .json or .json.xz) or "
            "--symbol-path (a symbol store holding its PDB), or force a row with --profile",
            in.build, rows.size(), failures, failed > kFailuresShown ? "; ..." : "");
    const Profile* chosen = nearestBuild(passed, in.build);
    ProfileChoice choice;
    choice.profile = shareBuiltin(*chosen);
    choice.validations = checked.at(chosen);
    for (const Profile* p : passed)
        if (p != chosen)
            choice.also_matching.push_back(p->name);
    choice.method = probing ? ProfileMethod::Probe : ProfileMethod::BuildValidation;
    if (probing)
        choice.reason = fmt::format(
            "build {} is not in the built-in table; the layout of row {} (build {}) validated on "
            "this dump ({})",
            in.build, chosen->name, chosen->build, summary(choice.validations));
    else
        choice.reason =
            fmt::format("build {}: of {} rows for this build, row {} validated ({})", in.build,
                        rows.size(), chosen->name, summary(choice.validations));
    return choice;
}

// Why the symbol file is not the kernel's own PDB, or nullopt when it is (or cannot be told).
std::optional<std::string> pdbMismatch(const Profile& symbols, const std::optional<PdbId>& kernel) {
    if (!kernel)
        return std::nullopt;
    if (symbols.pdb_ids.empty())
        return fmt::format("the file names no PDB GUID, so it cannot be matched with this kernel's "
                           "({}-{})",
                           kernel->guid, kernel->age);
    if (std::find(symbols.pdb_ids.begin(), symbols.pdb_ids.end(), *kernel) != symbols.pdb_ids.end())
        return std::nullopt;
    return fmt::format("made from PDB {}-{}, but this kernel's debug record (RSDS) names {}-{}: "
                       "the symbols of another build",
                       symbols.pdb_ids.front().guid, symbols.pdb_ids.front().age, kernel->guid,
                       kernel->age);
}

} // namespace

const char* methodName(ProfileMethod method) {
    switch (method) {
    case ProfileMethod::Forced:
        return "forced";
    case ProfileMethod::SymbolFile:
        return "isf";
    case ProfileMethod::SymbolPath:
        return "symbol-path";
    case ProfileMethod::BuildValidation:
        return "build+validation";
    case ProfileMethod::BuildPartialValidation:
        return "build+partial validation";
    case ProfileMethod::PdbGuid:
        return "pdb-guid";
    case ProfileMethod::Probe:
        return "probe";
    case ProfileMethod::BuildUnvalidated:
        return "build (unvalidated)";
    }
    return "unknown";
}

bool chosenByUser(ProfileMethod method) {
    return method == ProfileMethod::Forced || method == ProfileMethod::SymbolFile ||
           method == ProfileMethod::SymbolPath;
}

bool allPassed(const std::vector<ProfileValidation>& checks) {
    return !checks.empty() &&
           std::all_of(checks.begin(), checks.end(), [](const auto& c) { return c.passed; });
}

bool passedWhereReadable(const std::vector<ProfileValidation>& checks) {
    return !checks.empty() && checks.front().passed &&
           std::all_of(checks.begin(), checks.end(),
                       [](const auto& c) { return c.passed || c.inconclusive; });
}

std::vector<ProfileValidation> validateProfile(const VirtualMemory& as, const Profile& profile,
                                               std::uint64_t head) {
    // The offsets come from the same resolution (and structural check) as the views use.
    auto layout = KernelLayout::resolve(profile, profile.build);
    if (!layout)
        return {{"members", false, false, layout.error().message}};
    std::vector<ProfileValidation> checks;
    std::uint64_t system = 0;
    checks.push_back(checkSystemOnActiveList(as, layout->process, head, system));
    if (!checks.back().passed)
        return checks;
    checks.push_back(checkMmRing(as, *layout, system));
    checks.push_back(checkSystemThread(as, *layout, system));
    return checks;
}

namespace {

// A profile from a symbol file the user named (--symbols) or the symbol path found: its structure
// checked, then its offsets validated on the dump.
Expected<ProfileChoice> fromSymbolFile(const VirtualMemory& as, const SelectionInput& in,
                                       const SymbolFile& file, ProfileMethod method,
                                       const std::string& label) {
    std::vector<std::string> notes;
    DP_TRY(Profile isf, loadSymbolProfile(file.path, in.profile_cache, &notes));
    // A symbol file is hostile input: its structure is checked before its offsets are tried
    // on the dump (KernelLayout::resolve checks every profile again, built-in rows too).
    DP_CHECK(checkProfileStructure(isf));
    if (isf.build == 0)
        isf.build = in.build;
    ProfileChoice choice;
    choice.method = method;
    choice.validations = validateProfile(as, isf, in.ps_active_process_head);
    choice.reason =
        fmt::format("symbols from {}{} ({})", file.path.string(),
                    file.how.empty() ? "" : " (" + file.how + ")", summary(choice.validations));
    if (auto mismatch = pdbMismatch(isf, in.kernel_pdb))
        choice.warnings.push_back(fmt::format("{} {}: {}", label, file.path.string(), *mismatch));
    choice.profile = std::make_shared<const Profile>(std::move(isf));
    choice.notes = std::move(notes);
    return choice;
}

// The symbol path's part of the lookup: the kernel's PDB from its local folders, or nullopt and
// notes saying why the built-in rows are used instead. URLs are named once and never used.
Expected<std::optional<ProfileChoice>>
fromSymbolPath(const VirtualMemory& as, const SelectionInput& in, std::vector<std::string>& notes) {
    const SymbolPath& path = in.symbol_path;
    if (!path.urls.empty()) {
        std::string urls;
        for (const auto& u : path.urls)
            urls += (urls.empty() ? "" : ", ") + u;
        notes.push_back(fmt::format("{}: {} ignored; dumpprocs never uses the network, only the "
                                    "local folders of the path are searched",
                                    path.origin, urls));
    }
    if (path.folders.empty())
        return std::optional<ProfileChoice>{};
    if (!in.kernel_pdb) {
        notes.push_back(fmt::format("{}: not searched, this dump does not give the kernel's PDB "
                                    "GUID (no readable RSDS debug record); built-in rows used",
                                    path.origin));
        return std::optional<ProfileChoice>{};
    }
    auto file = findInSymbolPath(path, *in.kernel_pdb, in.kernel_pdb_name);
    if (!file) {
        std::string folders;
        for (const auto& f : path.folders)
            folders += (folders.empty() ? "" : ", ") + f.string();
        notes.push_back(fmt::format("{}: the kernel's PDB {}-{} is in none of {} (a store keeps "
                                    "it as ntkrnlmp.pdb/{}{:X}/ntkrnlmp.pdb); built-in rows used",
                                    path.origin, in.kernel_pdb->guid, in.kernel_pdb->age, folders,
                                    in.kernel_pdb->guid, in.kernel_pdb->age));
        return std::optional<ProfileChoice>{};
    }
    DP_TRY(ProfileChoice choice,
           fromSymbolFile(as, in, *file, ProfileMethod::SymbolPath, path.origin));
    return std::optional<ProfileChoice>(std::move(choice));
}

Expected<ProfileChoice> chooseBuiltin(const VirtualMemory& as, const SelectionInput& in);

} // namespace

// Lookup order: --symbols, --profile, the symbol path (--symbol-path, else _NT_SYMBOL_PATH), then
// the built-in rows (by PDB GUID, then by build and validation).
Expected<ProfileChoice> chooseProfile(const VirtualMemory& as, const SelectionInput& in) {
    if (!in.isf_path.empty()) {
        DP_TRY(const SymbolFile file, findSymbolFile(in.isf_path, in.kernel_pdb));
        return fromSymbolFile(as, in, file, ProfileMethod::SymbolFile, "--symbols");
    }
    if (!in.forced_profile.empty())
        return chooseBuiltin(as, in);
    std::vector<std::string> notes;
    DP_TRY(auto found, fromSymbolPath(as, in, notes));
    if (found) {
        found->warnings.insert(found->warnings.begin(), notes.begin(), notes.end());
        return std::move(*found);
    }
    auto choice = chooseBuiltin(as, in);
    if (choice)
        choice->warnings.insert(choice->warnings.begin(), notes.begin(), notes.end());
    if (choice || notes.empty())
        return choice;
    std::string message = choice.error().message;
    for (const auto& note : notes)
        message += "; " + note;
    return Error{choice.error().code, message};
}

namespace {

Expected<ProfileChoice> chooseBuiltin(const VirtualMemory& as, const SelectionInput& in) {
    if (!in.forced_profile.empty()) {
        const Profile* p = findBuiltinProfile(in.forced_profile);
        if (!p) {
            std::string names;
            for (const auto& row : builtinProfiles())
                names += (names.empty() ? "" : " ") + row.name;
            return makeError(ErrorCode::Usage, "unknown profile '{}'; built-in rows: {}",
                             in.forced_profile, names);
        }
        ProfileChoice choice{shareBuiltin(*p), ProfileMethod::Forced, {}, {}, {}, {}, {}};
        choice.validations = validateProfile(as, *p, in.ps_active_process_head);
        choice.reason =
            fmt::format("forced with --profile {} ({})", p->name, summary(choice.validations));
        return choice;
    }
    if (in.kernel_pdb) {
        for (const auto& row : builtinProfiles()) {
            if (std::find(row.pdb_ids.begin(), row.pdb_ids.end(), *in.kernel_pdb) ==
                row.pdb_ids.end())
                continue;
            ProfileChoice choice{shareBuiltin(row), ProfileMethod::PdbGuid, {}, {}, {}, {}, {}};
            choice.validations = validateProfile(as, row, in.ps_active_process_head);
            choice.reason =
                fmt::format("kernel PDB {}-{} is a known build of row {} ({})", in.kernel_pdb->guid,
                            in.kernel_pdb->age, row.name, summary(choice.validations));
            return choice;
        }
    }
    std::vector<const Profile*> same_build, all;
    for (const auto& row : builtinProfiles()) {
        all.push_back(&row);
        if (row.build == in.build)
            same_build.push_back(&row);
    }
    if (same_build.empty())
        return chooseByValidation(as, in, all, true);
    auto choice = chooseByValidation(as, in, same_build, false);
    if (choice)
        return choice;
    // When no row validates, the rows of the dump's own build say best what is wrong with it.
    auto probed = chooseByValidation(as, in, all, true);
    return probed ? probed : choice;
}

} // namespace

} // namespace dumpprocs::kernel
