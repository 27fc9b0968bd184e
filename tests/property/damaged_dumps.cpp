// property.damaged_dumps: the damaged-dump corpus of issue 13 and the properties every verdict
// must keep on it.
//
// The machines come from dumpgen (damagedCorpusScenarios(): twelve layouts from 7601 to 26100,
// each as a full and a bitmap dump, with DKOM-hidden processes planted). Each dump is written
// undamaged, cut at 7 points (15 .. 97 % of its size, as `head -c` or a writer that stopped
// leaves it) and with three bands of stored pages zeroed in 3 deterministic variants (as a writer
// that failed midway leaves them); the 7601a and 19041 full dumps also lose each stored page in
// turn (one page zeroed per copy). The real `dumpprocs` binary runs on every file twice, with
// `--format json` and with `--format json --fail-on-hidden`, and its output is judged against
// the generator's ground truth (never against the tool's own output):
//
//   1. no HIDDEN verdict on a process outside the planted hidden set;
//   2. the exit code is a documented one (README "Exit codes"): a truncated dump never exits 0,
//      exit 0 only when every view says complete, `--fail-on-hidden` exits 4 exactly when a
//      HIDDEN verdict is printed and otherwise as without it;
//   3. every process of kind `process` (a record that was read) has the PID and name the
//      generator gave that EPROCESS address, and no such address is made up;
//   on the undamaged dumps, in addition: every planted hidden process is HIDDEN, the run exits 0
//   (4 with --fail-on-hidden), and the scan view finds every process object;
//   and never a signal or a hang (each run has a timeout).
//
// Usage: property_damaged_dumps DUMPPROCS TMPDIR [--jobs N] [--timeout SECONDS] [--keep]
//                               [--only SUBSTRING] [--list]
// Exit 0 when no property is violated, 1 otherwise, 2 on a usage or setup error. The summary
// goes to stdout; every violation, one per line, also to TMPDIR/violations.txt.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dumpgen/scenario.hpp"
#include "dumpgen/scenarios.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// --- the damage -------------------------------------------------------------------------------

constexpr std::uint64_t kPageSize = 0x1000;
constexpr unsigned kCutPercents[] = {15, 30, 45, 60, 75, 90, 97};
constexpr unsigned kBandVariants = 3;
constexpr unsigned kBandsPerVariant = 3;

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::uint64_t fnv1a(const std::string& text) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : text)
        h = (h ^ c) * 0x100000001b3ULL;
    return h;
}

template <typename T> T readLe(const std::vector<std::uint8_t>& bytes, std::size_t at) {
    T value{};
    std::memcpy(&value, bytes.data() + at, sizeof(T));
    return value;
}

// Where the stored pages begin: after the 0x2000-byte header of a full dump (DumpType 1), after
// the summary header and bitmap of a bitmap dump (HeaderSize at 0x2020), as dump_writer.cpp
// lays them out.
std::uint64_t firstPageOffset(const std::vector<std::uint8_t>& dump) {
    const auto type = readLe<std::uint32_t>(dump, 0xF98);
    if (type == 5 || type == 6)
        return readLe<std::uint64_t>(dump, 0x2020);
    return 0x2000;
}

struct Damage {
    std::string label;            // "cut 45%", "bands #2: pages 12+3, 40+9, 77+5"
    std::string kind;             // "undamaged", "cut", "bands"
    std::string group;            // the summary's row: "cut 45%", "zeroed bands"
    std::uint64_t keep_bytes = 0; // cut: the file's new size
    std::vector<std::pair<std::uint64_t, std::uint64_t>> bands; // (first page, pages)
};

