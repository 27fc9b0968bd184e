#include "dumpprocs/report/views_report.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dumpprocs/report/json_writer.hpp"
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

// The members that are a process's own: a list head's or an invalid node's bytes at those offsets
// are no PID and no attribute, and an unsaved entry has none read.
bool isProcess(const ProcessRecord& r) {
    return r.kind == EntryKind::Process || r.kind == EntryKind::Idle;
}

// A PID or PPID: null in JSON and empty in CSV where it is not a process's (a list head, an
// invalid node, an unsaved entry); in text "?" for an unsaved entry (nothing was read) and "-"
// for the others.
Cell idCell(const ProcessRecord& r, std::uint64_t id) {
    if (isProcess(r) && id <= 0xFFFFFFFFULL)
        return Cell::number(id);
    return Cell::missing().inText(r.kind == EntryKind::Unsaved ? "?" : "-");
}

// WinDbg's spelling of a PID ("Cid: 03e4"), for the text table only.
Cell cidCell(const ProcessRecord& r) {
    if (!isProcess(r) || r.pid > 0xFFFFFFFFULL)
        return Cell::missing().inText("-");
    return Cell::text(fmt::format("{:04x}", r.pid));
}

// The per-format rules of a name: a list head's name is "<no name>" in text and "" in JSON and CSV.
Cell nameCell(const ProcessRecord& r) {
    return Cell::text(r.kind == EntryKind::ListHead ? "" : r.name()).inText(displayName(r));
}

// ImageFileName's bytes as read, in hex: what the name was decoded from (null where nothing was
// read).
Cell nameRawCell(const ProcessRecord& r) {
    return r.readable ? Cell::text(r.nameRawHex()) : Cell::missing();
}

// A value the record does not have: "-" in text, null in JSON, empty in CSV.
Cell none() {
    return Cell::missing().inText("-");
}

Cell timeCell(std::uint64_t filetime) {
    return filetime ? Cell::text(filetimeToIso(filetime)) : none();
}

Cell minimalCell(const ProcessRecord& r) {
    return r.minimal ? Cell::flag(*r.minimal) : none();
}

template <typename T, typename Make> Cell optionalCell(const std::optional<T>& v, Make make) {
    return v ? make(*v) : none();
}

// The columns every process table has, in their JSON and CSV order, with the key --columns
// names each by (the JSON key where there is one).
enum CommonColumn : std::size_t {
    kEprocess,
    kPid,
    kPpid,
    kName,
    kNameRaw,
    kKind,
    kInserted,
    kMinimal,
    kExiting,
    kDeleted,
    kCreateTime,
    kExitTime,
    kThreads,
    kSession,
    kWow64,
    kImagePath,
    kPhysical,
    kDtb,
    kHeaderValid,
    kInKernelImage,
    kKernelSection,
    kPidHex,
    kCommonCount
};

std::vector<Column> commonColumns() {
    return {{"EPROCESS", "eprocess", "eprocess", 18},
            {"PID", "pid", "pid", 6, Align::Right},
            {"PPID", "ppid", "ppid", 6, Align::Right},
            {"Name", "name", "name", 16, Align::Left, "  "},
            {"", "name_raw", "name_raw"},
            {"Kind", "kind", "kind", 9, Align::Left, "  "},
            {"Ins", "inserted", "inserted", 3, Align::Right},
            {"Min", "minimal", "minimal", 3, Align::Right},
            {"Exi", "exiting", "exiting", 3, Align::Right},
            {"Del", "deleted", "deleted", 3, Align::Right},
            {"Created", "create_time", "create_time", 24, Align::Left, "  "},
            {"Exited", "exit_time", "exit_time", 24, Align::Left, "  "},
            {"Thr", "active_threads", "active_threads", 4, Align::Right, "  "},
            {"Sess", "session_id", "session_id", 4, Align::Right},
            {"W64", "wow64", "wow64", 3, Align::Right},
            {"Path", "image_path", "image_path", 0, Align::Left, "  "},
            {"Offset(P)", "physical_offset", "physical_offset", 18, Align::Left, "  "},
            {"DTB", "directory_table_base", "directory_table_base", 18, Align::Left, "  "},
            {"", "object_header_valid", "object_header_valid"},
            {"", "in_kernel_image", "in_kernel_image"},
            {"", "kernel_section", "kernel_section"},
            {"Cid", "", "", 5, Align::Right}};
}

