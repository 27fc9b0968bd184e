#pragma once
// Finding the kernel in memory that comes without a usable header (a raw physical image, or a
// crash dump whose header is zeroed or forged): the page-table root by its self-reference entry,
// confirmed by the System process; KDBG by its tag; PsActiveProcessHead, the kernel image and the
// build from what those point to. Every value says how it was found.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/kdbg.hpp"
#include "dumpprocs/kernel/kdbg_scan.hpp"
#include "dumpprocs/kernel/kernel_context.hpp"

namespace dumpprocs::kernel {

// A PML4 page: entry `self_index` (kernel half) points back at the page itself, and other
// kernel-half entries are present. Index 0x1ED before Windows 10 1607, random from 1607 on.
struct Pml4Candidate {
    std::uint64_t pml4 = 0; // physical address
    unsigned self_index = 0;
    unsigned kernel_entries = 0; // present entries in 256..511 besides the self-reference
};
std::vector<Pml4Candidate> findPml4Candidates(const PhysicalMemory& memory);

// Whether the process list at `active_head` starts with System, before any profile is chosen:
// UniqueProcessId lies at the same distance before ActiveProcessLinks in every built-in layout,
// so the first entry's PID is read there. nullopt when it is System's; else why not (the read
// error, or the PID found).
std::optional<std::string> headerReachesSystem(const VirtualMemory& as, std::uint64_t active_head);

// The System _EPROCESS seen in physical memory: ImageFileName "System", UniqueProcessId 4 and a
// DirectoryTableBase that `acceptDtb` accepts, at the offsets of some built-in layout.
struct SystemProcessHit {
    std::uint64_t eprocess_pa = 0;
    std::uint64_t dtb = 0; // as stored (may carry PCID bits)
    std::uint32_t active_links_offset = 0;
    std::string layout; // the profile rows whose offsets matched, e.g. "19041a"
};
std::vector<SystemProcessHit> findSystemProcesses(const PhysicalMemory& memory,
                                                  const std::vector<std::uint64_t>& dtbs);

struct DiscoveryOptions {
    std::optional<std::uint64_t> dtb; // --dtb: the user's page-table root
};

struct Discovery {
    DumpFacts facts;
    std::uint64_t system_eprocess = 0; // virtual
    std::vector<std::string> log;      // how each value was found, for -v and --info
    std::size_t pml4_candidates = 0;
};

// Finds everything DumpFacts holds from the memory alone.
Expected<Discovery> discoverKernel(const PhysicalMemory& memory, const DiscoveryOptions& options);

} // namespace dumpprocs::kernel
