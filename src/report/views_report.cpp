#include "dumpprocs/report/views_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace dumpprocs::report {
namespace {

using crossview::CrossView;
using crossview::MergedProcess;
using crossview::Verdict;
using json = nlohmann::ordered_json;
using views::EntryKind;
using views::ProcessRecord;

// The name column: the article prints nothing for the list head, so neither do we.
std::string displayName(const ProcessRecord& r) {
    if (r.kind == EntryKind::Unsaved)
        return "<not saved>";
    if (r.kind == EntryKind::ListHead || r.name().empty())
        return "<no name>";
    return r.name();
}

std::string minimalText(const ProcessRecord& r) {
    return r.minimal ? (*r.minimal ? "1" : "0") : "-";
}

json recordJson(const MergedProcess& m) {
    const ProcessRecord& r = m.record;
    json j;
    j["eprocess"] = hex64(r.eprocess);
    const bool unsaved = r.kind == EntryKind::Unsaved; // no fields were read
    j["pid"] = unsaved ? json(nullptr) : json(r.pid);
    j["ppid"] = unsaved ? json(nullptr) : json(r.ppid);
    j["name"] = r.kind == EntryKind::ListHead ? "" : r.name();
    j["kind"] = views::entryKindName(r.kind);
    j["inserted"] = r.inserted;
    j["minimal"] = r.minimal ? json(*r.minimal) : json(nullptr);
    j["exiting"] = r.exiting;
    j["deleted"] = r.deleted;
    j["create_time"] = r.create_time ? json(filetimeToIso(r.create_time)) : json(nullptr);
    j["exit_time"] = r.exit_time ? json(filetimeToIso(r.exit_time)) : json(nullptr);
    j["active_threads"] = r.active_threads;
    j["directory_table_base"] = hex64(r.directory_table_base);
    j["object_header_valid"] = r.object_header_valid;
    j["in_kernel_image"] = r.in_kernel_image;
    j["kernel_section"] = r.in_kernel_image ? json(r.kernel_section) : json(nullptr);
    j["in"] = json::object();
    for (const auto& [view, seen] : m.in)
        j["in"][view] = seen;
    j["verdict"] = crossview::verdictName(m.verdict);
    j["evidence"] = m.evidence;
    return j;
}

json viewsJson(const CrossView& cv) {
    json views = json::object();
    std::map<std::uint64_t, const MergedProcess*> by_address;
    for (const auto& m : cv.processes)
        by_address[m.record.eprocess] = &m;
    for (const auto& v : cv.views) {
        json jv;
        jv["available"] = v.available;
        if (!v.available)
            jv["unavailable_reason"] = v.unavailable_reason;
        if (v.lacks_symbols) // unavailable by the symbol data, not by this dump: not partial
            jv["lacks_symbols"] = true;
        jv["complete"] = v.complete;
        jv["exhaustive"] = v.exhaustive;
        if (!v.gaps.empty())
            jv["gaps"] = v.gaps;
        jv["warnings"] = v.warnings;
        jv["entries"] = json::array();
        for (const auto& e : v.entries) {
            const ProcessRecord& r = by_address.at(e.eprocess)->record;
            json je;
            je["index"] = e.index ? json(*e.index) : json(nullptr);
            je["eprocess"] = hex64(e.eprocess);
            je["pid"] = r.pid;
            je["name"] = r.kind == EntryKind::ListHead ? "" : r.name();
            je["kind"] = views::entryKindName(r.kind);
            je["inserted"] = r.inserted;
            je["minimal"] = r.minimal ? json(*r.minimal) : json(nullptr);
            if (!e.note.empty())
                je["note"] = e.note;
            jv["entries"].push_back(std::move(je));
        }
        views[v.name] = std::move(jv);
    }
    return views;
}

// How many rows got each verdict, and whether the run could judge hiding at all.
json verdictsJson(const CrossView& cv) {
    json j;
    j["judged"] = cv.cannot_judge.empty();
    if (!cv.cannot_judge.empty())
        j["why_not_judged"] = cv.cannot_judge;
    json counts = json::object();
    for (Verdict v : {Verdict::Ok, Verdict::Expected, Verdict::Hidden, Verdict::Unverified,
                      Verdict::Terminated, Verdict::Invalid, Verdict::Unsaved, Verdict::Unjudged})
        counts[crossview::verdictName(v)] = cv.count(v);
    j["counts"] = std::move(counts);
    return j;
}

json processesJson(const std::vector<MergedProcess>& list) {
    json arr = json::array();
    for (const auto& m : list)
        arr.push_back(recordJson(m));
    return arr;
}

std::string colored(const std::string& text, Verdict v, bool color) {
    if (!color || (v != Verdict::Hidden && v != Verdict::Terminated && v != Verdict::Invalid &&
                   v != Verdict::Unverified))
        return text;
    const char* code = v == Verdict::Hidden ? "\033[1;31m" : "\033[33m";
    return code + text + "\033[0m";
}

// Text wrapped at 100 columns on spaces: `first` starts the first line, `rest` the others.
std::string wrapped(const std::string& first, const std::string& rest, const std::string& text) {
    constexpr std::size_t kWidth = 100;
    std::string out, line = first;
    std::size_t at = 0;
    bool line_empty = true;
    while (at < text.size()) {
        std::size_t end = text.find(' ', at);
        if (end == std::string::npos)
            end = text.size();
        const std::string word = text.substr(at, end - at);
        if (!line_empty && line.size() + 1 + word.size() > kWidth) {
            out += line + "\n";
            line = rest;
            line_empty = true;
        }
        line += (line_empty ? "" : " ") + word;
        line_empty = false;
        at = end + 1;
    }
    return out + line + "\n";
}

// A PID for the text table: a value no handle table can hand out (what a list head's bytes hold
// where a process keeps its PID) is shown as "?" so the column stays readable; JSON and CSV keep
// the raw value, and --dt shows the bytes.
std::string idText(std::uint64_t id) {
    return id > 0xFFFFFFFFULL ? std::string("?") : std::to_string(id);
}

std::string viewTitle(const views::ViewResult& v) {
    std::string state = !v.available ? "UNAVAILABLE: " + v.unavailable_reason
                        : v.complete ? fmt::format("{} entries, complete", v.entries.size())
                                     : fmt::format("{} entries, INCOMPLETE", v.entries.size());
    const views::ViewInfo* info = views::findView(v.name);
    return fmt::format("View {}: {} ({})\n", v.name, info ? info->title : v.name, state);
}

std::string textViewTable(const CrossView& cv, const views::ViewResult& v, bool color) {
    std::map<std::uint64_t, const MergedProcess*> by_address;
    for (const auto& m : cv.processes)
        by_address[m.record.eprocess] = &m;
    std::string out = viewTitle(v);
    if (!v.available)
        return out + "\n";
    out += fmt::format("{:>4}  {:<18} {:>6} {:>6} {:>3} {:>3}  {:<9}  {:<16} {}\n", "No.",
                       "EPROCESS", "PID", "PPID", "Ins", "Min", "Kind", "Name", "Verdict");
    for (const auto& e : v.entries) {
        const MergedProcess& m = *by_address.at(e.eprocess);
        const ProcessRecord& r = m.record;
        const std::string index = e.index ? fmt::format("{:03}", *e.index) : "";
        // An entry the dump did not save has no fields to show.
        const bool unsaved = r.kind == views::EntryKind::Unsaved;
        auto field = [&](auto value) {
            return unsaved ? std::string("?") : fmt::format("{}", value);
        };
        out += fmt::format(
            "{:>4}  {:<18} {:>6} {:>6} {:>3} {:>3}  {:<9}  {:<16} {}\n", index, hex64(r.eprocess),
            unsaved ? "?" : idText(r.pid), unsaved ? "?" : idText(r.ppid),
            field(r.inserted ? 1 : 0), unsaved ? "?" : minimalText(r), views::entryKindName(r.kind),
            displayName(r), colored(crossview::verdictName(m.verdict), m.verdict, color));
    }
    for (const auto& w : v.warnings)
        out += wrapped("  warning: ", "    ", w);
    for (const auto& g : v.gaps)
        out += wrapped("  not read whole: ", "    ", g);
    return out + "\n";
}

// One line under the tables when the verdicts cannot say hidden or not: why, and what would.
std::string judgeNote(const CrossView& cv) {
    return cv.cannot_judge.empty() ? "" : wrapped("Verdicts: ", "  ", cv.cannot_judge + ".");
}

// The count of the verdicts that call for a look, when there are any.
std::string verdictCounts(const CrossView& cv) {
    const std::size_t hidden = cv.count(Verdict::Hidden),
                      unverified = cv.count(Verdict::Unverified);
    if (unverified == 0)
        return "";
    return wrapped("", "  ",
                   fmt::format("{} HIDDEN, {} unverified: an unverified process is missing from "
                               "Process Manager records that could not be read whole; it may be "
                               "hidden or the dump may lack the part that lists it.",
                               hidden, unverified));
}

std::string textEvidence(const MergedProcess& m, bool color) {
    std::string out = fmt::format("  {} {} ({}): {}\n", hex64(m.record.eprocess),
                                  displayName(m.record), views::entryKindName(m.record.kind),
                                  colored(crossview::verdictName(m.verdict), m.verdict, color));
    for (const auto& e : m.evidence)
        out += wrapped("      - ", "        ", e);
    return out;
}

// Create and exit time, as psscan shows them (a diff against the scan lists exited processes);
// only for process objects, whose times mean something.
std::string textTimes(const ProcessRecord& r) {
    if (r.kind != EntryKind::Process)
        return "";
    return fmt::format("      created {}, exited {}\n",
                       r.create_time ? filetimeToIso(r.create_time) : "-",
                       r.exit_time ? filetimeToIso(r.exit_time) : "-");
}

std::string textCrossTable(const CrossView& cv, bool color) {
    std::string out = "Cross-view (one row per distinct EPROCESS; yes = listed by that view)\n";
    std::string head = fmt::format("{:<18} {:>6}  {:<16}", "EPROCESS", "PID", "Name");
    for (const auto& v : cv.views)
        head += fmt::format(" {:<6}", v.available ? v.name : v.name + "?");
    out += head + "  Verdict\n";
    for (const auto& m : cv.processes) {
        const bool unsaved = m.record.kind == EntryKind::Unsaved;
        std::string row = fmt::format("{:<18} {:>6}  {:<16}", hex64(m.record.eprocess),
                                      unsaved ? "?" : idText(m.record.pid), displayName(m.record));
        for (const auto& v : cv.views)
            row += fmt::format(" {:<6}", !v.available ? "n/a" : m.in.at(v.name) ? "yes" : "-");
        out += row + "  " + colored(crossview::verdictName(m.verdict), m.verdict, color) + "\n";
    }
    std::string notes;
    for (const auto& m : cv.processes)
        if (m.verdict != Verdict::Ok && m.verdict != Verdict::Unjudged)
            notes += textEvidence(m, color);
    if (!notes.empty())
        out += "\nWhy the rows that are not ok:\n" + notes;
    if (const std::string counts = verdictCounts(cv); !counts.empty())
        out += "\n" + counts;
    if (const std::string note = judgeNote(cv); !note.empty())
        out += "\n" + note;
    for (const auto& v : cv.views) {
        if (!v.available)
            out += fmt::format("\nview {} unavailable: {}\n", v.name, v.unavailable_reason);
        for (const auto& w : v.warnings)
            out += fmt::format("warning ({}): {}\n", v.name, w);
    }
    return out;
}

std::string csvHeader(const CrossView& cv) {
    std::string h = "eprocess,pid,ppid,name,kind,inserted,minimal,exiting,create_time,exit_time";
    for (const auto& v : cv.views)
        h += ",in_" + v.name;
    return h + ",verdict,evidence\n";
}

std::string csvRow(const CrossView& cv, const MergedProcess& m) {
    const ProcessRecord& r = m.record;
    std::string evidence;
    for (const auto& e : m.evidence)
        evidence += (evidence.empty() ? "" : "; ") + e;
    std::string row = fmt::format("{},{},{},{},{},{},{},{},{},{}", hex64(r.eprocess), r.pid, r.ppid,
                                  csvField(r.kind == EntryKind::ListHead ? "" : r.name()),
                                  views::entryKindName(r.kind), r.inserted ? 1 : 0,
                                  r.minimal ? (*r.minimal ? "1" : "0") : "", r.exiting ? 1 : 0,
                                  filetimeToIso(r.create_time), filetimeToIso(r.exit_time));
    for (const auto& v : cv.views)
        row += m.in.at(v.name) ? ",1" : ",0";
    return row + "," + crossview::verdictName(m.verdict) + "," + csvField(evidence) + "\n";
}

} // namespace