// The common cells of a record; the columns not in `wanted` (bits by CommonColumn) are left
// missing, for a table that does not show them.
std::vector<Cell> commonCells(const ProcessRecord& r, std::uint32_t wanted = ~std::uint32_t{0}) {
    std::vector<Cell> row;
    row.reserve(kCommonCount + 16); // the tables' own columns follow
    row.resize(kCommonCount, Cell::missing());
    auto set = [&](CommonColumn c, auto make) {
        if ((wanted >> c) & 1)
            row[c] = make();
    };
    set(kEprocess, [&] { return Cell::hex(r.eprocess); });
    set(kPid, [&] { return idCell(r, r.pid); });
    set(kPpid, [&] { return idCell(r, r.ppid); });
    set(kName, [&] { return nameCell(r); });
    set(kNameRaw, [&] { return nameRawCell(r); });
    set(kKind, [&] { return Cell::text(views::entryKindName(r.kind)); });
    set(kInserted, [&] { return Cell::flag(r.inserted); });
    set(kMinimal, [&] { return minimalCell(r); });
    set(kExiting, [&] { return Cell::flag(r.exiting); });
    set(kDeleted, [&] { return Cell::flag(r.deleted); });
    set(kCreateTime, [&] { return timeCell(r.create_time); });
    set(kExitTime, [&] { return timeCell(r.exit_time); });
    set(kThreads, [&] { return Cell::number(r.active_threads); });
    set(kSession,
        [&] { return optionalCell(r.session_id, [](auto v) { return Cell::number(v); }); });
    set(kWow64, [&] { return optionalCell(r.wow64, [](auto v) { return Cell::flag(v); }); });
    set(kImagePath,
        [&] { return optionalCell(r.image_path, [](auto v) { return Cell::text(v); }); });
    set(kPhysical,
        [&] { return optionalCell(r.physical_offset, [](auto v) { return Cell::hex(v); }); });
    set(kDtb, [&] { return Cell::hex(r.directory_table_base); });
    set(kHeaderValid, [&] { return Cell::flag(r.object_header_valid); });
    set(kInKernelImage, [&] { return Cell::flag(r.in_kernel_image); });
    set(kKernelSection,
        [&] { return r.in_kernel_image ? Cell::text(r.kernel_section) : Cell::missing(); });
    set(kPidHex, [&] { return cidCell(r); });
    // An unsaved entry had nothing read: its flags are unknown, not 0.
    if (r.kind == EntryKind::Unsaved)
        for (std::size_t i : {kInserted, kMinimal, kExiting, kDeleted, kThreads})
            row[i].inText("?");
    return row;
}

// The text keys of --columns, each a column or a group of them, in --wide's order.
const std::vector<std::pair<std::string, std::size_t>>& textKeys() {
    static const std::vector<std::pair<std::string, std::size_t>> keys = {
        {"index", 0},
        {"eprocess", kEprocess},
        {"pid", kPid},
        {"pid_hex", kPidHex},
        {"ppid", kPpid},
        {"name", kName},
        {"kind", kKind},
        {"inserted", kInserted},
        {"minimal", kMinimal},
        {"exiting", kExiting},
        {"deleted", kDeleted},
        {"active_threads", kThreads},
        {"session_id", kSession},
        {"wow64", kWow64},
        {"create_time", kCreateTime},
        {"exit_time", kExitTime},
        {"physical_offset", kPhysical},
        {"directory_table_base", kDtb},
        {"views", 0},
        {"verdict", 0},
        {"image_path", kImagePath}};
    return keys;
}

const std::vector<std::string> kCrossDefault = {"eprocess", "pid",   "ppid",
                                                "name",     "views", "verdict"};
const std::vector<std::string> kEntryDefault = {"index",   "eprocess", "pid",  "ppid",   "inserted",
                                                "minimal", "kind",     "name", "verdict"};

// The text keys of a table: the default, the user's list, the default and the user's additions,
// or every key (--wide); the keys this kind of table does not have are left out.
std::vector<std::string> textKeysFor(const ViewsReportOptions& o, bool cross) {
    std::vector<std::string> keys;
    if (o.wide) {
        for (const auto& [key, index] : textKeys())
            keys.push_back(key);
    } else if (!o.columns.empty() && o.columns.front().rfind('+', 0) != 0) {
        keys = o.columns;
    } else {
        keys = cross ? kCrossDefault : kEntryDefault;
        std::vector<std::string> extra = o.columns;
        if (!extra.empty())
            extra.front().erase(0, 1);
        // Added before the verdict (and the views), with the path last.
        auto at = std::find(keys.begin(), keys.end(), cross ? "views" : "verdict");
        for (const auto& e : extra)
            if (std::find(keys.begin(), keys.end(), e) == keys.end())
                at = std::next(keys.insert(e == "image_path" ? keys.end() : at, e)),
                at = std::find(keys.begin(), keys.end(), cross ? "views" : "verdict");
    }
    std::erase(keys, cross ? "index" : "views");
    return keys;
}

// A name indented under its parent like pstree's (ASCII): "|- ", "`- " and the bars of the
// ancestors that have later children.
struct TreeRow {
    std::size_t index; // into the list the tree was made of
    std::size_t depth;
    std::string prefix;
};

