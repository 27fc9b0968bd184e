#include <algorithm>

#include <fmt/format.h>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/formats/x64_paging.hpp"
#include "dumpprocs/kernel/kernel_image.hpp"
#include "dumpprocs/kernel/raw_discovery.hpp"

namespace dumpprocs::kernel {
namespace {

constexpr std::uint64_t kUserSharedData = 0xFFFFF78000000000ULL;
constexpr std::uint64_t kNtBuildNumberOffset = 0x260;
constexpr std::uint64_t kNtMajorVersionOffset = 0x26C;
constexpr std::uint64_t kMaxKernelImageDistance = 64ULL << 20; // PsActiveProcessHead to nt base

// The System process found through one page-table root: its virtual address and the list head
// before it (System is the first entry of ActiveProcessLinks).
struct SystemThroughRoot {
    std::uint64_t eprocess = 0, active_head = 0;
};

Expected<SystemThroughRoot> confirmSystem(const PhysicalMemory& memory, const X64AddressSpace& as,
                                          const SystemProcessHit& hit) {
    const std::uint64_t links_pa = hit.eprocess_pa + hit.active_links_offset;
    std::uint64_t flink = 0, blink = 0;
    DP_CHECK(readPhysical(memory, links_pa, std::as_writable_bytes(std::span(&flink, 1))));
    DP_CHECK(readPhysical(memory, links_pa + formats::kBlinkOffset,
                          std::as_writable_bytes(std::span(&blink, 1))));
    // The neighbours' links point at System's LIST_ENTRY; that gives its virtual address.
    DP_TRY(std::uint64_t links_va, as.read<std::uint64_t>(flink + formats::kBlinkOffset));
    DP_TRY(Translation t, as.translate(links_va));
    if (t.physical != links_pa)
        return makeError(ErrorCode::InvalidData,
                         "System at physical {:#x}: the next entry's Blink {:#x} maps to physical "
                         "{:#x}, not to its ActiveProcessLinks",
                         hit.eprocess_pa, links_va, t.physical);
    DP_TRY(std::uint64_t head_flink, as.read<std::uint64_t>(blink));
    if (head_flink != links_va)
        return makeError(ErrorCode::InvalidData,
                         "System at {:#x}: the entry before it ({:#x}) does not point back, so it "
                         "is not PsActiveProcessHead",
                         links_va - hit.active_links_offset, blink);
    return SystemThroughRoot{links_va - hit.active_links_offset, blink};
}

std::optional<std::uint32_t> buildFromSharedData(const X64AddressSpace& as) {
    auto build = as.read<std::uint32_t>(kUserSharedData + kNtBuildNumberOffset);
    auto major = as.read<std::uint32_t>(kUserSharedData + kNtMajorVersionOffset);
    if (!build || !major || (*major != 6 && *major != 10))
        return std::nullopt;
    const std::uint32_t number = *build & 0xFFFF;
    if (number < 7600)
        return std::nullopt;
    return number;
}

// Pages down from a kernel global to the MZ header of the image holding it.
std::optional<std::uint64_t> kernelBaseBelow(const X64AddressSpace& as, std::uint64_t global) {
    const std::uint64_t top = global & ~(kPageSize - 1);
    for (std::uint64_t base = top; top - base < kMaxKernelImageDistance; base -= kPageSize) {
        auto image = readKernelImage(as, base);
        if (image && image->contains(global))
            return base;
    }
    return std::nullopt;
}

void findKdbgInto(const PhysicalMemory& memory, const X64AddressSpace& as, Discovery& d) {
    const auto blocks = findKdbgBlocks(memory);
    for (std::uint64_t pa : blocks) {
        auto k = readKdbgPhysical(memory, as, pa);
        if (!k) {
            d.log.push_back(k.error().message);
            continue;
        }
        if (k->ps_active_process_head != *d.facts.ps_active_process_head) {
            d.log.push_back(fmt::format(
                "KDBG at {:#x} names PsActiveProcessHead {:#x}, not the one "
                "found ({:#x}); ignored",
                k->address, k->ps_active_process_head, *d.facts.ps_active_process_head));
            continue;
        }
        d.facts.kd_debugger_data_block = k->address;
        d.facts.kdbg_source = fmt::format("scan: 'KDBG' tag at physical {:#x}", pa);
        d.facts.ps_loaded_module_list = k->ps_loaded_module_list;
        d.facts.loaded_module_list_source = "KDBG";
        if (k->kern_base) {
            d.facts.kernel_base = k->kern_base;
            d.facts.kernel_base_source = "KDBG KernBase";
        }
        return;
    }
    // Windows 8+ without a debugger: the block is encoded; KdCopyDataBlock's code names the keys.
    if (!d.facts.kernel_base)
        if (auto base = kernelBaseBelow(as, *d.facts.ps_active_process_head)) {
            d.facts.kernel_base = *base;
            d.facts.kernel_base_source = "scan: PE image holding PsActiveProcessHead";
        }
    if (!d.facts.kernel_base) {
        d.facts.kdbg_source = fmt::format("not found: {} plain 'KDBG' block(s), none of this "
                                          "kernel, and no kernel image to look for an encoded one",
                                          blocks.size());
        return;
    }
    KdbgEncoding e;
    auto k = readEncodedKdbg(as, *d.facts.kernel_base, e);
    if (!k) {
        d.facts.kdbg_source = fmt::format("not found: {} plain 'KDBG' block(s), none of this "
                                          "kernel; encoded: {}",
                                          blocks.size(), k.error().message);
        return;
    }
    d.facts.kdbg = *k;
    d.facts.kd_debugger_data_block = k->address;
    d.facts.kdbg_source =
        fmt::format("scan: encoded block decoded with the operands of KdCopyDataBlock at {:#x} "
                    "(KdpDataBlockEncoded {:#x}, KiWaitNever {:#x}, KiWaitAlways {:#x})",
                    e.code, e.encoded_flag, e.wait_never, e.wait_always);
    d.facts.ps_loaded_module_list = k->ps_loaded_module_list;
    d.facts.loaded_module_list_source = "KDBG";
    if (k->kern_base && k->kern_base != *d.facts.kernel_base)
        d.log.push_back(fmt::format("decoded KDBG KernBase {:#x} differs from the image found at "
                                    "{:#x}",
                                    k->kern_base, *d.facts.kernel_base));
}

} // namespace

Expected<Discovery> discoverKernel(const PhysicalMemory& memory, const DiscoveryOptions& options) {
    Discovery d;
    std::vector<std::uint64_t> roots;
    if (options.dtb) {
        roots.push_back(formats::pte::directoryTableFrame(*options.dtb));
    } else {
        for (const auto& c : findPml4Candidates(memory))
            roots.push_back(c.pml4);
        d.pml4_candidates = roots.size();
        d.log.push_back(fmt::format("{} PML4 page(s) with a self-reference entry", roots.size()));
        if (roots.empty())
            return makeError(ErrorCode::NotFound,
                             "no page-table root found: no physical page is a PML4 with a "
                             "self-reference entry mapping kernel space (give one with --dtb)");
    }
    const auto hits = findSystemProcesses(memory, roots);
    std::string why = hits.empty() ? "no _EPROCESS named System with PID 4 and one of these roots "
                                     "as DirectoryTableBase"
                                   : "";
    for (const auto& hit : hits) {
        X64AddressSpace as(memory, hit.dtb);
        auto system = confirmSystem(memory, as, hit);
        if (!system) {
            why = system.error().message;
            d.log.push_back(why);
            continue;
        }
        auto& f = d.facts;
        f.directory_table_base = hit.dtb;
        f.dtb_source = options.dtb ? "user (--dtb), confirmed by System"
                                   : fmt::format("scan: PML4 self-reference, confirmed by System "
                                                 "(PID 4) at physical {:#x} ({} layout)",
                                                 hit.eprocess_pa, hit.layout);
        f.ps_active_process_head = system->active_head;
        f.active_head_source = "scan: System's ActiveProcessLinks.Blink";
        d.system_eprocess = system->eprocess;
        findKdbgInto(memory, as, d);
        if (!f.kernel_base)
            if (auto base = kernelBaseBelow(as, system->active_head)) {
                f.kernel_base = *base;
                f.kernel_base_source = "scan: PE image holding PsActiveProcessHead";
            }
        if (auto build = buildFromSharedData(as)) {
            f.build = *build;
            f.build_source = "KUSER_SHARED_DATA.NtBuildNumber";
        } else {
            f.build = 0;
            f.build_source = "unknown (taken from the profile)";
        }
        return d;
    }
    return makeError(ErrorCode::NotFound, "the System process was not found through {}: {}",
                     options.dtb ? fmt::format("the given --dtb {:#x}", *options.dtb)
                                 : fmt::format("{} candidate page-table root(s)", roots.size()),
                     why);
}

} // namespace dumpprocs::kernel
