#include "dumpprocs/kernel/loaded_modules.hpp"

#include <fmt/format.h>

#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/kernel_image.hpp"
#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/support/text.hpp"

namespace dumpprocs::kernel {
namespace {

// The kernel keeps a few hundred modules; a ring longer than this is corrupt or hostile.
constexpr std::size_t kMaxModules = 16384;

using formats::UnicodeString64;

std::string fileNameOf(const std::string& path) {
    const auto slash = path.find_last_of("\\/");
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// TimeDateStamp and CheckSum from the image's own PE header, when that page is in memory.
void readPeStamps(const VirtualMemory& as, LoadedModule& m) {
    auto headers = readPeHeaders(as, m.base);
    if (!headers)
        return;
    m.timestamp = headers->nt.File.TimeDateStamp;
    m.checksum = headers->nt.Optional.CheckSum;
    m.timestamp_source = "PE header";
}

LoadedModule readLoaderEntry(const VirtualMemory& as, std::uint64_t entry,
                             const LoaderEntryLayout& layout) {
    LoadedModule m;
    m.entry = entry;
    std::vector<std::string> problems;
    if (auto base = as.read<std::uint64_t>(entry + layout.dll_base))
        m.base = *base;
    else
        problems.push_back(base.error().context("DllBase").message);
    if (auto size = as.read<std::uint32_t>(entry + layout.size_of_image))
        m.size = *size;
    else
        problems.push_back(size.error().context("SizeOfImage").message);
    if (layout.full_dll_name) {
        if (auto path = readUnicodeString(as, entry + *layout.full_dll_name))
            m.path = std::move(*path);
        else
            problems.push_back(path.error().context("FullDllName").message);
    }
    if (auto name = readUnicodeString(as, entry + layout.base_dll_name))
        m.name = std::move(*name);
    else
        problems.push_back(name.error().context("BaseDllName").message);
    if (m.name.empty())
        m.name = fileNameOf(m.path);
    for (const auto& p : problems)
        m.problem += (m.problem.empty() ? "" : "; ") + p;
    if (m.base)
        readPeStamps(as, m);
    return m;
}

} // namespace

Expected<std::string> readUnicodeString(const VirtualMemory& as, std::uint64_t at) {
    DP_TRY(auto us, as.read<UnicodeString64>(at));
    if (us.Length == 0)
        return std::string();
    if (us.Length > us.MaximumLength || us.Length % 2)
        return makeError(ErrorCode::InvalidData,
                         "UNICODE_STRING at {:#x}: Length {:#x} with MaximumLength {:#x}", at,
                         us.Length, us.MaximumLength);
    std::vector<std::byte> bytes(us.Length);
    if (auto ok = as.read(us.Buffer, bytes); !ok)
        return ok.error().context(fmt::format("UNICODE_STRING at {:#x}: its buffer", at));
    return utf16leToUtf8(ByteView(bytes));
}

const LoadedModule* ModuleList::containing(std::uint64_t va) const {
    for (const auto& m : modules)
        if (m.contains(va))
            return &m;
    return nullptr;
}

std::string describeAddress(const ModuleList& modules, std::uint64_t va) {
    const LoadedModule* m = modules.containing(va);
    if (!m)
        return {};
    return fmt::format("{}+{:#x}", m->name.empty() ? fmt::format("{:#x}", m->base) : m->name,
                       va - m->base);
}

ModuleList modulesFromTriage(const dumpfile::TriageInfo& triage) {
    ModuleList list;
    list.source = fmt::format("triage driver list at file offset {:#x}", triage.driver_list_offset);
    list.origin = ModuleList::Origin::TriageDriverList;
    for (const auto& d : triage.drivers) {
        LoadedModule m;
        m.base = d.base;
        m.size = d.size;
        m.path = d.path;
        m.name = fileNameOf(d.path);
        m.timestamp = d.timestamp;
        m.checksum = d.checksum;
        m.timestamp_source = "triage entry";
        m.entry = d.entry_offset;
        m.problem = d.problem;
        list.modules.push_back(std::move(m));
    }
    list.complete = triage.driver_list_complete && triage.unloaded_list_complete;
    list.warnings = triage.driver_list_warnings;
    std::vector<UnloadedModule> unloaded;
    for (const auto& u : triage.unloaded_drivers)
        unloaded.push_back({u.name, u.name_fills_field, u.start, u.end});
    list.unloaded = std::move(unloaded);
    return list;
}

Expected<ModuleList> modulesFromLoaderList(const VirtualMemory& as, std::uint64_t head,
                                           const LoaderEntryLayout& layout,
                                           std::string head_source) {
    DP_CHECK(as.read<std::uint64_t>(head)); // the head itself; walkList reports what follows
    ModuleList list;
    list.source = fmt::format("PsLoadedModuleList {:#x}, address from {}", head, head_source);
    ListWalkOptions options;
    options.max_nodes = kMaxModules;
    ListWalk walk = walkList(as, head, options);
    list.complete = walk.closed && walk.recovered_backwards == 0;
    list.warnings = std::move(walk.warnings);
    const std::uint64_t links = layout.in_load_order_links.value_or(0);
    for (std::uint64_t node : walk.nodes)
        list.modules.push_back(readLoaderEntry(as, node - links, layout));
    return list;
}

Expected<ModuleList> modulesOfKernel(const KernelContext& k) {
    const auto head = k.psLoadedModuleList();
    if (!head)
        return makeError(ErrorCode::NotFound,
                         "PsLoadedModuleList is unknown (not in the header, no KDBG)");
    if (!k.layout().loader_entry)
        return makeError(ErrorCode::NotFound, "profile {} lacks _KLDR_DATA_TABLE_ENTRY",
                         k.profile().name);
    auto list = modulesFromLoaderList(k.addressSpace(), head->value, *k.layout().loader_entry,
                                      head->source);
    if (!list)
        return list.error().context(fmt::format("PsLoadedModuleList {:#x}", head->value));
    return list;
}

} // namespace dumpprocs::kernel