// Parent and child by PPID and create time: the parent is the process with the child's PPID as
// its PID that was created before the child and had not exited when it was created; when PIDs
// were reused, the latest such. A list head, an invalid node or an unsaved entry is nobody's
// parent and has none (its PPID is no process's).
std::vector<std::optional<std::size_t>> parentsOf(const std::vector<const ProcessRecord*>& list) {
    std::vector<std::optional<std::size_t>> parent(list.size());
    std::multimap<std::uint64_t, std::size_t> by_pid;
    for (std::size_t i = 0; i < list.size(); ++i)
        if (list[i]->kind == EntryKind::Process && list[i]->pid != 0)
            by_pid.emplace(list[i]->pid, i);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const ProcessRecord& c = *list[i];
        if (!isProcess(c) || c.ppid == 0 || c.ppid == c.pid)
            continue;
        const auto [lo, hi] = by_pid.equal_range(c.ppid);
        for (auto it = lo; it != hi; ++it) {
            const ProcessRecord& p = *list[it->second];
            if (it->second == i || (c.create_time && p.create_time > c.create_time) ||
                (c.create_time && p.exit_time && p.exit_time < c.create_time))
                continue;
            if (!parent[i] || p.create_time > list[*parent[i]]->create_time)
                parent[i] = it->second;
        }
    }
    // Times that do not order a ring of processes (unknown or equal) must not make a cycle.
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::set<std::size_t> seen{i};
        for (auto p = parent[i]; p; p = parent[*p])
            if (!seen.insert(*p).second) {
                parent[i].reset();
                break;
            }
    }
    return parent;
}

std::vector<TreeRow> treeOrder(const std::vector<const ProcessRecord*>& list) {
    const auto parent = parentsOf(list);
    std::vector<std::vector<std::size_t>> children(list.size());
    std::vector<std::size_t> roots;
    for (std::size_t i = 0; i < list.size(); ++i)
        (parent[i] ? children[*parent[i]] : roots).push_back(i);
    std::vector<TreeRow> out;
    // Depth first, children in the list's order; `bars` is what the ancestors draw on this line.
    auto visit = [&](auto& self, std::size_t i, std::size_t depth, const std::string& bars,
                     bool last) -> void {
        out.push_back({i, depth, depth == 0 ? "" : bars + (last ? "`- " : "|- ")});
        const std::string below = depth == 0 ? "" : bars + (last ? "   " : "|  ");
        for (std::size_t k = 0; k < children[i].size(); ++k)
            self(self, children[i][k], depth + 1, below, k + 1 == children[i].size());
    };
    for (std::size_t r : roots)
        visit(visit, r, 0, "", true);
    return out;
}

// Rows of `t` (made from `list`, one row each) put in tree order, each name behind its branch.
void applyTree(Table& t, const std::vector<const ProcessRecord*>& list) {
    std::vector<std::vector<Cell>> rows;
    std::size_t width = t.columns[kName].width;
    for (const auto& tr : treeOrder(list)) {
        std::vector<Cell> row = t.rows[tr.index];
        const std::string name = tr.prefix + displayName(*list[tr.index]);
        width = std::max(width, name.size() + 2);
        row[kName].inText(name);
        rows.push_back(std::move(row));
    }
    t.rows = std::move(rows);
    t.columns[kName].width = width;
}

// One letter per view for the cross-view table when the full names do not fit: the first letter
// of its name not taken by an earlier view of the table (then its upper case), so a view keeps its
// letter whichever views run.
std::map<std::string, std::string> viewLetters() {
    std::map<std::string, std::string> letters;
    std::set<char> taken;
    for (const auto& v : views::viewTable()) {
        const std::string name = v.name;
        char pick = 0;
        for (bool upper : {false, true}) {
            for (char c : name) {
                const char l =
                    upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
                if (!taken.count(l)) {
                    pick = l;
                    break;
                }
            }
            if (pick)
                break;
        }
        if (!pick)
            pick = '?';
        taken.insert(pick);
        letters[name] = std::string(1, pick);
    }
    return letters;
}

constexpr std::size_t kTextWidth = 120; // the default text tables fit a 120-column terminal

std::size_t textWidth(const Table& t) {
    std::size_t w = 0;
    bool first = true;
    for (std::size_t i : t.text_order) {
        const Column& c = t.columns[i];
        w += (first ? 0 : c.gap.size()) + std::max(c.width, c.title.size());
        first = false;
    }
    return w;
}

// The common columns (bits by CommonColumn) the text table shows; `offset`: the first common
// column's index in `t`. A text table spells only these: the others' cells stay missing, so a
// table of thousands of rows does not hold the image paths, times and hex it does not print.
std::uint32_t textCommonColumns(const Table& t, std::size_t offset) {
    std::uint32_t wanted = 0;
    for (std::size_t i : t.text_order)
        if (i >= offset && i < offset + kCommonCount)
            wanted |= std::uint32_t{1} << (i - offset);
    return wanted;
}

// Sets the text columns of `t` from the keys; `views_at` is the first view column (cross-view),
// `verdict_at` the verdict's, `index_at` the walk position's (a view's table).
void chooseTextColumns(Table& t, const std::vector<std::string>& keys, std::size_t views_at,
                       std::size_t view_count, std::size_t verdict_at, std::size_t index_at,
                       std::size_t offset) {
    t.text_order.clear();
    for (const auto& key : keys) {
        if (key == "views") {
            for (std::size_t v = 0; v < view_count; ++v)
                t.text_order.push_back(views_at + v);
            continue;
        }
        if (key == "verdict") {
            t.text_order.push_back(verdict_at);
            continue;
        }
        if (key == "index") {
            t.text_order.push_back(index_at);
            continue;
        }
        for (const auto& [k, i] : textKeys())
            if (k == key)
                t.text_order.push_back(offset + i);
    }
    // The first shown column has no gap before it; the name column after a narrow one keeps two.
}