std::vector<Damage> damagesOf(const std::string& name, const std::vector<std::uint8_t>& dump) {
    std::vector<Damage> out;
    out.push_back({"undamaged", "undamaged", "undamaged", dump.size(), {}});
    for (unsigned percent : kCutPercents) {
        Damage d;
        d.kind = "cut";
        d.group = fmt::format("cut {}%", percent);
        d.keep_bytes = dump.size() * percent / 100;
        d.label = fmt::format("cut {}% ({} of {} bytes)", percent, d.keep_bytes, dump.size());
        out.push_back(d);
    }
    const std::uint64_t first = firstPageOffset(dump);
    const std::uint64_t pages = (dump.size() - first) / kPageSize;
    for (unsigned variant = 0; variant < kBandVariants; ++variant) {
        std::uint64_t state = fnv1a(name) ^ (0xBADBA7D5ULL * (variant + 1));
        Damage d;
        d.kind = "bands";
        d.group = "zeroed bands";
        d.keep_bytes = dump.size();
        std::string where;
        for (unsigned b = 0; b < kBandsPerVariant; ++b) {
            // 2.5 % to 10 % of the stored pages each, anywhere in the page area.
            const std::uint64_t lo = std::max<std::uint64_t>(1, pages / 40);
            const std::uint64_t hi = std::max<std::uint64_t>(lo, pages / 10);
            const std::uint64_t length = lo + splitmix64(state) % (hi - lo + 1);
            const std::uint64_t start = splitmix64(state) % (pages - length + 1);
            d.bands.emplace_back(start, length);
            where += fmt::format("{}{}+{}", b ? ", " : "", start, length);
        }
        d.label =
            fmt::format("zeroed bands #{} (stored pages {} of {})", variant + 1, where, pages);
        out.push_back(d);
    }
    // Two machines lose each stored page in turn: a single lost page (System's own, a leaf of
    // PspCidTable, a page table) must not make innocent processes HIDDEN either.
    if (name.ends_with("7601a_full") || name.ends_with("19041_full"))
        for (std::uint64_t page = 0; page < pages; ++page) {
            Damage d;
            d.kind = "page";
            d.group = "one page zeroed";
            d.keep_bytes = dump.size();
            d.bands.emplace_back(page, 1);
            d.label = fmt::format("stored page {} of {} zeroed", page, pages);
            out.push_back(d);
        }
    return out;
}

std::vector<std::uint8_t> applyDamage(const std::vector<std::uint8_t>& dump, const Damage& d) {
    std::vector<std::uint8_t> bytes(dump.begin(), dump.begin() + static_cast<long>(d.keep_bytes));
    const std::uint64_t first = firstPageOffset(dump);
    for (const auto& [start, length] : d.bands) {
        const std::uint64_t from = first + start * kPageSize;
        std::fill(bytes.begin() + static_cast<long>(from),
                  bytes.begin() + static_cast<long>(from + length * kPageSize), 0);
    }
    return bytes;
}

// --- running the binary -----------------------------------------------------------------------

struct RunResult {
    int exit_code = -1; // when it exited
    int signal = 0;     // when a signal ended it
    bool timed_out = false;
    std::string out, err;
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs argv with stdout and stderr in files next to `stem`; kills it (by its pid) after
// `timeout` seconds.
RunResult runBinary(const std::vector<std::string>& argv, const fs::path& stem, int timeout) {
    const fs::path out_path = stem.string() + ".out", err_path = stem.string() + ".err";
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    RunResult r;
    const pid_t pid = fork();
    if (pid < 0) {
        r.err = "fork failed";
        return r;
    }
    if (pid == 0) {
        const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0)
            _exit(127);
        dup2(out, 1);
        dup2(err, 2);
        execv(args[0], args.data());
        _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
    int status = 0;
    for (;;) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            r.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!r.timed_out) {
        if (WIFEXITED(status))
            r.exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
            r.signal = WTERMSIG(status);
    }
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    fs::remove(out_path);
    fs::remove(err_path);
    return r;
}

// --- the properties ---------------------------------------------------------------------------

struct Violation {
    std::string dump, damage, category, detail;
};

struct DumpReport {
    std::string dump, damage, kind, group;
    bool error_names_truncation = false; // exit 1 on a cut dump: stderr says it is truncated
    int exit_plain = -1, exit_fail_on_hidden = -1;
    std::size_t verdicts = 0, identities = 0, hidden = 0, false_hidden = 0;
    std::vector<Violation> violations;
};

std::string hex(std::uint64_t v) {
    return fmt::format("0x{:016x}", v);
}

std::uint64_t parseAddress(const json& v) {
    if (!v.is_string())
        return 0;
    return std::stoull(v.get<std::string>(), nullptr, 16);
}

std::string describe(const json& p) {
    const std::string pid = p.contains("pid") && p["pid"].is_number()
                                ? std::to_string(p["pid"].get<std::uint64_t>())
                                : std::string("null");
    return fmt::format("{} pid {} '{}' kind {} verdict {}", p.value("eprocess", "?"), pid,
                       p.value("name", "?"), p.value("kind", "?"), p.value("verdict", "?"));
}

