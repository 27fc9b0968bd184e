#pragma once
// Parsed command-line options.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/report/format.hpp"
#include "dumpprocs/report/views_report.hpp"

namespace dumpprocs::cli {

struct Options {
    std::vector<std::string> dump_paths; // as given: files or directories
    std::string dump_path;               // the one dump of this run
    // modes (at most one)
    std::string view_text, diff_text, read_text, validate_text;
    std::vector<std::string> dt_args;
    bool info = false, cpus = false, show_profile = false, modules = false;
    bool export_isf = false; // --export-isf: the one path is a PDB, written out as an ISF
    bool all_fields = false; // --all-fields: --show-profile lists every member, not only those read
    // modifiers
    std::string length_text; // --length as given; empty: the default read_length
    bool physical = false;
    std::string format_text = "text", color_text = "auto";
    std::string profile, symbols;
    std::string symbol_path; // --symbol-path (else the _NT_SYMBOL_PATH environment variable)
    bool fail_on_hidden = false, verbose = false, quiet = false;
    bool no_scan = false;       // --no-scan: "all" means every view but the physical-memory scan
    bool raw = false;           // --raw: a raw physical memory image
    std::string dtb_text;       // --dtb: the page-table root, for raw images
    bool trust_header = false;  // --trust-header: keep a crash dump's header values
    bool trust_profile = false; // --trust-profile: use --symbols/--profile that failed the checks
    bool no_cache = false;      // --no-cache: parse symbol files every run, no profile cache
    // the process tables: filters, tree, columns
    std::string pid_text, name_glob, verdict_text, columns_text;
    bool tree = false, wide = false;
    std::string code_page_text; // --codepage: the system's ANSI code page for process names
    // derived by finishOptions()
    std::vector<std::string> views;
    std::string diff_a, diff_b;
    std::optional<std::uint64_t> dtb;
    std::uint64_t read_address = 0, read_length = 0x80, validate_address = 0, dt_address = 0;
    report::OutputFormat format = report::OutputFormat::Text;
    bool color = false;
    bool jsonl = false; // --format jsonl: batch output, one JSON object per dump
    report::ProcessFilter filter;
    std::vector<std::string> columns;
    unsigned code_page = 0; // 0: none given
};

} // namespace dumpprocs::cli