struct Shown {
    std::vector<const MergedProcess*> rows;
    std::size_t total = 0;
};

Shown shownOf(const std::vector<MergedProcess>& list, const ProcessFilter& filter) {
    Shown s;
    s.total = list.size();
    for (const auto& m : list)
        if (filter.matches(m))
            s.rows.push_back(&m);
    return s;
}

const std::vector<Verdict> kVerdictOrder = {
    Verdict::Ok,         Verdict::Expected, Verdict::Hidden,  Verdict::Unverified,
    Verdict::Terminated, Verdict::Invalid,  Verdict::Unsaved, Verdict::Unjudged};

std::string thousands(std::size_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

// "1,003 processes: 996 ok, 2 expected, 3 HIDDEN, 2 TERMINATED" (the verdicts that occur), with
// "shown of N" when a filter left some out.
std::string summaryLine(const std::vector<Verdict>& verdicts, std::size_t total, const char* noun,
                        bool filtered) {
    std::map<Verdict, std::size_t> count;
    for (Verdict v : verdicts)
        ++count[v];
    std::string parts;
    for (Verdict v : kVerdictOrder)
        if (count[v])
            parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", thousands(count[v]),
                                 crossview::verdictName(v));
    std::string head = fmt::format("{} {}", thousands(verdicts.size()), noun);
    if (filtered)
        head += fmt::format(" shown (of {})", thousands(total));
    return head + (parts.empty() ? "" : ": " + parts) + "\n";
}

json summaryJson(const std::vector<Verdict>& verdicts, std::size_t total) {
    json counts = json::object();
    for (Verdict v : kVerdictOrder)
        counts[crossview::verdictName(v)] = std::count(verdicts.begin(), verdicts.end(), v);
    return {{"shown", verdicts.size()}, {"total", total}, {"counts", std::move(counts)}};
}

std::vector<Verdict> verdictsOf(const std::vector<const MergedProcess*>& rows) {
    std::vector<Verdict> out;
    for (const auto* m : rows)
        out.push_back(m->verdict);
    return out;
}

// The legend of the flag columns shown, and of the view letters when the table uses them.
std::string legend(const Table& t, const std::map<std::string, std::string>& letters,
                   const std::vector<std::string>& view_names, std::size_t offset) {
    static const std::vector<std::pair<std::size_t, const char*>> flags = {
        {kInserted, "Ins = ProcessInserted"},
        {kMinimal, "Min = Flags3.Minimal (- where the build has none)"},
        {kExiting, "Exi = ProcessExiting"},
        {kDeleted, "Del = ProcessDelete"},
        {kWow64, "W64 = a 32-bit process (Wow64Process set)"},
        {kPidHex, "Cid = the PID in hex, as WinDbg shows it"},
        {kPhysical, "Offset(P) = the EPROCESS's physical address"}};
    std::string parts;
    for (const auto& [column, text] : flags)
        if (std::find(t.text_order.begin(), t.text_order.end(), offset + column) !=
            t.text_order.end())
            parts += (parts.empty() ? "" : "; ") + std::string(text);
    std::string out = parts.empty() ? "" : wrapped("Columns: ", "  ", parts + ".");
    if (!letters.empty()) {
        std::string names;
        for (const auto& v : view_names)
            names += (names.empty() ? "" : ", ") + letters.at(v) + " = " + v;
        out += wrapped("Views: ", "  ",
                       names + " (the letter: listed by that view; -: not listed; ?: the view "
                               "was unavailable).");
    }
    return out;
}

// The columns of the process table and how each row of it is made: the cross-view text table,
// the CSV and the JSON "processes", built whole (processTable) or a row at a time (streamed).
struct ProcessRows {
    Table table; // the columns
    bool use_letters = false;
    std::map<std::string, std::string> letters;
    bool color = false;
    // For the text table only: its shown common columns, and no JSON- or CSV-only cells.
    bool text_only = false;
    std::uint32_t common_wanted = ~std::uint32_t{0};

