#include "dumpprocs/report/views_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "dumpprocs/report/table.hpp"

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
    const auto& oc = cv.object_count;
    json o;
    o["available"] = oc.available;
    if (!oc.available) {
        o["unavailable_reason"] = oc.unavailable_reason;
    } else {
        o["kernel_objects"] = oc.kernel_objects;
        o["kernel_handles"] = oc.kernel_handles;
        o["type_object"] = fmt::format("{:#x}", oc.type_object);
        o["source"] = oc.source;
        o["found"] = oc.found;
        o["compared"] = oc.compared;
        if (!oc.compared)
            o["why_not_compared"] = oc.why_not_compared;
        o["unaccounted"] = oc.unaccounted();
    }
    j["object_count"] = std::move(o);
    return j;
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

// The per-format rules of a process row, in one place: a list head's name is "<no name>" in text
// and "" in JSON and CSV; an unsaved entry's PID is "?" in text, null in JSON and the raw value
// in CSV; a PID no handle table can hand out is "?" in text only.
Cell nameCell(const ProcessRecord& r) {
    return Cell::text(r.kind == EntryKind::ListHead ? "" : r.name()).inText(displayName(r));
}

Cell idCell(const ProcessRecord& r, std::uint64_t id) {
    const bool unsaved = r.kind == EntryKind::Unsaved; // no fields were read
    Cell c = Cell::number(id).inText(unsaved ? "?" : idText(id));
    if (unsaved)
        c.inJson(nullptr);
    return c;
}

Cell timeCell(std::uint64_t filetime) {
    return filetime ? Cell::text(filetimeToIso(filetime)) : Cell::missing();
}

Cell minimalCell(const ProcessRecord& r) {
    return r.minimal ? Cell::flag(*r.minimal) : Cell::missing().inText("-");
}

// One row per merged process: the cross-view text table, the CSV and the JSON "processes".
Table processTable(const CrossView& cv, const std::vector<MergedProcess>& list, bool color) {
    Table t;
    t.columns = {{"EPROCESS", "eprocess", "eprocess", 18},
                 {"PID", "pid", "pid", 6, Align::Right},
                 {"", "ppid", "ppid"},
                 {"Name", "name", "name", 16, Align::Left, "  "},
                 {"", "kind", "kind"},
                 {"", "inserted", "inserted"},
                 {"", "minimal", "minimal"},
                 {"", "exiting", "exiting"},
                 {"", "", "deleted"},
                 {"", "create_time", "create_time"},
                 {"", "exit_time", "exit_time"},
                 {"", "", "active_threads"},
                 {"", "", "directory_table_base"},
                 {"", "", "object_header_valid"},
                 {"", "", "in_kernel_image"},
                 {"", "", "kernel_section"},
                 {"", "", "in"}};
    for (const auto& v : cv.views)
        t.columns.push_back({v.available ? v.name : v.name + "?", "in_" + v.name, "", 6});
    t.columns.push_back({"Verdict", "verdict", "verdict", 0, Align::Left, "  "});
    t.columns.push_back({"", "evidence", "evidence"});
    for (const auto& m : list) {
        const ProcessRecord& r = m.record;
        json in = json::object();
        for (const auto& [view, seen] : m.in)
            in[view] = seen;
        std::string evidence;
        for (const auto& e : m.evidence)
            evidence += (evidence.empty() ? "" : "; ") + e;
        std::vector<Cell> row = {Cell::hex(r.eprocess),
                                 idCell(r, r.pid),
                                 idCell(r, r.ppid),
                                 nameCell(r),
                                 Cell::text(views::entryKindName(r.kind)),
                                 Cell::flag(r.inserted),
                                 minimalCell(r).inCsv(r.minimal ? (*r.minimal ? "1" : "0") : ""),
                                 Cell::flag(r.exiting),
                                 Cell::flag(r.deleted),
                                 timeCell(r.create_time),
                                 timeCell(r.exit_time),
                                 Cell::number(r.active_threads),
                                 Cell::hex(r.directory_table_base),
                                 Cell::flag(r.object_header_valid),
                                 Cell::flag(r.in_kernel_image),
                                 r.in_kernel_image ? Cell::text(r.kernel_section) : Cell::missing(),
                                 Cell::missing().inJson(std::move(in))};
        for (const auto& v : cv.views) {
            const bool seen = m.in.at(v.name);
            row.push_back(Cell::flag(seen).inText(!v.available ? "n/a" : seen ? "yes" : "-"));
        }
        row.push_back(Cell::text(crossview::verdictName(m.verdict))
                          .inText(colored(crossview::verdictName(m.verdict), m.verdict, color)));
        row.push_back(Cell::text(evidence).inJson(m.evidence));
        t.add(std::move(row));
    }
    return t;
}

json processesJson(const CrossView& cv, const std::vector<MergedProcess>& list) {
    return renderJson(processTable(cv, list, false));
}

