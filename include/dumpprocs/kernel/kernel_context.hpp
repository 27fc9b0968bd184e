#pragma once
// KernelContext: everything the views need to know about the dump's kernel, found once: the
// address space, the chosen profile and resolved layout, KDBG, the kernel image, the System
// process, the object-type fingerprints, PspCidTable and the processors' KPRCBs.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/kdbg.hpp"
#include "dumpprocs/kernel/kernel_image.hpp"
#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/kernel/profile_selector.hpp"

namespace dumpprocs::dumpfile {
struct HeaderInfo;
}

namespace dumpprocs::kernel {

// What the container (crash-dump header, later a raw-image scan) tells about the machine.
// Each value says where it came from ("header", "KDBG", "scan: ...", "user"), for --info.
struct DumpFacts {
    std::uint64_t directory_table_base = 0;
    std::optional<std::uint64_t> ps_active_process_head;
    std::optional<std::uint64_t> ps_loaded_module_list;
    std::optional<std::uint64_t> kd_debugger_data_block;
    std::uint32_t build = 0; // 0: unknown, taken from the chosen profile
    std::uint32_t processors = 0;
    std::optional<std::uint64_t> system_time; // FILETIME the dump was written, when known
    std::optional<KdDebuggerData> kdbg;       // already read (decoded from an encoded block)
    std::optional<std::uint64_t> kernel_base; // when KDBG cannot give it (found by a scan)
    std::string kernel_base_source;
    std::string dtb_source = "header", active_head_source = "header", kdbg_source = "header",
                build_source = "header", loaded_module_list_source = "header";
};

// The facts a crash-dump header gives, each with the source "header".
DumpFacts factsFromHeader(const dumpfile::HeaderInfo& header);

struct KernelOptions {
    std::string forced_profile;          // --profile
    std::string isf_path;                // --symbols
    SymbolPath symbol_path;              // --symbol-path, else _NT_SYMBOL_PATH (parsed)
    std::filesystem::path profile_cache; // the compiled-profile cache's folder; empty: none
    // The memory is known to be incomplete (a triage dump): when no row validates, the row of the
    // header's build is used unvalidated instead of giving up.
    bool partial_memory = false;
    // What is known to be missing from the memory ("file truncated: ..."), or "": errors that
    // follow from it name it as their likely cause.
    std::string damage;
    // --trust-profile: use a --symbols / --profile layout that failed the checks on the dump.
    bool trust_profile = false;
};

// A value and where it came from ("header", "KDBG", "ISF symbol", ...), for --info.
struct Sourced {
    std::uint64_t value = 0;
    std::string source;
};

class KernelContext {
  public:
    static Expected<std::unique_ptr<KernelContext>>
    open(const PhysicalMemory& memory, const DumpFacts& facts, const KernelOptions& options);
    // Over memory that is not behind page tables (a triage dump's saved ranges); `memory` must
    // outlive the context.
    static Expected<std::unique_ptr<KernelContext>>
    open(const VirtualMemory& memory, const DumpFacts& facts, const KernelOptions& options);

    const VirtualMemory& addressSpace() const { return *as_; }
    // The page-table address space, or nullptr when the memory has no page tables (triage).
    const X64AddressSpace* x64AddressSpace() const { return x64_ ? &*x64_ : nullptr; }
    const Profile& profile() const { return *choice_.profile; }
    const ProfileChoice& profileChoice() const { return choice_; }
    const KernelLayout& layout() const { return layout_; }
    const DumpFacts& facts() const { return facts_; }
    const std::optional<KdDebuggerData>& kdbg() const { return kdbg_; }
    const std::optional<KernelImage>& kernelImage() const { return image_; }
    const Sourced& psActiveProcessHead() const { return active_head_; }
    // nt!PsLoadedModuleList: the container's value, else KDBG's; nullopt when neither has it.
    std::optional<Sourced> psLoadedModuleList() const;
    std::optional<Sourced> pspCidTable() const { return cid_table_; } // the _HANDLE_TABLE address
    const std::vector<std::uint64_t>& prcbs() const { return prcbs_; }
    std::uint64_t systemProcess() const { return system_; }
    const std::vector<std::string>& warnings() const { return warnings_; }
    // The layout in use was confirmed on this dump (its checks passed, or it was made from this
    // kernel's own PDB). When not (--trust-profile, a triage dump's unvalidated row), the views
    // list what they find but none can vouch for what it did not list.
    bool profileConfirmed() const { return profile_confirmed_; }

    // Object-type fingerprint of an object header: the raw TypeIndex, un-XORed with the header
    // address byte on Windows 10+. Objects of one type share it, whatever nt!ObHeaderCookie is.
    std::optional<std::uint8_t> typeFingerprint(std::uint64_t body) const;
    // The same from a TypeIndex byte already read, for the object header at virtual address
    // `header` (a physical address shares only bits 0..11 with it, not the 12..15 the decoding
    // also uses: the pool scan tries each value of those for a header known only physically).
    std::uint8_t decodeTypeFingerprint(std::uint8_t raw, std::uint64_t header) const;
    std::optional<std::uint8_t> processFingerprint() const { return process_fp_; }
    std::optional<std::uint8_t> threadFingerprint() const { return thread_fp_; }

    // Why PspCidTable / the KPRCBs are unknown, when they are.
    const std::string& cidTableProblem() const { return cid_problem_; }
    const std::string& prcbProblem() const { return prcb_problem_; }

  private:
    KernelContext(const PhysicalMemory& memory, const DumpFacts& facts)
        : x64_(std::in_place, memory, facts.directory_table_base), as_(&*x64_), facts_(facts) {}
    KernelContext(const VirtualMemory& memory, const DumpFacts& facts)
        : as_(&memory), facts_(facts) {}
    static bool profileConfirmed(const ProfileChoice& choice, const std::optional<PdbId>& pdb);
    Expected<void> acceptChoice(const KernelOptions& options);
    static Expected<std::unique_ptr<KernelContext>>
    finishOpenChecked(std::unique_ptr<KernelContext> ctx, const KernelOptions& options);
    static Expected<std::unique_ptr<KernelContext>> finishOpen(std::unique_ptr<KernelContext> ctx,
                                                               const KernelOptions& options);
    void findKdbg();
    void findKernelImage();
    void findEncodedKdbg();
    Expected<void> findActiveHead();
    Expected<void> findSystemProcess();
    void findFingerprints();
    void findCidTable();
    void findPrcbs();

    std::optional<X64AddressSpace> x64_;
    const VirtualMemory* as_;
    DumpFacts facts_;
    ProfileChoice choice_;
    KernelLayout layout_;
    std::optional<KdDebuggerData> kdbg_;
    std::optional<KernelImage> image_;
    Sourced active_head_;
    std::optional<Sourced> cid_table_;
    std::vector<std::uint64_t> prcbs_;
    std::uint64_t system_ = 0;
    std::optional<std::uint8_t> process_fp_, thread_fp_;
    std::string cid_problem_, prcb_problem_;
    std::vector<std::string> warnings_;
    bool profile_confirmed_ = true;
};

} // namespace dumpprocs::kernel