    std::vector<Cell> row(const CrossView& cv, const MergedProcess& m) const {
        const ProcessRecord& r = m.record;
        std::vector<Cell> row = commonCells(r, common_wanted);
        if (text_only) {
            row.push_back(Cell::missing());
        } else {
            json in = json::object();
            for (const auto& [view, seen] : m.in)
                in[view] = seen;
            row.push_back(Cell::missing().inJson(std::move(in)));
        }
        for (const auto& v : cv.views) {
            const bool seen = m.in.at(v.name);
            const std::string yes = use_letters ? letters.at(v.name) : "yes";
            const std::string na = use_letters ? "?" : "n/a";
            row.push_back(Cell::flag(seen).inText(!v.available ? na : seen ? yes : "-"));
        }
        row.push_back(Cell::text(crossview::verdictName(m.verdict))
                          .inText(colored(crossview::verdictName(m.verdict), m.verdict, color)));
        if (text_only) {
            row.push_back(Cell::missing());
            return row;
        }
        std::string evidence;
        for (const auto& e : m.evidence)
            evidence += (evidence.empty() ? "" : "; ") + e;
        row.push_back(Cell::text(evidence).inJson(m.evidence));
        return row;
    }
};

// `letters`: one-letter view columns in text (the legend says which is which), else full names.
ProcessRows processColumns(const CrossView& cv, const ViewsReportOptions& o, bool letters_if_needed,
                           std::map<std::string, std::string>* letters_used = nullptr) {
    ProcessRows p;
    p.color = o.color;
    Table& t = p.table;
    t.columns = commonColumns();
    t.columns.push_back({"", "", "in"});
    const std::size_t views_at = t.columns.size();
    for (const auto& v : cv.views) {
        const std::string title = v.available ? v.name : v.name + "?";
        t.columns.push_back({title, "in_" + v.name, "", std::max<std::size_t>(6, title.size())});
    }
    const std::size_t verdict_at = t.columns.size();
    t.columns.push_back({"Verdict", "verdict", "verdict", 0, Align::Left, "  "});
    t.columns.push_back({"", "evidence", "evidence"});
    p.letters = viewLetters();
    chooseTextColumns(t, textKeysFor(o, true), views_at, cv.views.size(), verdict_at, 0, 0);
    if (letters_if_needed && textWidth(t) > kTextWidth) {
        p.use_letters = true;
        for (std::size_t v = 0; v < cv.views.size(); ++v) {
            Column& c = t.columns[views_at + v];
            c.title = p.letters.at(cv.views[v].name);
            c.width = 1;
        }
        if (letters_used)
            for (const auto& v : cv.views)
                (*letters_used)[v.name] = p.letters.at(v.name);
    }
    return p;
}

// One row per merged process, the whole table.
// `text_only`: the table is rendered as text alone (its cells for JSON and CSV are left out).
Table processTable(const CrossView& cv, const std::vector<const MergedProcess*>& list,
                   const ViewsReportOptions& o, bool letters_if_needed,
                   std::map<std::string, std::string>* letters_used = nullptr,
                   bool text_only = false) {
    ProcessRows p = processColumns(cv, o, letters_if_needed, letters_used);
    if (text_only) {
        p.text_only = true;
        p.common_wanted = textCommonColumns(p.table, 0);
    }
    std::vector<const ProcessRecord*> records;
    for (const MergedProcess* m : list) {
        records.push_back(&m->record);
        p.table.add(p.row(cv, *m));
    }
    if (o.tree)
        applyTree(p.table, records);
    return std::move(p.table);
}

// The JSON "processes" (and the diff's lists), written a row at a time.
void writeProcesses(JsonWriter& out, const CrossView& cv,
                    const std::vector<const MergedProcess*>& list) {
    const ProcessRows p = processColumns(cv, {}, false);
    out.beginArray();
    for (const MergedProcess* m : list) {
        out.beginObject();
        writeJsonMembers(out, p.table, p.row(cv, *m));
        out.endObject();
    }
    out.endArray();
}

// --tree in JSON: the shown processes nested, each node the process's object and its children.
json treeJson(const CrossView& cv, const std::vector<const MergedProcess*>& list) {
    const Table t = processTable(cv, list, {}, false);
    std::vector<const ProcessRecord*> records;
    for (const auto* m : list)
        records.push_back(&m->record);
    const auto order = treeOrder(records);
    // Built bottom-up: a node is complete once every later row (its subtree) has been placed.
    std::vector<json> nodes(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        nodes[i] = renderJsonRow(t, t.rows[i]);
        nodes[i]["children"] = json::array();
    }
    const auto parent = parentsOf(records);
    json roots = json::array();
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const std::size_t i = it->index;
        if (parent[i])
            nodes[*parent[i]]["children"].insert(nodes[*parent[i]]["children"].begin(),
                                                 std::move(nodes[i]));
        else
            roots.insert(roots.begin(), std::move(nodes[i]));
    }
    return roots;
}

using ByAddress = std::unordered_map<std::uint64_t, const MergedProcess*>;

// The merged process of each _EPROCESS address.
ByAddress byAddress(const CrossView& cv) {
    ByAddress by_address;
    by_address.reserve(cv.processes.size());
    for (const auto& m : cv.processes)
        by_address[m.record.eprocess] = &m;
    return by_address;
}

