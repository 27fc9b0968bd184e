// The page-table root without a header: PML4 pages with a self-reference entry, confirmed by the
// System process whose _KPROCESS.DirectoryTableBase is that page.

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/formats/x64_paging.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/raw_discovery.hpp"

namespace dumpprocs::kernel {
namespace {

using formats::kSystemPid;
constexpr unsigned kFirstKernelEntry = 256;
constexpr unsigned kEntries = formats::pte::kEntriesPerTable;
constexpr std::size_t kMaxSystemHits = 64;

std::optional<Pml4Candidate> asPml4(ByteView page, std::uint64_t pa) {
    std::optional<unsigned> self;
    unsigned kernel = 0;
    for (unsigned i = kFirstKernelEntry; i < kEntries; ++i) {
        const formats::pte::Entry e{page.readUnchecked<std::uint64_t>(8ULL * i)};
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
// the built-in rows, with the rows that have them.
struct ProcessOffsets {
    std::uint32_t name, pid, links, dtb;
    auto operator<=>(const ProcessOffsets&) const = default;
};
std::map<ProcessOffsets, std::string> knownProcessOffsets() {
    std::map<ProcessOffsets, std::string> out;
    for (const auto& row : builtinProfiles()) {
        const MemberInfo* name = row.member("_EPROCESS.ImageFileName");
        const MemberInfo* pid = row.member("_EPROCESS.UniqueProcessId");
        const MemberInfo* links = row.member("_EPROCESS.ActiveProcessLinks");
        const MemberInfo* dtb = row.member("_KPROCESS.DirectoryTableBase");
        if (!name || !pid || !links || !dtb)
            continue;
        std::string& rows = out[{name->offset, pid->offset, links->offset, dtb->offset}];
        rows += (rows.empty() ? "" : ",") + row.name;
    }
    return out;
}

template <typename T> std::optional<T> readAt(const PhysicalMemory& memory, std::uint64_t pa) {
    T value;
    if (!readPhysical(memory, pa, std::as_writable_bytes(std::span(&value, 1))))
        return std::nullopt;
    return value;
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
    const auto layouts = knownProcessOffsets();
    std::vector<SystemProcessHit> hits;
    memory.forEachPresentRange([&](std::uint64_t, std::uint64_t, ByteView bytes) {
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        const std::string_view needle(kName.data(), kName.size());
        for (std::size_t at = text.find(needle);
             at != std::string_view::npos && hits.size() < kMaxSystemHits;
             at = text.find(needle, at + 1)) {
            const std::uint64_t name_pa = bytes.base() + at;
            for (const auto& [o, rows] : layouts) {
                if (name_pa < o.name)
                    continue;
                const std::uint64_t e = name_pa - o.name;
                auto pid = readAt<std::uint64_t>(memory, e + o.pid);
                auto dtb = readAt<std::uint64_t>(memory, e + o.dtb);
                if (!pid || *pid != kSystemPid || !dtb ||
                    !roots.count(formats::pte::directoryTableFrame(*dtb)))
                    continue;
                hits.push_back({e, *dtb, o.links, rows});
            }
        }
    });
    return hits;
}

} // namespace dumpprocs::kernel
