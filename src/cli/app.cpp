#include "dumpprocs/cli/app.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string_view>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "dumpprocs/analysis/read.hpp"
#include "dumpprocs/analysis/run_views.hpp"
#include "dumpprocs/analysis/symbols.hpp"
#include "dumpprocs/cli/batch.hpp"
#include "dumpprocs/cli/options.hpp"
#include "dumpprocs/cli/run_modes.hpp"
#include "dumpprocs/support/expected.hpp"
#include "dumpprocs/support/version.hpp"

namespace dumpprocs::cli {
namespace {

constexpr const char* kDescription =
    "dumpprocs: list the processes of a Windows x64 kernel or complete memory dump (PAGEDU64\n"
    "MEMORY.DMP) from several independent views of the kernel, and cross-check them.";

constexpr const char* kFooterRest = R"(Examples:
  dumpprocs MEMORY.DMP                         cross-view of all views (same as --view all)
  dumpprocs MEMORY.DMP --view mm               the MmProcessLinks list, as the article prints it
  dumpprocs MEMORY.DMP --diff active,mm        what one view has that the other lacks, and why
  dumpprocs MEMORY.DMP --diff active,scan      unlinked and terminated processes, with times
  dumpprocs MEMORY.DMP --view all --format json --fail-on-hidden
  dumpprocs MEMORY.DMP --no-scan               the cross-view without reading all memory
  dumpprocs MEMORY.DMP --info                  what vertarget and dumpchk tell
  dumpprocs MEMORY.DMP --read 0xfffff80003c80ac0 --length 0x40
  dumpprocs MEMORY.DMP --read 0x1000 --physical
  dumpprocs MEMORY.DMP --cpus                  per processor: KPRCB, idle thread and its process
  dumpprocs MEMORY.DMP --modules               loaded drivers (a triage dump: its saved list)
  dumpprocs MEMORY.DMP --validate-list 0xfffff80003c80ee0
  dumpprocs MEMORY.DMP --show-profile          the structure layout in use and why it was chosen
  dumpprocs MEMORY.DMP --dt _EPROCESS 0xfffff80003c80ac0 "mini*"
  dumpprocs MEMORY.DMP --symbols ntkrnlmp.json.xz --view active
  dumpprocs a.dmp b.dmp --fail-on-hidden       batch: each dump's output, then a HIDDEN summary
  dumpprocs dumps/ --format jsonl              batch over a directory: one JSON object per dump
  dumpprocs memory.raw --raw --info            a raw image: how each kernel value was found

Exit codes:
  0  success
  1  the input cannot be used (not a dump, unsupported type or machine, corrupt header,
     kernel not readable, symbols or a forced row that fail the checks on the dump)
  2  usage error (also --fail-on-hidden with views that cannot find a hidden process)
  3  finished with partial results (a view or the module list incomplete or unavailable, a
     truncated file, a profile not confirmed on the dump; reasons on stderr)
  4  --fail-on-hidden was given and a process is HIDDEN (never for unverified)
  In batch mode the exit code is the most severe of the dumps' codes: 4, then 2, 1, 3, 0.)";

// The views part of --help, from the view table; then examples and exit codes.
std::string footer() {
    std::string views = "Views:\n";
    for (const auto& v : views::viewTable()) {
        // Wrapped at 100 columns, continuation lines under the text.
        std::string line = fmt::format("  {:<8} ", v.name);
        const std::string indent(line.size(), ' ');
        std::string_view text = v.help;
        while (line.size() + text.size() > 100) {
            const auto cut = text.rfind(' ', 100 - line.size());
            views += line + std::string(text.substr(0, cut)) + "\n";
            text.remove_prefix(cut + 1);
            line = indent;
        }
        views += line + std::string(text) + "\n";
    }
    views += "  all      every view, merged: one row per EPROCESS with a verdict\n\n";
    return views + kFooterRest;
}

void setUpLogging(const Options& o) {
    // --color's value is already one of auto, always, never (CLI11's IsMember, any case).
    const bool colour =
        chooseColour(o.color_text, std::getenv("NO_COLOR"), false, false).diagnostics;
    auto logger = spdlog::stderr_color_mt("dumpprocs", colour ? spdlog::color_mode::automatic
                                                              : spdlog::color_mode::never);
    logger->set_pattern("%^%l%$: %v");
    logger->set_level(o.quiet     ? spdlog::level::err
                      : o.verbose ? spdlog::level::debug
                                  : spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

std::optional<std::uint64_t> parseNumber(const std::string& text) {
    std::string t = text;
    std::erase(t, '`'); // WinDbg's fffff800`03c80ac0
    try {
        std::size_t used = 0;
        const bool hex = t.rfind("0x", 0) == 0 || t.rfind("0X", 0) == 0 ||
                         t.find_first_of("abcdefABCDEF") != std::string::npos;
        const auto value = std::stoull(t, &used, hex ? 16 : 10);
        if (used != t.size())
            return std::nullopt;
        return value;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// --fail-on-hidden promises an exit code 4 for a hidden process: refused for views that cannot
// find one (a single view, or no Process Manager record among them), rather than exit 0 always.
Expected<void> checkFailOnHidden(const Options& o) {
    const bool list_mode = o.diff_text.empty() && o.read_text.empty() && o.validate_text.empty() &&
                           o.dt_args.empty() && !o.info && !o.cpus && !o.show_profile && !o.modules;
    if (!o.fail_on_hidden || (!list_mode && o.diff_text.empty()))
        return {};
    std::vector<std::string> names;
    if (!o.diff_text.empty())
        names = {o.diff_a, o.diff_b};
    else if (std::find(o.views.begin(), o.views.end(), "all") != o.views.end())
        return {}; // every view: active and cid among them
    else
        names = o.views;
    if (const std::string why = crossview::whyCannotJudge(names); !why.empty())
        return makeError(ErrorCode::Usage, "--fail-on-hidden: {}", why);
    return {};
}

std::string lowerCase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::vector<std::string> commaList(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty())
            out.push_back(item);
    return out;
}

// --pid, --name, --verdict, --columns, --wide, --tree: what the process tables show.
Expected<void> finishTableOptions(Options& o) {
    for (const auto& p : commaList(o.pid_text)) {
        const auto pid = parseNumber(p);
        if (!pid)
            return makeError(ErrorCode::Usage,
                             "--pid '{}' is not a number (hex with 0x, or decimal)", p);
        o.filter.pids.push_back(*pid);
    }
    if (!o.pid_text.empty() && o.filter.pids.empty())
        return makeError(ErrorCode::Usage, "--pid takes one or more PIDs: 4,0x3e4");
    o.filter.name_glob = o.name_glob;
    for (const auto& v : commaList(o.verdict_text)) {
        const auto verdict = report::verdictByName(v);
        if (!verdict)
            return makeError(ErrorCode::Usage,
                             "--verdict '{}' is no verdict (ok, expected, hidden, unverified, "
                             "terminated, invalid, unsaved, unjudged)",
                             v);
        o.filter.verdicts.push_back(*verdict);
    }
    o.columns = commaList(o.columns_text);
    if (const std::string why = report::checkColumnKeys(o.columns); !why.empty())
        return makeError(ErrorCode::Usage, "{}", why);
    if (o.wide && !o.columns.empty())
        return makeError(ErrorCode::Usage, "--wide shows every column: not with --columns");
    const bool table_options = o.filter.active() || o.tree || o.wide || !o.columns.empty();
    const bool tables = o.read_text.empty() && o.validate_text.empty() && o.dt_args.empty() &&
                        !o.info && !o.cpus && !o.show_profile && !o.modules && !o.export_isf;
    if (table_options && !tables)
        return makeError(ErrorCode::Usage, "--pid, --name, --verdict, --tree, --columns and "
                                           "--wide apply to the process tables (--view, --diff)");
    return {};
}

// Turns the raw CLI strings into numbers and lists; usage errors name the offending value.
Expected<void> finishOptions(Options& o) {
    auto number = [](const std::string& text, const char* what) -> Expected<std::uint64_t> {
        auto v = parseNumber(text);
        if (!v)
            return makeError(ErrorCode::Usage, "{} '{}' is not a number (hex with 0x, or decimal)",
                             what, text);
        return *v;
    };
    if (o.read_text.empty() && (!o.length_text.empty() || o.physical))
        return makeError(ErrorCode::Usage, "{} applies only to --read ADDR",
                         o.length_text.empty() ? "--physical" : "--length");
    if (o.all_fields && !o.show_profile)
        return makeError(ErrorCode::Usage, "--all-fields applies only to --show-profile");
    if (!o.read_text.empty()) {
        DP_TRY(o.read_address, number(o.read_text, "--read address"));
        if (!o.length_text.empty()) {
            // std::stoull takes "-5" as 2^64-5: a sign is refused before it is parsed.
            const auto length = o.length_text.find('-') == std::string::npos
                                    ? parseNumber(o.length_text)
                                    : std::nullopt;
            if (!length || *length == 0 || *length > analysis::kMaxReadLength)
                return makeError(ErrorCode::Usage,
                                 "--length '{}' is not a byte count from 1 to {:#x} (1 MiB)",
                                 o.length_text, analysis::kMaxReadLength);
            o.read_length = *length;
        }
    }
    if (!o.validate_text.empty()) {
        DP_TRY(o.validate_address, number(o.validate_text, "--validate-list address"));
    }
    if (!o.dt_args.empty()) {
        if (o.dt_args.size() < 2 || o.dt_args.size() > 3)
            return makeError(ErrorCode::Usage, "--dt takes TYPE ADDRESS [PATTERN]");
        DP_TRY(o.dt_address, number(o.dt_args[1], "--dt address"));
    }
    if (!o.dtb_text.empty()) {
        DP_TRY(o.dtb, number(o.dtb_text, "--dtb"));
    }
    if (!o.diff_text.empty()) {
        const auto names = commaList(lowerCase(o.diff_text));
        if (names.size() != 2)
            return makeError(ErrorCode::Usage,
                             "--diff compares exactly two views: A,B (e.g. active,mm), not '{}'",
                             o.diff_text);
        o.diff_a = names[0];
        o.diff_b = names[1];
    }
    // View names in any case: ACTIVE is active.
    o.views = commaList(lowerCase(o.view_text.empty() ? "all" : o.view_text));
    const auto scans = [](const std::string& v) {
        const views::ViewInfo* info = views::findView(v);
        return info && info->scans_physical_memory;
    };
    if (o.no_scan &&
        (std::any_of(o.views.begin(), o.views.end(), scans) || scans(o.diff_a) || scans(o.diff_b)))
        return makeError(ErrorCode::Usage, "--no-scan contradicts asking for the scan view");
    DP_CHECK(checkFailOnHidden(o));
    DP_CHECK(finishTableOptions(o));
    if (o.format_text == "json")
        o.format = report::OutputFormat::Json;
    else if (o.format_text == "jsonl")
        o.jsonl = true, o.format = report::OutputFormat::Json;
    else if (o.format_text == "csv")
        o.format = report::OutputFormat::Csv;
    if (!o.code_page_text.empty()) {
        DP_TRY(o.code_page, analysis::parseCodePage(o.code_page_text));
    }
    o.color = chooseColour(o.color_text, std::getenv("NO_COLOR"), isatty(STDOUT_FILENO),
                           o.format == report::OutputFormat::Text)
                  .tables;
    return {};
}

// --export-isf: no dump is read; the PDB's profile goes out as ISF text.
int exportIsfOf(const Options& o) {
    if (o.dump_paths.size() != 1) {
        spdlog::error("--export-isf takes one PDB file, not {}", o.dump_paths.size());
        return kExitUsage;
    }
    auto isf = analysis::exportIsfOfPdb(o.dump_paths.front());
    if (!isf) {
        spdlog::error("{}", isf.error().message);
        return kExitBadInput;
    }
    std::cout << *isf << std::flush;
    return kExitOk;
}

} // namespace

ColourChoice chooseColour(const std::string& color, const char* no_color, bool stdout_is_terminal,
                          bool text_output) {
    const bool no_color_set = no_color && *no_color;
    ColourChoice c;
    c.tables = color == "always" ||
               (color == "auto" && !no_color_set && stdout_is_terminal && text_output);
    c.diagnostics = color == "always" || (color == "auto" && !no_color_set);
    return c;
}

int run(int argc, char** argv) {
    CLI::App app{kDescription, "dumpprocs"};
    app.footer(footer());
    app.get_formatter()->column_width(34);
    Options o;
    app.add_option("dump", o.dump_paths,
                   "the crash dump (MEMORY.DMP); several paths or a directory: batch mode")
        ->required();
    auto* modes = app.add_option_group("modes", "what to show (default: --view all)");
    modes->add_option("--view", o.view_text,
                      fmt::format("views to list: {} or all", views::viewNameList(",")));
    modes->add_option("--diff", o.diff_text, "compare two views: A,B");
    modes->add_flag("--info", o.info, "dump header and kernel facts (like vertarget/dumpchk)");
    modes->add_option("--read", o.read_text, "hex dump memory at ADDR (like WinDbg's db)");
    modes->add_flag("--cpus", o.cpus, "per processor: KPRCB, idle thread and its process");
    modes->add_flag("--modules", o.modules,
                    "loaded kernel modules (like lm): PsLoadedModuleList, or a triage dump's "
                    "saved driver list and unloaded drivers");
    modes->add_option("--validate-list", o.validate_text, "walk a LIST_ENTRY ring both ways");
    modes->add_flag("--show-profile", o.show_profile, "the structure layout in use and why");
    modes->add_flag("--export-isf", o.export_isf,
                    "the path is a PDB (ntkrnlmp.pdb): write it as a Volatility 3 ISF file to "
                    "standard output");
    modes->add_option("--dt", o.dt_args, "TYPE ADDR [PATTERN]: show a structure like WinDbg's dt")
        ->expected(2, 3);
    modes->require_option(0, 1);
    app.add_option(
        "--length", o.length_text,
        fmt::format("bytes to --read: 1 to {:#x} (default 0x80)", analysis::kMaxReadLength));
    app.add_flag("--physical", o.physical, "--read a physical address");
    app.add_flag("--all-fields", o.all_fields,
                 "--show-profile: every member a symbol file describes, not only those the tool "
                 "reads");
    app.add_option("--format", o.format_text, "text, json, csv (tables) or jsonl (batch)")
        ->transform(CLI::IsMember({"text", "json", "csv", "jsonl"}, CLI::ignore_case));
    app.add_option("--profile", o.profile, "force a built-in profile row (see --show-profile)");
    app.add_option("--symbols", o.symbols,
                   "the kernel's PDB (ntkrnlmp.pdb), a Volatility 3 ISF symbol file (.json, "
                   ".json.xz), or a folder (a symbol store) searched for the kernel's (by PDB GUID "
                   "and age)");
    app.add_option("--symbol-path", o.symbol_path,
                   "WinDbg symbol path (default: $_NT_SYMBOL_PATH): its local folders are "
                   "searched for the kernel's PDB, srv*/cache*/symsrv* stores and plain folders; "
                   "URLs are ignored (never network)");
    app.add_flag("--no-cache", o.no_cache,
                 "parse --symbols / symbol-path files on every run: no compiled-profile cache "
                 "(default: $XDG_CACHE_HOME/dumpprocs, else ~/.cache/dumpprocs)");
    app.add_flag("--raw", o.raw,
                 "DUMP is a raw physical memory image (physical address = file "
                 "offset); also detected when DUMP is not a crash dump");
    app.add_option("--dtb", o.dtb_text,
                   "raw image only: the kernel page-table root (physical PML4)");
    app.add_flag("--trust-header", o.trust_header,
                 "keep a crash dump's header DirectoryTableBase and PsActiveProcessHead even when "
                 "the memory contradicts them");
    app.add_flag("--fail-on-hidden", o.fail_on_hidden,
                 "exit with 4 when a process is HIDDEN (needs active or cid and a second view)");
    app.add_flag("--trust-profile", o.trust_profile,
                 "go on with --symbols or --profile although their offsets fail the checks on "
                 "this dump (every view is then marked partial)");
    app.add_flag("--no-scan", o.no_scan,
                 "--view all without the scan view, which reads all physical memory: its time "
                 "grows with the dump's size (0.9 to 1.4 GB/s read from disk, 6.8 GB/s from the "
                 "page cache: docs/performance.md)");
    auto* tables = app.add_option_group("process tables", "what --view and --diff show");
    tables->add_option("--pid", o.pid_text, "only these PIDs: 4,0x3e4");
    tables->add_option("--name", o.name_glob, "only names matching this glob, any case: 'svc*'");
    tables->add_option("--verdict", o.verdict_text, "only these verdicts: hidden,terminated");
    tables->add_flag("--tree", o.tree,
                     "parent and child by PPID and create time (text: indented, JSON: \"tree\")");
    tables->add_option("--columns", o.columns_text,
                       "text columns: a list of keys, or +KEYS to add to the default (see "
                       "docs/usage.md)");
    tables->add_flag("--wide", o.wide, "every text column (wider than 120 characters)");
    tables->add_option("--codepage", o.code_page_text,
                       "the system's ANSI code page for process names that are not ASCII and "
                       "have no image path: 932 (Japanese), 936, 949, 950, 1250-1258, 437, ...");
    app.add_option("--color", o.color_text,
                   "colour: auto, always or never (auto: none when "
                   "NO_COLOR is set)")
        ->transform(CLI::IsMember({"auto", "always", "never"}, CLI::ignore_case));
    app.add_flag("-v,--verbose", o.verbose, "more detail on stderr");
    app.add_flag("-q,--quiet", o.quiet, "only errors on stderr");
    app.set_version_flag("--version", "dumpprocs " + toolVersion());
    // CLI11's own messages start with "error:" as the tool's do, one line each.
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        std::string out;
        std::stringstream lines(e.what());
        for (std::string line; std::getline(lines, line);)
            out += "error: " + line + "\n";
        return out;
    });
    try {
        app.parse(argc, argv);
    } catch (const CLI::RequiredError& e) {
        // `dumpprocs --dt T ADDR DUMP`: --dt took the dump as its PATTERN.
        if (o.dump_paths.empty() && o.dt_args.size() == 3 &&
            std::filesystem::exists(o.dt_args[2])) {
            std::cerr << fmt::format("error: the dump goes before --dt, whose third value is a "
                                     "member PATTERN: dumpprocs {} --dt {} {}\n",
                                     o.dt_args[2], o.dt_args[0], o.dt_args[1]);
            return kExitUsage;
        }
        return app.exit(e) == 0 ? kExitOk : kExitUsage;
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? kExitOk : kExitUsage;
    }
    setUpLogging(o);
    if (auto r = finishOptions(o); !r) {
        spdlog::error("{}", r.error().message);
        return kExitUsage;
    }
    if (o.export_isf)
        return exportIsfOf(o);
    if (wantsBatch(o)) {
        auto dumps = expandDumpPaths(o.dump_paths);
        if (!dumps) {
            spdlog::error("{}", dumps.error().message);
            return kExitBadInput;
        }
        return runBatch(o, *dumps);
    }
    o.dump_path = o.dump_paths.front();
    return runMode(o, Output(stdout));
}

} // namespace dumpprocs::cli