struct Truth {
    std::map<std::uint64_t, dumpgen::TruthProcess> by_address;
    std::set<std::uint64_t> hidden;
};

// The documented exit codes (README "Exit codes"): 0 success, 1 input unusable, 2 usage error,
// 3 partial results, 4 --fail-on-hidden and a process is HIDDEN. A well-formed command line on a
// damaged dump is no usage error.
bool documented(int code, bool fail_on_hidden) {
    return code == 0 || code == 1 || code == 3 || (fail_on_hidden && code == 4);
}

class Checker {
  public:
    Checker(DumpReport& report, const Truth& truth) : r_(report), truth_(truth) {}

    void add(const std::string& category, const std::string& detail) {
        r_.violations.push_back({r_.dump, r_.damage, category, detail});
    }

    // Crash, hang, undocumented exit code, unparseable output. Returns the JSON (or null).
    json basics(const RunResult& run, const std::string& which, bool fail_on_hidden) {
        if (run.timed_out) {
            add("hang", which + ": killed after the timeout");
            return nullptr;
        }
        if (run.signal) {
            add("crash", fmt::format("{}: killed by signal {} ({})", which, run.signal,
                                     strsignal(run.signal)));
            return nullptr;
        }
        if (!documented(run.exit_code, fail_on_hidden))
            add("exit-code", fmt::format("{}: exit {} is not a documented exit code; stderr: {}",
                                         which, run.exit_code, firstLine(run.err)));
        if (run.out.empty()) {
            if (run.exit_code != 1)
                add("output", fmt::format("{}: exit {} with no output", which, run.exit_code));
            return nullptr;
        }
        json doc = json::parse(run.out, nullptr, false);
        if (doc.is_discarded()) {
            add("output", which + ": stdout is not JSON");
            return nullptr;
        }
        return doc;
    }

    static std::string firstLine(const std::string& text) {
        const auto nl = text.find('\n');
        return text.substr(0, nl == std::string::npos ? text.size() : nl);
    }

    static bool anyHidden(const json& doc) {
        if (!doc.is_object() || !doc.contains("processes"))
            return false;
        for (const auto& p : doc["processes"])
            if (p.value("verdict", "") == "HIDDEN")
                return true;
        return false;
    }

    // (3) a record that was read names the right process; nothing made up.
    void identity(const json& p, const std::string& where) {
        ++r_.identities;
        const std::string kind = p.value("kind", "");
        const std::uint64_t address = parseAddress(p.value("eprocess", json()));
        if (kind == "idle") {
            auto it = truth_.by_address.find(address);
            if (it == truth_.by_address.end() || !it->second.idle)
                add("made-up",
                    where + ": an idle row at an address that is not Idle: " + describe(p));
            return;
        }
        if (kind != "process")
            return; // list-head, invalid, unsaved: reported as what they are
        auto it = truth_.by_address.find(address);
        if (it == truth_.by_address.end()) {
            add("made-up",
                where + ": a process at an address where the generator put none: " + describe(p));
            return;
        }
        const auto& t = it->second;
        const bool pid_ok = p.contains("pid") && p["pid"].is_number_unsigned() &&
                            p["pid"].get<std::uint64_t>() == t.pid;
        const bool name_ok = p.value("name", "") == t.image_name;
        if (!pid_ok || !name_ok)
            add("wrong-identity", fmt::format("{}: {}; the generator put pid {} '{}' there", where,
                                              describe(p), t.pid, t.image_name));
    }

