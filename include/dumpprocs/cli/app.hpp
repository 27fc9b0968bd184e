#pragma once
// The command-line front end: parses arguments, runs the requested mode, maps results to exit
// codes.

namespace dumpprocs::cli {

// Exit codes (documented in --help and the README).
enum ExitCode : int {
    kExitOk = 0,       // success
    kExitBadInput = 1, // the input cannot be used: not a dump, unsupported, corrupt header
    kExitUsage = 2,    // usage error
    kExitPartial = 3,  // finished, but with partial results (warnings on stderr)
    kExitHidden = 4,   // --fail-on-hidden and something is HIDDEN
};

int run(int argc, char** argv);

} // namespace dumpprocs::cli
