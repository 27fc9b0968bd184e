// pipeline_bench: Google Benchmark figures for opening big dumps and running the process views.
// The dumps are synthetic machines of 16 GiB .. 1 TiB (tests/support/dumpgen/big_machine.hpp),
// written as sparse files into $DUMPPROCS_BENCH_DIR (kept) or a temporary directory (removed at
// exit). scripts/bench.sh runs this and the CLI-level harness; docs/performance.md has the figures.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dumpgen/big_machine.hpp"
#include "dumpprocs/analysis/run_views.hpp"
#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/symbol_search.hpp"
#include "dumpprocs/report/views_report.hpp"

namespace fs = std::filesystem;
using namespace dumpprocs;

namespace {

// Where the dumps go: created on first use, removed at exit unless the caller named it.
class DumpDirectory {
  public:
    DumpDirectory() {
        if (const char* dir = std::getenv("DUMPPROCS_BENCH_DIR"); dir && *dir) {
            path_ = dir;
            keep_ = true;
        } else {
            path_ = fs::temp_directory_path() / ("dumpprocs-bench-" + std::to_string(::getpid()));
        }
        fs::create_directories(path_);
    }
    ~DumpDirectory() {
        std::error_code ec;
        if (!keep_)
            fs::remove_all(path_, ec);
    }
    // The dump of `spec`, written (sparse) if it is not there yet.
    fs::path dumpFor(const dumpgen::BigMachineSpec& spec) {
        const fs::path file = path_ / (dumpgen::bigMachineName(spec) + ".dmp");
        if (!fs::exists(file))
            dumpgen::writeScenarioSparse(dumpgen::bigMachine(spec), file.string());
        return file;
    }

