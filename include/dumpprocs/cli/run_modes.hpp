#pragma once
// Runs the mode the options ask for on one dump and returns the process exit code: opens the
// dump through the analysis façade, renders its models, maps the outcome to an exit code.

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "dumpprocs/analysis/run_views.hpp"
#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/cli/options.hpp"

namespace dumpprocs::cli {

// What a run found that a batch summary needs beyond the exit code.
struct RunSummary {
    std::vector<analysis::HiddenProcess> hidden; // every HIDDEN process
};

// Where one run's results go: stdout, or a batch run's per-dump buffer; and the batch summary's
// notes, when there is a batch.
class Output {
  public:
    explicit Output(std::FILE* file = stdout, RunSummary* summary = nullptr)
        : file_(file), summary_(summary) {}
    void print(std::string_view text) const;
    void noteHidden(const std::vector<analysis::HiddenProcess>& processes) const;

  private:
    std::FILE* file_;
    RunSummary* summary_;
};

// The façade's options from the command line's.
analysis::OpenOptions openOptionsFor(const Options& options);
// The compiled-profile cache's folder for this run: $XDG_CACHE_HOME/dumpprocs, else
// $HOME/.cache/dumpprocs; empty with --no-cache and in the modes that show a whole symbol file
// (--dt, --show-profile, --export-isf).
std::filesystem::path profileCacheFolder(const Options& options);

// Runs one dump (options.dump_path); results go to `out`, logs to spdlog.
int runMode(const Options& options, const Output& out);

} // namespace dumpprocs::cli
