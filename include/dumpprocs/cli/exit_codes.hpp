#pragma once
// The process exit codes (documented in --help and the README's exit code table).

namespace dumpprocs::cli {

enum ExitCode : int {
    kExitOk = 0,       // success
    kExitBadInput = 1, // the input cannot be used: not a dump, unsupported, corrupt header
    kExitUsage = 2,    // usage error
    kExitPartial = 3,  // finished, but with partial results (warnings on stderr)
    kExitHidden = 4,   // --fail-on-hidden and something is HIDDEN
};

} // namespace dumpprocs::cli