    void judge(const json& doc, bool undamaged) {
        if (!doc.is_object() || !doc.contains("processes") || !doc["processes"].is_array()) {
            add("output", "the JSON has no processes array");
            return;
        }
        std::set<std::uint64_t> hidden_seen;
        for (const auto& p : doc["processes"]) {
            ++r_.verdicts;
            identity(p, "cross-view");
            if (p.value("verdict", "") != "HIDDEN")
                continue;
            ++r_.hidden;
            const std::uint64_t address = parseAddress(p.value("eprocess", json()));
            hidden_seen.insert(address);
            if (!truth_.hidden.count(address)) {
                ++r_.false_hidden;
                add("false-HIDDEN", describe(p) + "; not in the planted hidden set");
            }
        }
        if (doc.contains("views") && doc["views"].is_object())
            for (const auto& [view, v] : doc["views"].items())
                if (v.contains("entries") && v["entries"].is_array())
                    for (const auto& e : v["entries"])
                        identity(e, "view " + view);
        if (!undamaged)
            return;
        for (std::uint64_t address : truth_.hidden)
            if (!hidden_seen.count(address))
                add("missed-HIDDEN", fmt::format("planted hidden {} pid {} '{}' is not HIDDEN",
                                                 hex(address), truth_.by_address.at(address).pid,
                                                 truth_.by_address.at(address).image_name));
        // The scan view finds every process object the generator wrote.
        std::set<std::uint64_t> scanned;
        const json* scan = doc.contains("views") && doc["views"].contains("scan")
                               ? &doc["views"]["scan"]
                               : nullptr;
        if (!scan || !scan->value("available", false)) {
            add("scan-missed", "the scan view did not run on the undamaged dump");
            return;
        }
        for (const auto& e : (*scan)["entries"])
            scanned.insert(parseAddress(e.value("eprocess", json())));
        for (const auto& [address, t] : truth_.by_address)
            if (!t.idle && !scanned.count(address))
                add("scan-missed", fmt::format("process object {} pid {} '{}' not found by the "
                                               "scan view",
                                               hex(address), t.pid, t.image_name));
    }

    // (2) exit codes of the two runs against each other and against what the JSON says.
    void exitCodes(const RunResult& plain, const json& plain_doc, const RunResult& fail,
                   const json& fail_doc, bool truncated, bool undamaged) {
        if (plain.signal || plain.timed_out || fail.signal || fail.timed_out)
            return;
        if (plain.exit_code == 4)
            add("exit-code", "exit 4 without --fail-on-hidden");
        if (truncated && plain.exit_code == 0)
            add("exit-code", "a truncated dump exits 0 (complete)");
        if (plain.exit_code == 0 && plain_doc.is_object() && plain_doc.contains("views"))
            for (const auto& [view, v] : plain_doc["views"].items())
                // a view the symbol data cannot serve (lacks_symbols) leaves the run complete
                if ((!v.value("available", false) && !v.value("lacks_symbols", false)) ||
                    !v.value("complete", false))
                    add("exit-code",
                        fmt::format("exit 0 while view {} is {}", view,
                                    v.value("available", false) ? "incomplete" : "unavailable"));
        const bool hidden = anyHidden(fail_doc);
        if (fail.exit_code == 4 && !hidden)
            add("exit-code", "--fail-on-hidden exits 4 but prints no HIDDEN verdict");
        if (hidden && fail.exit_code != 4)
            add("exit-code", fmt::format("--fail-on-hidden prints a HIDDEN verdict but exits {}",
                                         fail.exit_code));
        if (!hidden && fail.exit_code != plain.exit_code)
            add("exit-code", fmt::format("--fail-on-hidden without a HIDDEN verdict exits {}, "
                                         "without the option {}",
                                         fail.exit_code, plain.exit_code));
        if (undamaged && plain.exit_code != 0)
            add("exit-code", fmt::format("the undamaged dump exits {}: {}", plain.exit_code,
                                         firstLine(plain.err)));
    }

  private:
    DumpReport& r_;
    const Truth& truth_;
};

struct Job {
    std::size_t machine;
    Damage damage;
};

struct Options {
    std::string binary;
    fs::path tmp;
    unsigned jobs = 2;
    int timeout = 30;
    bool keep = false, list = false;
    std::string only;
};

DumpReport runJob(const Options& o, const std::string& name, const std::vector<std::uint8_t>& dump,
                  const Truth& truth, const Damage& damage, std::size_t index) {
    DumpReport r;
    r.dump = name;
    r.damage = damage.label;
    r.kind = damage.kind;
    r.group = damage.group;
    const fs::path file = o.tmp / fmt::format("{:03}_{}.dmp", index, name);
    {
        const auto bytes = applyDamage(dump, damage);
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        if (!out) {
            r.violations.push_back({name, damage.label, "setup", "cannot write " + file.string()});
            return r;
        }
    }
    const fs::path stem = o.tmp / fmt::format("{:03}_{}", index, name);
    const RunResult plain =
        runBinary({o.binary, file.string(), "--format", "json"}, stem, o.timeout);
    const RunResult fail = runBinary(
        {o.binary, file.string(), "--format", "json", "--fail-on-hidden"}, stem, o.timeout);
    r.exit_plain = plain.signal ? -plain.signal : plain.exit_code;
    r.exit_fail_on_hidden = fail.signal ? -fail.signal : fail.exit_code;
    if (plain.exit_code == 1 && damage.kind == "cut")
        r.error_names_truncation = plain.err.find("truncat") != std::string::npos;
    Checker check(r, truth);
    const bool undamaged = damage.kind == "undamaged";
    const json plain_doc = check.basics(plain, "--format json", false);
    const json fail_doc = check.basics(fail, "--format json --fail-on-hidden", true);
    if (!plain_doc.is_null())
        check.judge(plain_doc, undamaged);
    check.exitCodes(plain, plain_doc, fail, fail_doc, damage.kind == "cut", undamaged);
    if (!o.keep)
        fs::remove(file);
    return r;
}

