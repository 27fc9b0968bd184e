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
    std::uint32_t ethread_size = 0; // the bytes of an _ETHREAD the thread scan reads
    std::vector<std::string> notes; // sizes the profile lacked and where they came from

    // Fails when the profile lacks the pool header, or when a size or offset the scan reads does
    // not fit its own type (the error names the type and member) or is absurd.
    static Expected<ScanLayout> resolve(const kernel::Profile& profile,
                                        const kernel::KernelLayout& layout);
    std::uint32_t optionalSize(std::uint8_t info_mask) const;
    Expected<std::uint32_t> blockBytes(ByteView pool_header) const;
};

// What a pool block is checked to hold: a process object under a 'Proc' tag, a thread object
// under a 'Thre' tag, or a process object whatever its tag (the tag-free check).
enum class PoolObject { Process, Thread, ProcessAnyTag };

// Decides whether a pool block holds a process (or thread) object. Every check names what it
// found.
class ProcessCandidateCheck {
  public:
    ProcessCandidateCheck(const kernel::KernelContext& k, ScanLayout layout,
                          PoolObject kind = PoolObject::Process);

    const ScanLayout& layout() const { return s_; }
    PoolObject kind() const { return kind_; }
    // Bytes from the pool header that hold it, every possible optional header and the object
    // header.
    std::size_t headerBytes() const;
    // The bytes of the object body the checks read (the _EPROCESS or the _ETHREAD).
    std::uint32_t bodySize() const;
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
    PoolObject kind_;
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
    // Found by its _DISPATCHER_HEADER and object header, not by a 'Proc' tag (the tag-free
    // check); pool_tag is the tag its pool header holds (not 'Proc': a changed tag).
    bool tag_free = false;
    std::uint32_t pool_tag = 0;
};

// A 'Thre' pool block: the thread object it holds and the process that owns it.
struct ThreadCandidate {
    std::uint64_t pool_physical = 0;
    std::optional<std::uint64_t> pool_virtual;
    bool accepted = false;
    std::string reject_reason;
    std::optional<std::uint64_t> body_virtual;
    std::uint64_t owner = 0; // _KTHREAD.Process
    std::uint64_t cid_process = 0, cid_thread = 0;
};

// The patterns of the one pass, in PoolTagHit::pattern order.
enum ScanPattern : std::uint8_t { kProcTagPattern = 0, kThreTagPattern = 1, kProcessHeaderPattern };

struct ScanOutcome {
    kernel::PoolScanResult stats;
    double seconds = 0;                    // of the physical scan alone
    std::vector<ScanCandidate> candidates; // one per 'Proc' tag, ascending physical address
    // Process objects found by their _DISPATCHER_HEADER (type and size of a process) and object
    // header whose pool tag is not 'Proc'; rejected ones only when their headers looked like one.
    std::vector<ScanCandidate> tag_free;
    std::size_t header_hits = 0;          // slots that matched the _DISPATCHER_HEADER pattern
    std::vector<ThreadCandidate> threads; // one per 'Thre' tag, ascending physical address
    std::string threads_unavailable;      // why no thread was checked ("" when they were)
    bool reverse_map_truncated = false;
    std::vector<std::string> layout_notes;
    // The page-table roots (PageTableRootTest) found in the same pass, ascending; nullopt when the
    // kernel's PML4 gives no test (the dtb view then says why).
    std::optional<std::vector<std::uint64_t>> page_table_roots;
};

// The kernel virtual address of an _EPROCESS known only by its physical address and bytes, from a
// LIST_ENTRY of its own (ActiveProcessLinks, MmProcessLinks, ThreadListHead) whose neighbour points
// back to it, or that is empty and points to itself; checked by translating the address back.
// Gives the address and which list gave it.
std::optional<std::pair<std::uint64_t, std::string>>
bodyVirtualFromNeighbours(const kernel::KernelContext& k, const kernel::ProcessObject& body,
                          std::uint64_t body_physical);

// One pass over physical memory for 'Proc' tags, 'Thre' tags and process dispatcher headers, and
// the checks of every hit.
Expected<ScanOutcome> scanForProcesses(const kernel::KernelContext& k, const ViewOptions& options);

struct ScanCache {
    Expected<ScanOutcome> outcome;
};
// The catalog's pass, run by the first view that needs it.
const Expected<ScanOutcome>& sharedScan(ProcessCatalog& catalog, const ViewOptions& options);

} // namespace dumpprocs::views
