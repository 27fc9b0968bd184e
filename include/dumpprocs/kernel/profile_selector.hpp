#pragma once
// Chooses the profile of the dump's kernel by evidence (issue: "Choosing the profile, by
// evidence"): forced name, ISF file, exact PDB GUID, else the rows of the header's build validated
// on the dump itself, else every row probed. Each validation reads the dump with that row's
// offsets.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/symbol_search.hpp"

namespace dumpprocs::kernel {

struct ProfileValidation {
    std::string check; // "ActiveProcessLinks", "MmProcessLinks ring", "ETHREAD.Cid"
    bool passed = false;
    // Not passed, but only because the memory it reads is not in the dump (a cut file, a page
    // the dump lacks): no contradiction was seen.
    bool inconclusive = false;
    std::string detail; // what was read, or why it failed
};

// How the profile was chosen; methodName() is its name in every report ("isf", "probe", ...).
enum class ProfileMethod {
    Forced,                 // --profile
    SymbolFile,             // --symbols ("isf", whatever the file's kind)
    SymbolPath,             // the kernel's PDB found on --symbol-path / _NT_SYMBOL_PATH
    BuildValidation,        // the rows of the dump's build, validated on the dump
    BuildPartialValidation, // ... passed only where the damaged dump could be read
    PdbGuid,                // the built-in row known for the kernel's PDB GUID/age
    Probe,                  // an unknown build: every row tried on the dump
    BuildUnvalidated,       // a triage dump's build row, its memory too incomplete to check
};
const char* methodName(ProfileMethod method);
// The user named the profile or its symbols: a failed check refuses it (unless trusted).
bool chosenByUser(ProfileMethod method);

struct ProfileChoice {
    std::shared_ptr<const Profile> profile;
    ProfileMethod method = ProfileMethod::BuildValidation;
    std::string reason;                         // one sentence for people
    std::vector<ProfileValidation> validations; // of the chosen row
    std::vector<std::string> also_matching;     // other rows that validated identically
    std::vector<std::string> warnings;          // e.g. symbols of another kernel's PDB
    std::vector<std::string> notes;             // for --verbose: the profile cache's use
};

struct SelectionInput {
    std::uint32_t build = 0;
    std::uint64_t ps_active_process_head = 0;
    std::optional<PdbId> kernel_pdb;
    std::string forced_profile; // --profile
    std::string isf_path;       // --symbols
    // --symbol-path or _NT_SYMBOL_PATH: searched for the kernel's PDB (by kernel_pdb and
    // kernel_pdb_name) when there is no --symbols or --profile; the built-in rows when not found.
    SymbolPath symbol_path;
    std::string kernel_pdb_name; // the RSDS record's PDB name ("ntkrnlmp.pdb")
    // The compiled-profile cache's folder (profile_cache.hpp), or empty: symbol files parsed.
    std::filesystem::path profile_cache;
    // Why the dump may lack what the checks read (e.g. "file truncated: ..."), or "": a failure
    // then names this as its likely cause instead of suggesting other symbols.
    std::string damage;
};

// Runs every validation of one profile against the dump.
std::vector<ProfileValidation> validateProfile(const VirtualMemory& as, const Profile& profile,
                                               std::uint64_t ps_active_process_head);

// Every check passed.
bool allPassed(const std::vector<ProfileValidation>& checks);
// System was found through the profile's offsets and every other check passed or could not read
// its memory: the most a damaged dump can confirm.
bool passedWhereReadable(const std::vector<ProfileValidation>& checks);

Expected<ProfileChoice> chooseProfile(const VirtualMemory& as, const SelectionInput& input);

} // namespace dumpprocs::kernel
