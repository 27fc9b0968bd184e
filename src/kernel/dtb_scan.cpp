// The page-table root without a header: PML4 pages with a self-reference entry, confirmed by the
// System process whose _KPROCESS.DirectoryTableBase is that page.

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/formats/x64_paging.hpp"
#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/kernel/process_object.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/raw_discovery.hpp"

namespace dumpprocs::kernel {
namespace {

using formats::kSystemPid;
constexpr unsigned kFirstKernelEntry = 256;
constexpr unsigned kEntries = formats::pte::kEntriesPerTable;
constexpr std::size_t kMaxSystemHits = 64;

std::optional<Pml4Candidate> asPml4(ByteView page, std::uint64_t pa) {
    std::array<std::uint64_t, kEntries> entries;
    if (!page.readArray(0, std::span(entries)))
        return std::nullopt;
    std::optional<unsigned> self;
    unsigned kernel = 0;
    for (unsigned i = kFirstKernelEntry; i < kEntries; ++i) {
        const formats::pte::Entry e{entries[i]};
        if (!e.present())
            continue;
        if (e.largePage()) // reserved in a PML4E: not a PML4
            return std::nullopt;
        if (e.frame() == pa && !e.user())
            self = i;
        else
            ++kernel;
    }
    if (!self || kernel == 0)
        return std::nullopt;
    return Pml4Candidate{pa, *self, kernel};
}

// The distinct (ImageFileName, UniqueProcessId, ActiveProcessLinks, DirectoryTableBase) offsets of
// the built-in rows, with the process layout of the first row that has them and the rows' names.
struct ProcessOffsets {
    std::uint32_t name, pid, links, dtb;
    auto operator<=>(const ProcessOffsets&) const = default;
};
struct KnownLayout {
    ProcessLayout process;
    std::string rows;
};
std::map<ProcessOffsets, KnownLayout> knownProcessLayouts() {
    std::map<ProcessOffsets, KnownLayout> out;
    for (const auto& row : builtinProfiles()) {
        auto layout = KernelLayout::resolve(row, row.build);
        if (!layout)
            continue;
        const ProcessLayout& p = layout->process;
        auto [it, fresh] = out.try_emplace({p.image_file_name, p.unique_process_id,
                                            p.active_process_links, p.directory_table_base},
                                           KnownLayout{p, {}});
        it->second.rows += (it->second.rows.empty() ? "" : ",") + row.name;
    }
    return out;
}

// The _EPROCESS at physical `pa` through the process decoder: straight from the range's bytes when
// it lies inside them, else read across ranges.
std::optional<ProcessObject> decodeAt(const PhysicalMemory& memory, ByteView range,
                                      std::uint64_t pa, const ProcessLayout& layout) {
    const std::uint32_t size = processObjectSize(layout);
    if (pa >= range.base())
        if (auto inside = range.slice(pa - range.base(), size)) {
            auto object = decodeProcessObject(layout, *inside);
            return object ? std::optional(*object) : std::nullopt;
        }
    std::vector<std::byte> bytes(size);
    if (!readPhysical(memory, pa, bytes))
        return std::nullopt;
    auto object = decodeProcessObject(layout, ByteView(bytes.data(), bytes.size(), pa));
    return object ? std::optional(*object) : std::nullopt;
}

} // namespace

std::vector<Pml4Candidate> findPml4Candidates(const PhysicalMemory& memory) {
    std::vector<Pml4Candidate> out;
    memory.forEachPresentRange([&](std::uint64_t first, std::uint64_t count, ByteView bytes) {
        for (std::uint64_t i = 0; i < count; ++i) {
            auto page = bytes.slice(i * kPageSize, kPageSize);
            if (page)
                if (auto c = asPml4(*page, (first + i) * kPageSize))
                    out.push_back(*c);
        }
    });
    return out;
}

std::vector<SystemProcessHit> findSystemProcesses(const PhysicalMemory& memory,
                                                  const std::vector<std::uint64_t>& dtbs) {
    static constexpr std::array<char, 15> kName{'S', 'y', 's', 't', 'e', 'm'};
    const std::set<std::uint64_t> roots(dtbs.begin(), dtbs.end());
    const auto layouts = knownProcessLayouts();
    std::vector<SystemProcessHit> hits;
    memory.forEachPresentRange([&](std::uint64_t, std::uint64_t, ByteView bytes) {
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        const std::string_view needle(kName.data(), kName.size());
        for (std::size_t at = text.find(needle);
             at != std::string_view::npos && hits.size() < kMaxSystemHits;
             at = text.find(needle, at + 1)) {
            const std::uint64_t name_pa = bytes.base() + at;
            for (const auto& [o, known] : layouts) {
                if (name_pa < o.name)
                    continue;
                const std::uint64_t e = name_pa - o.name;
                auto process = decodeAt(memory, bytes, e, known.process);
                if (!process || process->pid != kSystemPid ||
                    !roots.count(formats::pte::directoryTableFrame(process->directory_table_base)))
                    continue;
                hits.push_back({e, process->directory_table_base, o.links, known.rows});
            }
        }
    });
    return hits;
}

// The distance every built-in layout puts between UniqueProcessId and ActiveProcessLinks (8 from
// Windows 7 to 11), or nullopt if the rows disagree.
std::optional<std::uint32_t> pidBeforeLinks() {
    std::optional<std::uint32_t> agreed;
    for (const auto& row : builtinProfiles()) {
        const MemberInfo* pid = row.member("_EPROCESS.UniqueProcessId");
        const MemberInfo* links = row.member("_EPROCESS.ActiveProcessLinks");
        if (!pid || !links || links->offset < pid->offset)
            return std::nullopt;
        const std::uint32_t distance = links->offset - pid->offset;
        if (agreed && *agreed != distance)
            return std::nullopt;
        agreed = distance;
    }
    return agreed;
}

std::optional<std::string> headerReachesSystem(const VirtualMemory& as, std::uint64_t active_head) {
    static const std::optional<std::uint32_t> distance = pidBeforeLinks();
    if (!distance)
        return "the built-in layouts disagree on where UniqueProcessId lies before "
               "ActiveProcessLinks";
    auto flink = as.read<std::uint64_t>(active_head);
    if (!flink)
        return flink.error().message;
    auto pid = as.read<std::uint64_t>(*flink - *distance);
    if (!pid)
        return pid.error().message;
    if (*pid != kSystemPid)
        return fmt::format("the first process on PsActiveProcessHead {:#x} has PID {:#x}, not "
                           "System's 4",
                           active_head, *pid);
    return std::nullopt;
}

} // namespace dumpprocs::kernel