// One row per entry of one view: its text table and its JSON "entries".
Table entryTable(const CrossView& cv, const views::ViewResult& v, bool color) {
    std::map<std::uint64_t, const MergedProcess*> by_address;
    for (const auto& m : cv.processes)
        by_address[m.record.eprocess] = &m;
    Table t;
    t.columns = {{"No.", "", "index", 4, Align::Right},
                 {"EPROCESS", "", "eprocess", 18, Align::Left, "  "},
                 {"PID", "", "pid", 6, Align::Right},
                 {"PPID", "", "", 6, Align::Right},
                 {"Ins", "", "inserted", 3, Align::Right},
                 {"Min", "", "minimal", 3, Align::Right},
                 {"Kind", "", "kind", 9, Align::Left, "  "},
                 {"Name", "", "name", 16, Align::Left, "  "},
                 {"Verdict", "", ""}};
    t.json_order = {0, 1, 2, 7, 6, 4, 5};
    for (const auto& e : v.entries) {
        const MergedProcess& m = *by_address.at(e.eprocess);
        const ProcessRecord& r = m.record;
        // An entry the dump did not save has no fields to show; its JSON keeps the raw values.
        const bool unsaved = r.kind == views::EntryKind::Unsaved;
        Cell inserted = Cell::flag(r.inserted), minimal = minimalCell(r);
        if (unsaved)
            inserted.inText("?"), minimal.inText("?");
        t.add({e.index ? Cell::number(*e.index).inText(fmt::format("{:03}", *e.index))
                       : Cell::missing().inText(""),
               Cell::hex(r.eprocess), Cell::number(r.pid).inText(unsaved ? "?" : idText(r.pid)),
               Cell::number(r.ppid).inText(unsaved ? "?" : idText(r.ppid)), inserted, minimal,
               Cell::text(views::entryKindName(r.kind)), nameCell(r),
               Cell::text(colored(crossview::verdictName(m.verdict), m.verdict, color))});
    }
    return t;
}

json viewsJson(const CrossView& cv) {
    json views = json::object();
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
        if (v.name == "dtb") {
            jv["unowned_roots"] = json::array();
            for (const std::uint64_t root : v.unowned_roots)
                jv["unowned_roots"].push_back(idText(root));
        }
        const Table entries = entryTable(cv, v, false);
        jv["entries"] = json::array();
        for (std::size_t i = 0; i < entries.rows.size(); ++i) {
            json je = renderJsonRow(entries, entries.rows[i]);
            if (!v.entries[i].note.empty())
                je["note"] = v.entries[i].note;
            jv["entries"].push_back(std::move(je));
        }
        views[v.name] = std::move(jv);
    }
    return views;
}

std::string viewTitle(const views::ViewResult& v) {
    std::string state = !v.available ? "UNAVAILABLE: " + v.unavailable_reason
                        : v.complete ? fmt::format("{} entries, complete", v.entries.size())
                                     : fmt::format("{} entries, INCOMPLETE", v.entries.size());
    const views::ViewInfo* info = views::findView(v.name);
    return fmt::format("View {}: {} ({})\n", v.name, info ? info->title : v.name, state);
}

std::string textViewTable(const CrossView& cv, const views::ViewResult& v, bool color) {
    std::string out = viewTitle(v);
    if (!v.available)
        return out + "\n";
    out += renderText(entryTable(cv, v, color));
    for (const auto& w : v.warnings)
        out += wrapped("  warning: ", "    ", w);
    for (const auto& g : v.gaps)
        out += wrapped("  not read whole: ", "    ", g);
    return out + "\n";
}

// One line under the tables when the verdicts cannot say hidden or not: why, and what would.
// The Process type's count against what the views found, when it betrays objects they missed.
std::string objectCountNote(const CrossView& cv) {
    const auto& oc = cv.object_count;
    if (oc.unaccounted() == 0)
        return "";
    return wrapped("", "  ",
                   fmt::format("{} process objects unaccounted for: the Process type object "
                               "counts {} (TotalNumberOfObjects), the views found {}; a process "
                               "object no view sees is hidden from all of them, or its pages are "
                               "not in the dump.",
                               oc.unaccounted(), oc.kernel_objects, oc.found));
}

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
    out += renderText(processTable(cv, cv.processes, color));
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

} // namespace

std::string renderViews(const CrossView& cv, const ViewsReportOptions& options) {
    switch (options.format) {
    case OutputFormat::Json: {
        json j;
        j["processes"] = processesJson(cv, cv.processes);
        j["views"] = viewsJson(cv);
        j["verdicts"] = verdictsJson(cv);
        return j.dump(2) + "\n";
    }
    case OutputFormat::Csv:
        return renderCsv(processTable(cv, cv.processes, false));
    case OutputFormat::Text:
        break;
    }
    if (options.cross_table)
        return textCrossTable(cv, options.color) + objectCountNote(cv);
    std::string out;
    for (const auto& v : cv.views)
        out += textViewTable(cv, v, options.color);
    return out + verdictCounts(cv) + objectCountNote(cv) + judgeNote(cv);
}

std::string renderDiff(const CrossView& cv, const crossview::Diff& d,
                       const ViewsReportOptions& options) {
    switch (options.format) {
    case OutputFormat::Json: {
        json j;
        j["processes"] = processesJson(cv, cv.processes);
        j["views"] = viewsJson(cv);
        j["diff"] = {{"a", d.a},
                     {"b", d.b},
                     {"only_in_a", processesJson(cv, d.only_in_a)},
                     {"only_in_b", processesJson(cv, d.only_in_b)}};
        j["verdicts"] = verdictsJson(cv);
        return j.dump(2) + "\n";
    }
    case OutputFormat::Csv: {
        const Table a = processTable(cv, d.only_in_a, false),
                    b = processTable(cv, d.only_in_b, false);
        std::string out = "side," + renderCsvHeader(a);
        for (const auto& row : a.rows)
            out += "only_in_" + d.a + "," + renderCsvRow(a, row);
        for (const auto& row : b.rows)
            out += "only_in_" + d.b + "," + renderCsvRow(b, row);
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