int usage(const char* why) {
    std::cerr << "property_damaged_dumps: " << why
              << "\nusage: property_damaged_dumps DUMPPROCS TMPDIR [--jobs N] [--timeout S] "
                 "[--keep] [--only SUBSTRING] [--list]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--jobs" && i + 1 < argc)
            o.jobs = static_cast<unsigned>(std::max(1, std::atoi(argv[++i])));
        else if (a == "--timeout" && i + 1 < argc)
            o.timeout = std::max(1, std::atoi(argv[++i]));
        else if (a == "--only" && i + 1 < argc)
            o.only = argv[++i];
        else if (a == "--keep")
            o.keep = true;
        else if (a == "--list")
            o.list = true;
        else if (a.starts_with("--"))
            return usage(("unknown option " + a).c_str());
        else
            positional.push_back(a);
    }
    if (positional.size() != 2)
        return usage("DUMPPROCS and TMPDIR are required");
    o.binary = positional[0];
    o.tmp = positional[1];
    if (!fs::is_regular_file(o.binary))
        return usage(("no binary at " + o.binary).c_str());
    std::error_code ec;
    fs::create_directories(o.tmp, ec);
    if (ec)
        return usage(("cannot create " + o.tmp.string()).c_str());

    // The corpus and its ground truth, from the generator.
    const auto start = std::chrono::steady_clock::now();
    std::vector<dumpgen::Scenario> machines;
    for (auto& s : dumpgen::damagedCorpusScenarios())
        if (o.only.empty() || s.name.find(o.only) != std::string::npos)
            machines.push_back(std::move(s));
    std::vector<dumpgen::BuiltDump> built;
    std::vector<Truth> truths;
    std::set<std::uint32_t> builds;
    for (const auto& s : machines) {
        built.push_back(dumpgen::buildScenarioWithTruth(s));
        Truth t;
        for (const auto& p : built.back().processes) {
            t.by_address[p.eprocess] = p;
            if (p.planted_hidden)
                t.hidden.insert(p.eprocess);
        }
        truths.push_back(std::move(t));
        builds.insert(s.build);
    }
    std::vector<Job> jobs;
    for (std::size_t m = 0; m < machines.size(); ++m)
        for (auto& d : damagesOf(machines[m].name, built[m].bytes))
            jobs.push_back({m, std::move(d)});
    if (o.list) {
        for (const auto& j : jobs)
            std::cout << machines[j.machine].name << "\t" << j.damage.label << "\n";
        return 0;
    }

    std::vector<DumpReport> reports(jobs.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i; (i = next++) < jobs.size();) {
            const auto& j = jobs[i];
            reports[i] = runJob(o, machines[j.machine].name, built[j.machine].bytes,
                                truths[j.machine], j.damage, i);
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < o.jobs; ++t)
        pool.emplace_back(worker);
    for (auto& t : pool)
        t.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // The summary.
    std::size_t damaged = 0, undamaged = 0, verdicts = 0, identities = 0, false_hidden_dumps = 0,
                false_hidden = 0, violations = 0;
    std::map<std::string, std::size_t> by_category, dumps_by_category;
    std::map<std::string, std::pair<std::size_t, std::size_t>> false_by_kind; // dumps, verdicts
    std::map<int, std::size_t> exits_damaged;
    std::ofstream all(o.tmp / "violations.txt", std::ios::trunc);
    for (const auto& r : reports) {
        (r.kind == "undamaged" ? undamaged : damaged)++;
        verdicts += r.verdicts;
        identities += r.identities;
        if (r.kind != "undamaged")
            ++exits_damaged[r.exit_plain];
        if (r.false_hidden) {
            ++false_hidden_dumps;
            false_hidden += r.false_hidden;
            auto& k = false_by_kind[r.kind];
            ++k.first;
            k.second += r.false_hidden;
        }
        std::set<std::string> categories;
        for (const auto& v : r.violations) {
            ++by_category[v.category];
            categories.insert(v.category);
            all << v.dump << " | " << v.damage << " | " << v.category << " | " << v.detail << "\n";
        }
        for (const auto& c : categories)
            ++dumps_by_category[c];
        violations += r.violations.size();
    }
    std::cout << fmt::format("damaged-dump corpus: {} machines ({} builds: ", machines.size(),
                             builds.size());
    for (auto it = builds.begin(); it != builds.end(); ++it)
        std::cout << (it == builds.begin() ? "" : ", ") << *it;
    std::cout << fmt::format("), {} undamaged and {} damaged dumps, {} runs of {} in {:.1f} s\n",
                             undamaged, damaged, 2 * reports.size(), o.binary, seconds);
    std::cout << fmt::format("verdicts checked: {} cross-view rows; identities checked: {} "
                             "(cross-view rows and view entries)\n",
                             verdicts, identities);
    std::cout << "exit codes of the damaged dumps (--format json):";
    for (const auto& [code, n] : exits_damaged)
        std::cout << fmt::format(" {}{}: {}", code < 0 ? "signal " : "", code < 0 ? -code : code,
                                 n);
    std::cout << "\n";
    // Per kind of damage: how many dumps, their exit codes, how many with a false HIDDEN.
    std::map<std::string, std::vector<const DumpReport*>> groups;
    for (const auto& r : reports)
        groups[r.group].push_back(&r);
    std::cout << "by damage (dumps: exit codes; dumps with a false HIDDEN; exit 1 on a cut whose "
                 "error names the truncation):\n";
    for (const auto& [group, members] : groups) {
        std::map<int, std::size_t> exits;
        std::size_t with_false = 0, exit1 = 0, exit1_named = 0;
        for (const auto* r : members) {
            ++exits[r->exit_plain];
            with_false += r->false_hidden ? 1 : 0;
            if (r->kind == "cut" && r->exit_plain == 1) {
                ++exit1;
                exit1_named += r->error_names_truncation ? 1 : 0;
            }
        }
        std::string codes;
        for (const auto& [code, n] : exits)
            codes += fmt::format(" {}={}", code, n);
        std::cout << fmt::format("  {:<13} {:>3}:{}; false HIDDEN on {}", group, members.size(),
                                 codes, with_false);
        if (exit1)
            std::cout << fmt::format("; exit 1 naming the truncation: {} of {}", exit1_named,
                                     exit1);
        std::cout << "\n";
    }
    std::cout << fmt::format("false HIDDEN: {} verdicts on {} of {} damaged dumps", false_hidden,
                             false_hidden_dumps, damaged);
    for (const auto& [kind, n] : false_by_kind)
        std::cout << fmt::format("; {}: {} dumps, {} verdicts", kind, n.first, n.second);
    std::cout << "\n";
    std::cout << fmt::format("violations: {}\n", violations);
    for (const auto& [category, n] : by_category)
        std::cout << fmt::format("  {:<15} {:>6} on {} dumps\n", category, n,
                                 dumps_by_category[category]);
    if (violations) {
        std::cout << "\nper dump (exit codes: plain / --fail-on-hidden):\n";
        for (const auto& r : reports) {
            if (r.violations.empty())
                continue;
            std::map<std::string, std::size_t> c;
            for (const auto& v : r.violations)
                ++c[v.category];
            std::string counts;
            for (const auto& [category, n] : c)
                counts += fmt::format(" {}={}", category, n);
            std::cout << fmt::format("  {} | {} | exit {}/{} |{}\n", r.dump, r.damage, r.exit_plain,
                                     r.exit_fail_on_hidden, counts);
        }
        constexpr std::size_t kShown = 150;
        std::cout << fmt::format("\nviolations (the first {}; all {} in {}):\n", kShown, violations,
                                 (o.tmp / "violations.txt").string());
        std::size_t shown = 0;
        for (const auto& r : reports)
            for (const auto& v : r.violations)
                if (shown++ < kShown)
                    std::cout << "  " << v.dump << " | " << v.damage << " | " << v.category << " | "
                              << v.detail << "\n";
    }
    return violations ? 1 : 0;
}
