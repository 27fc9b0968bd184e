#include "dumpprocs/report/cpus_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "dumpprocs/report/table.hpp"

namespace dumpprocs::report {
namespace {

using json = nlohmann::ordered_json;
using kernel::CpuRecord;

// WinDbg's !running spells pointers in upper case in the text form; JSON and CSV keep the one
// spelling of every table, 0x + 16 lower-case digits.
Cell pointer(const std::optional<std::uint64_t>& v) {
    if (!v)
        return Cell::missing().inCsv("?");
    return Cell::hex(*v).inText(fmt::format("0x{:016X}", *v));
}

// The columns of --cpus in CSV and JSON (the text form is WinDbg's line per processor).
Table cpuTable(const kernel::CpuList& list) {
    Table t;
    t.columns = {{"", "number", "number"},       {"", "prcb", "prcb"},
                 {"", "idle_process", ""},       {"", "idle_thread", "idle_thread"},
                 {"", "", "idle_process"},       {"", "", "current_thread"},
                 {"", "state", "state"},         {"", "priority", "priority"},
                 {"", "wait_time", "wait_time"}, {"", "current_thread", ""}};
    for (const CpuRecord& c : list.cpus) {
        Cell state = c.state ? Cell::number(*c.state).inCsv(fmt::format("{:02}", *c.state))
                             : Cell::missing().inCsv("?");
        Cell prio = c.priority ? Cell::signedNumber(*c.priority) : Cell::missing().inCsv("?");
        Cell wait = c.wait_time ? Cell::number(*c.wait_time)
                                      .inCsv(fmt::format("{:#x}", *c.wait_time))
                                      .inJson(fmt::format("{:#x}", *c.wait_time))
                                : Cell::missing().inCsv("?");
        Cell idle_process = pointer(c.idle_process);
        Cell current = pointer(c.current_thread);
        t.add({Cell::number(c.number), Cell::hex(c.prcb), idle_process, pointer(c.idle_thread),
               idle_process, current, state, prio, wait, current});
    }
    return t;
}

std::string cpusText(const kernel::CpuList& list) {
    auto upper = [](const std::optional<std::uint64_t>& v) {
        return v ? fmt::format("0x{:016X}", *v) : std::string("?");
    };
    std::string out;
    for (const auto& c : list.cpus) {
        const std::string state = c.state ? fmt::format("{:02}", *c.state) : "?";
        const std::string prio = c.priority ? fmt::format("{}", *c.priority) : "?";
        const std::string wait = c.wait_time ? fmt::format("0x{:X}", *c.wait_time) : "?";
        out +=
            fmt::format("No.{}  PrimaryProcess->{}  IdleThread->{}  State->{}  "
                        "Priority->{}  WaitTime->{}\n",
                        c.number, upper(c.idle_process), upper(c.idle_thread), state, prio, wait) +
            (c.problem.empty() ? "" : "      problem: " + c.problem + "\n");
    }
    if (!list.problem.empty())
        out += "problem: " + list.problem + "\n";
    return out;
}

} // namespace

std::string renderCpus(const kernel::CpuList& list, OutputFormat format) {
    if (format == OutputFormat::Text)
        return cpusText(list);
    const Table t = cpuTable(list);
    if (format == OutputFormat::Csv)
        return renderCsv(t);
    json arr = json::array();
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        json j = renderJsonRow(t, t.rows[i]);
        if (!list.cpus[i].problem.empty())
            j["problem"] = list.cpus[i].problem;
        arr.push_back(std::move(j));
    }
    json j;
    j["cpus"] = arr;
    if (!list.problem.empty())
        j["problem"] = list.problem;
    return j.dump(2) + "\n";
}

} // namespace dumpprocs::report
