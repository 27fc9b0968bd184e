#pragma once
// Batch mode for pipelines: several dump paths (or the dumps in directories) in one call. Each
// dump runs the requested mode on its own; one bad dump does not stop the others. Output is the
// per-dump results (text with a "==> path <==" header, or one JSON object per line with
// --format jsonl) and a summary of which dumps hold HIDDEN processes.

#include <filesystem>
#include <string>
#include <vector>

#include "dumpprocs/cli/options.hpp"
#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::cli {

// The files named, with each directory replaced by its dump files (*.dmp, *.raw, *.vmem, *.mem,
// any case), sorted by name. A directory without any is an unusable input (exit 1) naming it.
Expected<std::vector<std::filesystem::path>> expandDumpPaths(const std::vector<std::string>& args);

// True when the arguments ask for batch mode: more than one path, a directory, or jsonl output.
bool wantsBatch(const Options& o);

// Runs every dump; the exit code is the highest of the per-dump codes.
int runBatch(const Options& o, const std::vector<std::filesystem::path>& dumps);

} // namespace dumpprocs::cli