// The columns of a view's table: its text table and its JSON "entries".
Table entryColumns(const ViewsReportOptions& o) {
    Table t;
    t.columns = {{"No.", "", "index", 4, Align::Right}};
    for (Column c : commonColumns()) {
        c.csv_key.clear(); // a view's table is text and JSON only
        if (c.json_key != "eprocess" && c.json_key != "pid" && c.json_key != "name" &&
            c.json_key != "name_raw" && c.json_key != "kind" && c.json_key != "inserted" &&
            c.json_key != "minimal")
            c.json_key.clear();
        t.columns.push_back(c);
    }
    t.columns[1 + kEprocess].gap = "  ";
    t.columns.push_back({"Verdict", "", ""});
    const std::size_t verdict_at = t.columns.size() - 1;
    t.json_order = {0,         1 + kEprocess, 1 + kPid,    1 + kName, 1 + kNameRaw,
                    1 + kKind, 1 + kInserted, 1 + kMinimal};
    chooseTextColumns(t, textKeysFor(o, false), 0, 0, verdict_at, 0, 1);
    return t;
}

// One entry of a view, a row of entryColumns.
// An entry's walk position ("No."); `spell_text`: with its text spelling (the JSON needs none).
Cell indexCell(const views::ViewEntry& e, bool spell_text = true) {
    if (!e.index)
        return Cell::missing().inText("");
    Cell c = Cell::number(*e.index);
    if (spell_text)
        c.inText(fmt::format("{:03}", *e.index));
    return c;
}

// `wanted`: the common columns needed (bits by CommonColumn), the others left missing.
std::vector<Cell> entryRow(const views::ViewEntry& e, const MergedProcess& m,
                           const ViewsReportOptions& o, std::uint32_t wanted = ~std::uint32_t{0}) {
    const ProcessRecord& r = m.record;
    std::vector<Cell> row;
    row.reserve(1 + kCommonCount + 1);
    row.push_back(indexCell(e));
    for (auto& c : commonCells(r, wanted))
        row.push_back(std::move(c));
    // The entries' JSON keeps the PID the walk read, whatever the node.
    if (r.kind != EntryKind::Unsaved)
        row[1 + kPid] = Cell::number(r.pid).inText(row[1 + kPid].text());
    if (!isProcess(r))
        row[1 + kPid].inJson(nullptr);
    row.push_back(Cell::text(colored(crossview::verdictName(m.verdict), m.verdict, o.color)));
    return row;
}

// One row per entry of one view: its text table.
Table entryTable(const CrossView& cv, const views::ViewResult& v,
                 const std::vector<std::size_t>& entries, const ViewsReportOptions& o) {
    const ByAddress by_address = byAddress(cv);
    Table t = entryColumns(o);
    const std::uint32_t wanted = textCommonColumns(t, 1);
    std::vector<const ProcessRecord*> records;
    for (std::size_t at : entries) {
        const auto& e = v.entries[at];
        const MergedProcess& m = *by_address.at(e.eprocess);
        records.push_back(&m.record);
        t.add(entryRow(e, m, o, wanted));
    }
    if (o.tree) {
        // The tree works on the common columns: shift the name to its place in this table.
        std::vector<std::vector<Cell>> rows;
        std::size_t width = t.columns[1 + kName].width;
        for (const auto& tr : treeOrder(records)) {
            std::vector<Cell> row = t.rows[tr.index];
            const std::string name = tr.prefix + displayName(*records[tr.index]);
            width = std::max(width, name.size() + 2);
            row[1 + kName].inText(name);
            rows.push_back(std::move(row));
        }
        t.rows = std::move(rows);
        t.columns[1 + kName].width = width;
    }
    return t;
}

// The entries of a view the filter shows, as indices into its entries.
std::vector<std::size_t> shownEntries(const CrossView& cv, const views::ViewResult& v,
                                      const ProcessFilter& filter,
                                      std::vector<Verdict>* verdicts = nullptr) {
    const ByAddress by_address = byAddress(cv);
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < v.entries.size(); ++i) {
        const MergedProcess& m = *by_address.at(v.entries[i].eprocess);
        if (!filter.matches(m))
            continue;
        out.push_back(i);
        if (verdicts)
            verdicts->push_back(m.verdict);
    }
    return out;
}

