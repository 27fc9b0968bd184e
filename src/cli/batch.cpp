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
#include "dumpprocs/report/format.hpp"
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
        if (!o.summary.hidden.empty()) {
            std::vector<std::string> labels;
            for (const auto& h : o.summary.hidden)
                labels.push_back(h.label());
            what = "HIDDEN: " + fmt::format("{}", fmt::join(labels, ", "));
        } else if (!o.errors.empty())
            what = o.errors.front();
        else
            what = o.exit_code == kExitPartial ? "no HIDDEN process (partial results)"
                                               : "no HIDDEN process";
        fmt::print(to, "  {}  exit {}  {}\n", toValidUtf8(o.path.string()), o.exit_code, what);
    }
}

using ordered_json = nlohmann::ordered_json;

// One dump's envelope, its members in the order docs/json-output.md gives: the same for jsonl's
// lines and the elements of --format json's array.
ordered_json envelope(const DumpOutcome& o, const std::string& output) {
    ordered_json j;
    // File names and the messages that quote them are the user's bytes, not necessarily UTF-8.
    const auto valid = [](const std::vector<std::string>& lines) {
        std::vector<std::string> out;
        for (const auto& line : lines)
            out.push_back(toValidUtf8(line));
        return out;
    };
    j["dump"] = toValidUtf8(o.path.string());
    j["exit_code"] = o.exit_code;
    j["hidden"] = ordered_json::array();
    for (const auto& h : o.summary.hidden)
        j["hidden"].push_back({{"eprocess", report::hex64(h.eprocess)},
                               {"pid", h.pid},
                               {"name", h.name},
                               {"missing_from", h.missing_from}});
    j["errors"] = valid(o.errors);
    j["warnings"] = valid(o.warnings);
    j["result"] = output.empty() ? ordered_json() : ordered_json::parse(output, nullptr, false);
    if (j["result"].is_discarded())
        j["result"] = output; // not JSON (should not happen): keep the text
    return j;
}

// How bad an exit code is, for the batch's: a HIDDEN process asked about (4) first, then a usage
// error (2), an unusable dump (1), partial results (3), success (0). An unreadable dump is not
// masked by another's partial result.
int severity(int code) {
    switch (code) {
    case kExitHidden:
        return 4;
    case kExitUsage:
        return 3;
    case kExitBadInput:
        return 2;
    case kExitPartial:
        return 1;
    default:
        return code == kExitOk ? 0 : 2;
    }
}

// One dump's CSV without its header line, each row led by the dump's path; the header once, led
// by "dump". A run whose header differs from the first (another mode cannot happen in one batch)
// is kept with its own header line rather than mislabelled.
void appendCsv(std::string& out, std::string& header, const std::string& dump,
               const std::string& csv) {
    if (csv.empty())
        return;
    const auto eol = csv.find('\n');
    const std::string head = csv.substr(0, eol);
    if (header.empty()) {
        header = head;
        out += "dump," + head + "\n";
    } else if (head != header) {
        out += "dump," + head + "\n";
        header = head;
    }
    std::size_t at = eol == std::string::npos ? csv.size() : eol + 1;
    const std::string field = report::csvField(dump);
    while (at < csv.size()) {
        const auto next = csv.find('\n', at);
        const std::size_t end = next == std::string::npos ? csv.size() : next;
        out += field + "," + csv.substr(at, end - at) + "\n";
        at = end + 1;
    }
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
    // Text: each dump's output under a banner, the summary after them. JSON, CSV and jsonl: only
    // data on stdout (one array, one CSV, one line per dump), the summary on stderr.
    const bool text = o.format == report::OutputFormat::Text;
    const bool json_array = !o.jsonl && o.format == report::OutputFormat::Json;
    const bool csv = o.format == report::OutputFormat::Csv;
    std::vector<DumpOutcome> outcomes;
    ordered_json array = ordered_json::array();
    std::string csv_header;
    int worst = kExitOk;
    for (std::size_t i = 0; i < dumps.size(); ++i) {
        CapturedOutput captured;
        if (text)
            fmt::print("{}==> {} <==\n", i ? "\n" : "", toValidUtf8(dumps[i].string()));
        auto outcome = runOne(o, dumps[i], text ? stdout : captured.file());
        if (o.jsonl) {
            fmt::print("{}\n", envelope(outcome, captured.take()).dump());
        } else if (json_array) {
            array.push_back(envelope(outcome, captured.take()));
        } else if (csv) {
            std::string rows;
            appendCsv(rows, csv_header, toValidUtf8(dumps[i].string()), captured.take());
            fmt::print("{}", rows);
        }
        std::fflush(stdout);
        if (severity(outcome.exit_code) > severity(worst))
            worst = outcome.exit_code;
        outcomes.push_back(std::move(outcome));
    }
    if (json_array)
        fmt::print("{}\n", array.dump(2));
    if (text) {
        fmt::print("\n");
        printSummary(stdout, outcomes);
    } else {
        printSummary(stderr, outcomes);
    }
    return worst;
}

} // namespace dumpprocs::cli
