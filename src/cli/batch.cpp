#include "dumpprocs/cli/batch.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "dumpprocs/cli/exit_codes.hpp"
#include "dumpprocs/cli/run_modes.hpp"
#include "dumpprocs/support/text.hpp"

namespace dumpprocs::cli {
namespace {

bool isDumpFileName(const std::filesystem::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".dmp" || ext == ".raw" || ext == ".vmem" || ext == ".mem";
}

// Captures what one dump's run writes to its FILE*, via open_memstream.
class CapturedOutput {
  public:
    CapturedOutput() : file_(open_memstream(&buffer_, &size_)) {}
    ~CapturedOutput() {
        if (file_)
            std::fclose(file_);
        std::free(buffer_);
    }
    CapturedOutput(const CapturedOutput&) = delete;
    CapturedOutput& operator=(const CapturedOutput&) = delete;
    std::FILE* file() const { return file_ ? file_ : stdout; }
    std::string take() {
        if (!file_)
            return {};
        std::fflush(file_);
        return std::string(buffer_, size_);
    }

  private:
    char* buffer_ = nullptr;
    std::size_t size_ = 0;
    std::FILE* file_ = nullptr;
};

struct DumpOutcome {
    std::filesystem::path path;
    int exit_code = 0;
    RunSummary summary;
    std::vector<std::string> errors, warnings;
};

// Runs one dump with its log lines also kept (errors and warnings) for the summary.
DumpOutcome runOne(const Options& base, const std::filesystem::path& path, std::FILE* out) {
    Options o = base;
    o.dump_path = path.string();
    auto logger = spdlog::default_logger();
    // The logger's pattern applies to all its sinks: set it first, then the kept sink's own.
    logger->set_pattern(fmt::format("%^%l%$: {}: %v", path.filename().string()));
    auto kept = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256);
    kept->set_pattern("%l\t%v");
    kept->set_level(spdlog::level::warn);
    logger->sinks().push_back(kept);
    DumpOutcome r;
    r.path = path;
    r.exit_code = runMode(o, Output(out, &r.summary));
    logger->sinks().pop_back();
    logger->set_pattern("%^%l%$: %v");
    for (const auto& line : kept->last_formatted()) {
        const auto tab = line.find('\t');
        const std::string level = line.substr(0, tab);
        std::string text = tab == std::string::npos ? line : line.substr(tab + 1);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
            text.pop_back();
        (level == "error" || level == "critical" ? r.errors : r.warnings).push_back(text);
    }
    return r;
}

void printSummary(std::FILE* to, const std::vector<DumpOutcome>& outcomes) {
    const auto with_hidden = std::count_if(outcomes.begin(), outcomes.end(),
                                           [](const auto& o) { return !o.summary.hidden.empty(); });
    const auto failed = std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) {
        return o.exit_code == kExitBadInput || o.exit_code == kExitUsage;
    });
    fmt::print(to, "Batch summary: {} dumps, {} with HIDDEN processes, {} could not be read\n",
               outcomes.size(), with_hidden, failed);
    for (const auto& o : outcomes) {
        std::string what;
        if (!o.summary.hidden.empty())
            what = "HIDDEN: " + fmt::format("{}", fmt::join(o.summary.hidden, ", "));
        else if (!o.errors.empty())
            what = o.errors.front();
        else
            what = o.exit_code == kExitPartial ? "no HIDDEN process (partial results)"
                                               : "no HIDDEN process";
        fmt::print(to, "  {}  exit {}  {}\n", toValidUtf8(o.path.string()), o.exit_code, what);
    }
}

nlohmann::json jsonLine(const DumpOutcome& o, const std::string& output) {
    nlohmann::json j;
    // File names and the messages that quote them are the user's bytes, not necessarily UTF-8.
    const auto valid = [](const std::vector<std::string>& lines) {
        std::vector<std::string> out;
        for (const auto& line : lines)
            out.push_back(toValidUtf8(line));
        return out;
    };
    j["dump"] = toValidUtf8(o.path.string());
    j["exit_code"] = o.exit_code;
    j["hidden"] = o.summary.hidden;
    j["errors"] = valid(o.errors);
    j["warnings"] = valid(o.warnings);
    j["result"] = output.empty() ? nlohmann::json() : nlohmann::json::parse(output, nullptr, false);
    if (j["result"].is_discarded())
        j["result"] = output; // not JSON (should not happen): keep the text
    return j;
}

} // namespace

Expected<std::vector<std::filesystem::path>> expandDumpPaths(const std::vector<std::string>& args) {
    std::vector<std::filesystem::path> out;
    for (const auto& a : args) {
        std::error_code ec;
        if (!std::filesystem::is_directory(a, ec)) {
            out.emplace_back(a); // a missing file is reported by its own run
            continue;
        }
        std::vector<std::filesystem::path> found;
        for (const auto& entry : std::filesystem::directory_iterator(a, ec))
            if (entry.is_regular_file(ec) && isDumpFileName(entry.path()))
                found.push_back(entry.path());
        if (ec)
            return makeError(ErrorCode::Io, "{}: cannot list the directory: {}", a, ec.message());
        if (found.empty())
            return makeError(ErrorCode::NotADump,
                             "{} is a directory with no dump files (*.dmp, *.raw, *.vmem, *.mem)",
                             a);
        std::sort(found.begin(), found.end());
        out.insert(out.end(), found.begin(), found.end());
    }
    return out;
}

bool wantsBatch(const Options& o) {
    std::error_code ec;
    return o.jsonl || o.dump_paths.size() > 1 ||
           (o.dump_paths.size() == 1 && std::filesystem::is_directory(o.dump_paths[0], ec));
}

int runBatch(const Options& base, const std::vector<std::filesystem::path>& dumps) {
    Options o = base;
    if (o.jsonl)
        o.format = report::OutputFormat::Json;
    o.color = false;
    std::vector<DumpOutcome> outcomes;
    int worst = kExitOk;
    for (std::size_t i = 0; i < dumps.size(); ++i) {
        CapturedOutput captured;
        if (!o.jsonl)
            fmt::print("{}==> {} <==\n", i ? "\n" : "", toValidUtf8(dumps[i].string()));
        auto outcome = runOne(o, dumps[i], o.jsonl ? captured.file() : stdout);
        if (o.jsonl)
            fmt::print("{}\n", jsonLine(outcome, captured.take()).dump());
        std::fflush(stdout);
        worst = std::max(worst, outcome.exit_code);
        outcomes.push_back(std::move(outcome));
    }
    if (o.jsonl) {
        printSummary(stderr, outcomes);
    } else {
        fmt::print("\n");
        printSummary(stdout, outcomes);
    }
    return worst;
}

} // namespace dumpprocs::cli