// The JSON "views": each view's state and its entries, the entries written a row at a time.
void writeViewsJson(JsonWriter& out, const CrossView& cv, const ViewsReportOptions& o) {
    const ByAddress by_address = byAddress(cv);
    ViewsReportOptions flat = o;
    flat.tree = false;
    const Table columns = entryColumns(flat);
    // Only the columns the entries' JSON has are spelled.
    std::uint32_t wanted = 0;
    for (std::size_t i : columns.json_order)
        if (i >= 1 && i < 1 + kCommonCount && !columns.columns[i].json_key.empty())
            wanted |= std::uint32_t{1} << (i - 1);
    // An entry's members: its walk position, then its record's (the columns' JSON order).
    Table index_part = columns, record_part = columns;
    index_part.json_order = {0};
    std::erase(record_part.json_order, std::size_t{0});
    std::unordered_map<const MergedProcess*, std::string> record_members;
    out.beginObject();
    for (const auto& v : cv.views) {
        out.key(v.name);
        out.beginObject();
        out.key("available");
        out.boolean(v.available);
        if (!v.available) {
            out.key("unavailable_reason");
            out.string(v.unavailable_reason);
        }
        if (v.lacks_symbols) { // unavailable by the symbol data, not by this dump: not partial
            out.key("lacks_symbols");
            out.boolean(true);
        }
        out.key("complete");
        out.boolean(v.complete);
        out.key("exhaustive");
        out.boolean(v.exhaustive);
        if (!v.gaps.empty()) {
            out.key("gaps");
            out.json(v.gaps);
        }
        out.key("warnings");
        out.json(v.warnings);
        if (v.name == "dtb") {
            out.key("unowned_roots");
            out.beginArray();
            for (const std::uint64_t root : v.unowned_roots)
                out.string(hex64(root));
            out.endArray();
        }
        out.key("entries");
        out.beginArray();
        for (const auto& e : v.entries) {
            const MergedProcess& m = *by_address.at(e.eprocess);
            if (!o.filter.matches(m))
                continue;
            out.beginObject();
            writeJsonMembers(out, index_part, {indexCell(e, false)});
            // The record's members are the same in every view that lists it: spelled once.
            auto [cached, fresh] = record_members.try_emplace(&m);
            if (fresh) {
                JsonWriter part([&s = cached->second](std::string_view t) { s += t; }, out.depth());
                writeJsonMembers(part, record_part, entryRow(e, m, flat, wanted));
            }
            out.members(cached->second);
            if (!e.note.empty()) {
                out.key("note");
                out.string(e.note);
            }
            out.endObject();
        }
        out.endArray();
        out.endObject();
    }
    out.endObject();
}

std::string viewTitle(const views::ViewResult& v) {
    std::string state = !v.available ? "UNAVAILABLE: " + v.unavailable_reason
                        : v.complete ? fmt::format("{} entries, complete", v.entries.size())
                                     : fmt::format("{} entries, INCOMPLETE", v.entries.size());
    const views::ViewInfo* info = views::findView(v.name);
    return fmt::format("View {}: {} ({})\n", v.name, info ? info->title : v.name, state);
}

std::string textViewTable(const CrossView& cv, const views::ViewResult& v,
                          const ViewsReportOptions& o) {
    std::string out = viewTitle(v);
    if (!v.available)
        return out + "\n";
    std::vector<Verdict> verdicts;
    const auto shown = shownEntries(cv, v, o.filter, &verdicts);
    const Table t = entryTable(cv, v, shown, o);
    out += renderText(t);
    out += summaryLine(verdicts, v.entries.size(), "entries", o.filter.active());
    out += legend(t, {}, {}, 1);
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

std::string textCrossTable(const CrossView& cv, const ViewsReportOptions& o) {
    const Shown shown = shownOf(cv.processes, o.filter);
    std::map<std::string, std::string> letters;
    const Table t = processTable(cv, shown.rows, o, true, &letters, true);
    std::string out =
        letters.empty() ? "Cross-view (one row per distinct EPROCESS; yes = listed by that view)\n"
                        : "Cross-view (one row per distinct EPROCESS; a view's letter = listed "
                          "by that view)\n";
    out += renderText(t);
    out += summaryLine(verdictsOf(shown.rows), shown.total, "processes", o.filter.active());
    out += legend(t, letters, cv.view_names, 0);
    std::string notes;
    for (const auto* m : shown.rows)
        if (m->verdict != Verdict::Ok && m->verdict != Verdict::Unjudged)
            notes += textEvidence(*m, o.color);
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

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

} // namespace

bool ProcessFilter::matches(const MergedProcess& m) const {
    const ProcessRecord& r = m.record;
    if (!pids.empty() &&
        (!isProcess(r) || std::find(pids.begin(), pids.end(), r.pid) == pids.end()))
        return false;
    if (!name_glob.empty() &&
        fnmatch(name_glob.c_str(), (r.kind == EntryKind::ListHead ? "" : r.name()).c_str(),
                FNM_CASEFOLD) != 0)
        return false;
    if (!verdicts.empty() &&
        std::find(verdicts.begin(), verdicts.end(), m.verdict) == verdicts.end())
        return false;
    return true;
}

const std::vector<std::string>& processColumnKeys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> out;
        for (const auto& [key, index] : textKeys())
            out.push_back(key);
        return out;
    }();
    return keys;
}

std::string checkColumnKeys(const std::vector<std::string>& keys) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
        std::string key = keys[i];
        if (i == 0 && !key.empty() && key[0] == '+')
            key.erase(0, 1);
        const auto& known = processColumnKeys();
        if (std::find(known.begin(), known.end(), key) == known.end())
            return fmt::format("--columns: unknown column '{}' (known: {})", key,
                               fmt::join(known, ","));
    }
    return "";
}

std::optional<Verdict> verdictByName(const std::string& name) {
    for (Verdict v : kVerdictOrder)
        if (lower(crossview::verdictName(v)) == lower(name))
            return v;
    return std::nullopt;
}

