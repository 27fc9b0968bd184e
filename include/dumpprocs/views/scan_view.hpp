#pragma once
// The pool-scan view's parts, exposed for tests and the benchmark: the offsets the scan needs
// (all from the profile), the candidate checks, and the scan itself.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/pool_scanner.hpp"
#include "dumpprocs/kernel/process_object.hpp"
#include "dumpprocs/views/views.hpp"

namespace dumpprocs::views {

struct ScanLayout {
    std::uint32_t pool_header_size = 0x10;
    std::uint32_t tag_offset = 4;
    kernel::BitRef block_size;                                            // in 16-byte units
    std::vector<std::pair<std::uint8_t, std::uint32_t>> optional_headers; // InfoMask bit -> size
    std::uint32_t max_optional = 0;
    std::uint32_t object_header_body = 0x30;
    std::uint32_t kprocess_size = 0; // 0: unknown, DISPATCHER_HEADER.Size not checked
    std::uint32_t eprocess_size = 0;
    std::vector<std::string> notes; // sizes the profile lacked and where they came from

    // Fails when the profile lacks the pool header, or when a size or offset the scan reads does
    // not fit its own type (the error names the type and member) or is absurd.
    static Expected<ScanLayout> resolve(const kernel::Profile& profile,
                                        const kernel::KernelLayout& layout);
    std::uint32_t optionalSize(std::uint8_t info_mask) const;
    Expected<std::uint32_t> blockBytes(ByteView pool_header) const;
};

// Decides whether a 'Proc' pool block holds a process object. Every check names what it found.
class ProcessCandidateCheck {
  public:
    ProcessCandidateCheck(const kernel::KernelContext& k, ScanLayout layout);

    const ScanLayout& layout() const { return s_; }
    // Bytes from the pool header that hold it, every possible optional header and the object
    // header.
    std::size_t headerBytes() const;
    // Pool tag, optional headers, object header, BlockSize; gives the body's offset from the pool
    // header. `pool_virtual`: the block's kernel virtual address (the Windows 10+ TypeIndex
    // decoding uses bits 8..15 of the header's address).
    Expected<std::uint32_t> checkHeaders(ByteView head, std::uint64_t pool_virtual) const;
    // The same for a block known only by its physical address, which fixes bits 0..11 of the
    // virtual one and not bits 12..15: the TypeIndex passes when one of the 16 addresses with that
    // page offset decodes it to the process type (the body's checks must hold as well).
    Expected<std::uint32_t> checkHeadersAtPhysical(ByteView head,
                                                   std::uint64_t pool_physical) const;
    // The _EPROCESS itself (`body` holds layout().eprocess_size bytes), through the one process
    // decoder and its checks (kernel/process_object.hpp); gives the decoded object.
    Expected<kernel::ProcessObject> checkBody(ByteView body) const;

  private:
    struct BlockAddress {
        std::uint64_t address = 0;
        bool is_virtual = true; // false: physical, only bits 0..11 are the virtual address's
    };
    Expected<std::uint32_t> checkHeadersAt(ByteView head, const BlockAddress& at) const;
    Expected<std::uint32_t> objectHeaderOffset(ByteView block, const BlockAddress& at) const;
    Expected<void> checkObjectHeader(ByteView block, std::uint32_t header,
                                     const BlockAddress& at) const;

    const kernel::KernelContext& k_;
    ScanLayout s_;
};

struct ScanCandidate {
    std::uint64_t pool_physical = 0;
    // From the kernel page tables (a valid or a transition PTE), else from a list neighbour.
    std::optional<std::uint64_t> pool_virtual;
    bool accepted = false;
    std::string reject_reason;
    std::uint64_t body_physical = 0;
    std::optional<std::uint64_t> body_virtual;
    std::string mapped_by;        // how body_virtual was found, or why there is none
    std::string body_description; // PID, name and times, for a body known only physically
};

struct ScanOutcome {
    kernel::PoolScanResult stats;
    double seconds = 0;                    // of the physical scan alone
    std::vector<ScanCandidate> candidates; // one per 'Proc' tag, ascending physical address
    bool reverse_map_truncated = false;
    std::vector<std::string> layout_notes;
};

// The kernel virtual address of an _EPROCESS known only by its physical address and bytes, from a
// LIST_ENTRY of its own (ActiveProcessLinks, MmProcessLinks, ThreadListHead) whose neighbour points
// back to it, or that is empty and points to itself; checked by translating the address back.
// Gives the address and which list gave it.
std::optional<std::pair<std::uint64_t, std::string>>
bodyVirtualFromNeighbours(const kernel::KernelContext& k, const kernel::ProcessObject& body,
                          std::uint64_t body_physical);

Expected<ScanOutcome> scanForProcesses(const kernel::KernelContext& k, const ViewOptions& options);

} // namespace dumpprocs::views