  private:
    fs::path path_;
    bool keep_ = false;
};

DumpDirectory& dumps() {
    static DumpDirectory d;
    return d;
}

template <typename T> T orThrow(Expected<T> e) {
    if (!e)
        throw std::runtime_error(e.error().message);
    return std::move(e).value();
}

// The dump and its kernel, opened through the façade as the CLI opens them.
struct Opened {
    std::unique_ptr<analysis::Session> session;
    const kernel::KernelContext* kernel = nullptr;
};

Opened openAll(const fs::path& file) {
    Opened o;
    o.session = orThrow(analysis::Session::open(file, {}));
    o.kernel = orThrow(o.session->kernel());
    return o;
}

void perProcess(benchmark::State& state, unsigned processes) {
    state.counters["per_process"] = benchmark::Counter(
        processes, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// The dump file alone: header, run list or bitmap (Session::open leaves the kernel for later).
void openDump(benchmark::State& state, dumpgen::BigMachineSpec spec) {
    const fs::path file = dumps().dumpFor(spec);
    for (auto _ : state)
        benchmark::DoNotOptimize(orThrow(analysis::Session::open(file, {})));
}

// What every mode does first: the dump, then the kernel (profile choice, KDBG, PspCidTable).
void openKernel(benchmark::State& state, dumpgen::BigMachineSpec spec) {
    const fs::path file = dumps().dumpFor(spec);
    for (auto _ : state)
        benchmark::DoNotOptimize(openAll(file));
}

// One view over an opened kernel, with a fresh catalog (each view reads its processes anew).
void oneView(benchmark::State& state, dumpgen::BigMachineSpec spec, std::string view) {
    const fs::path file = dumps().dumpFor(spec);
    const Opened o = openAll(file);
    for (auto _ : state) {
        views::ProcessCatalog catalog(*o.kernel);
        benchmark::DoNotOptimize(orThrow(views::runView(view, catalog)));
    }
    perProcess(state, spec.processes);
}

// `dumpprocs DUMP --view active,mm,cid,thread` without the process start: open, the four list and
// table views, merge, render (the scan reads the whole RAM; view/scan/ times it alone).
void listViews(benchmark::State& state, dumpgen::BigMachineSpec spec) {
    const fs::path file = dumps().dumpFor(spec);
    std::size_t bytes = 0;
    for (auto _ : state) {
        const Opened o = openAll(file);
        const auto merged = orThrow(
            analysis::runViews(*o.kernel, analysis::expandViews({"all"}, /*no_scan=*/true).names));
        report::ViewsReportOptions options;
        options.cross_table = true;
        bytes = report::renderViews(merged, options).size();
        benchmark::DoNotOptimize(bytes);
    }
    perProcess(state, spec.processes);
    state.counters["report_bytes"] = static_cast<double>(bytes);
}

void loadIsf(benchmark::State& state, fs::path isf) {
    for (auto _ : state)
        benchmark::DoNotOptimize(orThrow(kernel::loadIsfProfile(isf)));
}

// The same file through the compiled-profile cache (kernel/profile_cache.*), its entry written
// before the timing starts: what a second --symbols run pays instead of the parse (the built-in
// rows' checks included, as loadSymbolProfile does them on both paths).
void loadIsfCached(benchmark::State& state, fs::path isf) {
    const fs::path cache =
        fs::temp_directory_path() / ("dumpprocs-bench-cache-" + std::to_string(::getpid()));
    std::vector<std::string> notes;
    orThrow(kernel::loadSymbolProfile(isf, cache, &notes)); // writes the entry
    for (auto _ : state)
        benchmark::DoNotOptimize(orThrow(kernel::loadSymbolProfile(isf, cache, &notes)));
    std::error_code ec;
    fs::remove_all(cache, ec);
}

// The ISF file DUMPPROCS_BENCH_ISF names, else the largest one in data/windows-symbols/isf_jpcert
// (the whole 19041.329 file; the others there are cut down to the generator's types).
std::optional<fs::path> largestIsf() {
    if (const char* chosen = std::getenv("DUMPPROCS_BENCH_ISF"))
        return fs::path(chosen);
    const fs::path dir = fs::path(DUMPPROCS_DATA_DIR) / "windows-symbols" / "isf_jpcert";
    std::error_code ec;
    std::optional<fs::path> best;
    std::uintmax_t best_size = 0;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const auto size = entry.file_size(ec);
        if (!ec && size > best_size) {
            best = entry.path();
            best_size = size;
        }
    }
    return best;
}

std::string label(const dumpgen::BigMachineSpec& s) {
    return std::to_string(s.ram_gib) + "GiB/" + std::to_string(s.processes) + "p/cid" +
           std::to_string(s.cid_levels) + "/type" + std::to_string(s.dump_type);
}

void registerAll() {
    using Spec = dumpgen::BigMachineSpec;
    // Growth with RAM (1,000 processes), then with the process count (64 GiB), then the
    // three-level PspCidTable and the run-list dump type.
    std::vector<Spec> specs;
    for (std::uint64_t gib : {16, 64, 256, 1024})
        specs.push_back(Spec{gib, 1000, 2, 5});
    for (unsigned procs : {100u, 5000u})
        specs.push_back(Spec{64, procs, 2, 5});
    specs.push_back(Spec{64, 1000, 3, 5});
    specs.push_back(Spec{1024, 1000, 3, 5});
    specs.push_back(Spec{64, 1000, 2, 1});
    for (const auto& s : specs) {
        benchmark::RegisterBenchmark(("open/" + label(s)).c_str(), openDump, s)
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("open+kernel/" + label(s)).c_str(), openKernel, s)
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("lists/" + label(s)).c_str(), listViews, s)
            ->Unit(benchmark::kMillisecond);
    }
    const Spec main_spec{64, 1000, 2, 5};
    for (const auto& view : views::allViewNames())
        benchmark::RegisterBenchmark(("view/" + view + "/" + label(main_spec)).c_str(), oneView,
                                     main_spec, view)
            ->Unit(benchmark::kMillisecond);
    if (auto isf = largestIsf()) {
        benchmark::RegisterBenchmark(("isf/" + isf->filename().string()).c_str(), loadIsf, *isf)
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("isf-cached/" + isf->filename().string()).c_str(),
                                     loadIsfCached, *isf)
            ->Unit(benchmark::kMillisecond);
    }
}

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    registerAll();
    try {
        benchmark::RunSpecifiedBenchmarks();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pipeline_bench: %s\n", e.what());
        return 1;
    }
    benchmark::Shutdown();
    return 0;
}