std::string renderViews(const CrossView& cv, const ViewsReportOptions& options) {
    switch (options.format) {
    case OutputFormat::Json: {
        json j;
        j["processes"] = processesJson(cv.processes);
        j["views"] = viewsJson(cv);
        j["verdicts"] = verdictsJson(cv);
        return j.dump(2) + "\n";
    }
    case OutputFormat::Csv: {
        std::string out = csvHeader(cv);
        for (const auto& m : cv.processes)
            out += csvRow(cv, m);
        return out;
    }
    case OutputFormat::Text:
        break;
    }
    if (options.cross_table)
        return textCrossTable(cv, options.color);
    std::string out;
    for (const auto& v : cv.views)
        out += textViewTable(cv, v, options.color);
    return out + verdictCounts(cv) + judgeNote(cv);
}

std::string renderDiff(const CrossView& cv, const crossview::Diff& d,
                       const ViewsReportOptions& options) {
    switch (options.format) {
    case OutputFormat::Json: {
        json j;
        j["processes"] = processesJson(cv.processes);
        j["views"] = viewsJson(cv);
        j["diff"] = {{"a", d.a},
                     {"b", d.b},
                     {"only_in_a", processesJson(d.only_in_a)},
                     {"only_in_b", processesJson(d.only_in_b)}};
        j["verdicts"] = verdictsJson(cv);
        return j.dump(2) + "\n";
    }
    case OutputFormat::Csv: {
        std::string out = "side," + csvHeader(cv);
        for (const auto& m : d.only_in_a)
            out += "only_in_" + d.a + "," + csvRow(cv, m);
        for (const auto& m : d.only_in_b)
            out += "only_in_" + d.b + "," + csvRow(cv, m);
        return out;
    }
    case OutputFormat::Text:
        break;
    }
    std::string out;
    auto side = [&](const std::string& has, const std::string& lacks,
                    const std::vector<MergedProcess>& list) {
        out += fmt::format("In {} but not in {}: {}\n", has, lacks, list.size());
        for (const auto& m : list)
            out += textEvidence(m, options.color) + textTimes(m.record);
        out += "\n";
    };
    side(d.a, d.b, d.only_in_a);
    side(d.b, d.a, d.only_in_b);
    out += verdictCounts(cv) + judgeNote(cv);
    for (const auto& v : cv.views) {
        if (!v.available)
            out += fmt::format("view {} unavailable: {}\n", v.name, v.unavailable_reason);
        for (const auto& w : v.warnings)
            out += fmt::format("warning ({}): {}\n", v.name, w);
    }
    return out;
}

} // namespace dumpprocs::report