namespace {

// The text of a diff: what each side lists that the other does not.
std::string textDiff(const CrossView& cv, const crossview::Diff& d,
                     const ViewsReportOptions& options, const Shown& all, const Shown& a,
                     const Shown& b) {
    std::string out;
    auto side = [&](const std::string& has, const std::string& lacks, const Shown& list) {
        out +=
            fmt::format("In {} but not in {}: {}{}\n", has, lacks, list.rows.size(),
                        options.filter.active() ? fmt::format(" shown (of {})", list.total) : "");
        for (const auto* m : list.rows)
            out += textEvidence(*m, options.color) + textTimes(m->record);
        out += "\n";
    };
    side(d.a, d.b, a);
    side(d.b, d.a, b);
    out += summaryLine(verdictsOf(all.rows), all.total, "processes", options.filter.active());
    out += verdictCounts(cv) + judgeNote(cv);
    for (const auto& v : cv.views) {
        if (!v.available)
            out += fmt::format("view {} unavailable: {}\n", v.name, v.unavailable_reason);
        for (const auto& w : v.warnings)
            out += fmt::format("warning ({}): {}\n", v.name, w);
    }
    return out;
}

} // namespace

namespace {

// The CSV of the process table, a row at a time; `side`: the diff's first column.
void writeCsv(const Write& write, const CrossView& cv,
              const std::vector<const MergedProcess*>& list, const std::string& side = "") {
    const ProcessRows p = processColumns(cv, {}, false);
    std::string buffer;
    for (const MergedProcess* m : list) {
        buffer += side;
        buffer += renderCsvRow(p.table, p.row(cv, *m));
        if (buffer.size() >= (std::size_t{1} << 16)) {
            write(buffer);
            buffer.clear();
        }
    }
    if (!buffer.empty())
        write(buffer);
}

// The JSON document of --view and --diff: the processes shown, their tree, the views, what
// `middle` adds (the diff's sides), the summary and the verdicts.
void writeJsonDocument(const Write& write, const CrossView& cv, const Shown& shown,
                       const ViewsReportOptions& options,
                       const std::function<void(JsonWriter&)>& middle) {
    JsonWriter out(write);
    out.beginObject();
    out.key("processes");
    writeProcesses(out, cv, shown.rows);
    if (options.tree) {
        out.key("tree");
        out.json(treeJson(cv, shown.rows));
    }
    out.key("views");
    writeViewsJson(out, cv, options);
    middle(out);
    out.key("summary");
    out.json(summaryJson(verdictsOf(shown.rows), shown.total));
    out.key("verdicts");
    out.json(verdictsJson(cv));
    out.endObject();
    out.raw("\n");
}

} // namespace

void writeViews(const CrossView& cv, const ViewsReportOptions& options, const Write& write) {
    const Shown shown = shownOf(cv.processes, options.filter);
    switch (options.format) {
    case OutputFormat::Json:
        writeJsonDocument(write, cv, shown, options, [](JsonWriter&) {});
        return;
    case OutputFormat::Csv:
        write(renderCsvHeader(processColumns(cv, {}, false).table));
        writeCsv(write, cv, shown.rows);
        return;
    case OutputFormat::Text:
        break;
    }
    if (options.cross_table) {
        write(textCrossTable(cv, options) + objectCountNote(cv));
        return;
    }
    for (const auto& v : cv.views)
        write(textViewTable(cv, v, options));
    write(verdictCounts(cv) + objectCountNote(cv) + judgeNote(cv));
}

std::string renderViews(const CrossView& cv, const ViewsReportOptions& options) {
    std::string out;
    writeViews(cv, options, [&out](std::string_view text) { out += text; });
    return out;
}

void writeDiff(const CrossView& cv, const crossview::Diff& d, const ViewsReportOptions& options,
               const Write& write) {
    const Shown all = shownOf(cv.processes, options.filter),
                a = shownOf(d.only_in_a, options.filter), b = shownOf(d.only_in_b, options.filter);
    switch (options.format) {
    case OutputFormat::Json:
        writeJsonDocument(write, cv, all, options, [&](JsonWriter& out) {
            out.key("diff");
            out.beginObject();
            out.key("a");
            out.string(d.a);
            out.key("b");
            out.string(d.b);
            out.key("only_in_a");
            writeProcesses(out, cv, a.rows);
            out.key("only_in_b");
            writeProcesses(out, cv, b.rows);
            out.endObject();
        });
        return;
    case OutputFormat::Csv:
        write("side," + renderCsvHeader(processColumns(cv, {}, false).table));
        writeCsv(write, cv, a.rows, "only_in_" + d.a + ",");
        writeCsv(write, cv, b.rows, "only_in_" + d.b + ",");
        return;
    case OutputFormat::Text:
        break;
    }
    write(textDiff(cv, d, options, all, a, b));
}

std::string renderDiff(const CrossView& cv, const crossview::Diff& d,
                       const ViewsReportOptions& options) {
    std::string out;
    writeDiff(cv, d, options, [&out](std::string_view text) { out += text; });
    return out;
}

} // namespace dumpprocs::report
