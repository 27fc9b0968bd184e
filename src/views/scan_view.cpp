// The scan view: process objects found by their pool allocation in every physical page of the
// dump (what Volatility's psscan does), whatever the lists and tables say. A 'Proc' pool tag (with
// or without the protected bit) is only a lead; the candidate must then have the optional headers
// its InfoMask announces, an object header of the process type, and an _EPROCESS body that holds
// together (see ProcessCandidateCheck). Each hit is physical; it is mapped back to its kernel
// virtual address through the kernel page tables, or else through a list neighbour pointing back,
// so that it merges with the other views' entries.
#include <fmt/format.h>

#include <chrono>
#include <set>

#include "dumpprocs/addrspace/kernel_reverse_map.hpp"
#include "dumpprocs/kernel/pool_scanner.hpp"
#include "dumpprocs/views/scan_view.hpp"
#include "dumpprocs/views/views.hpp"

namespace dumpprocs::views {
namespace {

constexpr std::uint32_t kProcessPoolTag = 0x636f7250; // 'Proc'
constexpr std::uint32_t kProtectedTagBit = 0x80000000;

// Optional object headers by InfoMask bit, nearest to the object header first
// (kernel-structures.md §5; the kernel's table is nt!ObpInfoMaskToOffset).
constexpr std::pair<std::uint8_t, const char*> kOptionalHeaders[] = {
    {0x01, "_OBJECT_HEADER_CREATOR_INFO"}, {0x02, "_OBJECT_HEADER_NAME_INFO"},
    {0x04, "_OBJECT_HEADER_HANDLE_INFO"},  {0x08, "_OBJECT_HEADER_QUOTA_INFO"},
    {0x10, "_OBJECT_HEADER_PROCESS_INFO"}, {0x40, "_OBJECT_HEADER_AUDIT_INFO"},
};

std::string describeHit(const ScanCandidate& c) {
    return fmt::format("'Proc' pool block at physical {:#x}{}", c.pool_physical,
                       c.pool_virtual ? fmt::format(" (virtual {:#x})", *c.pool_virtual) : "");
}

// Reads `length` bytes of a candidate from its pool header on: through the kernel address space
// when its virtual address is known (the block may span pages that are not physically
// contiguous), else from physical memory.
Expected<std::vector<std::byte>> readCandidate(const kernel::KernelContext& k,
                                               const ScanCandidate& c, std::size_t length) {
    std::vector<std::byte> bytes(length);
    if (c.pool_virtual) {
        DP_CHECK(k.addressSpace().read(*c.pool_virtual, bytes));
    } else {
        const X64AddressSpace* x64 = k.x64AddressSpace();
        if (!x64)
            return makeError(ErrorCode::Unsupported, "no physical memory to read {:#x} from",
                             c.pool_physical);
        DP_CHECK(readPhysical(x64->physical(), c.pool_physical, bytes));
    }
    return bytes;
}

struct CheckedBody {
    std::uint32_t offset = 0;     // from the pool header
    std::vector<std::byte> bytes; // the _EPROCESS
};

// The headers first (a short read), then exactly the object: reading past the block's end could
// fail on an unmapped page that the object does not use.
Expected<CheckedBody> checkCandidate(const kernel::KernelContext& k,
                                     const ProcessCandidateCheck& checker, const ScanCandidate& c) {
    auto head = readCandidate(k, c, checker.headerBytes());
    if (!head)
        return head.error().context("not readable");
    const ByteView head_view(head->data(), head->size(), c.pool_physical, "physical address");
    DP_TRY(const std::uint32_t body,
           checker.checkHeaders(head_view, c.pool_virtual.value_or(c.pool_physical)));
    auto object = readCandidate(k, c, body + checker.layout().eprocess_size);
    if (!object)
        return object.error().context("not readable");
    CheckedBody out{body, std::vector<std::byte>(object->begin() + body, object->end())};
    DP_CHECK(checker.checkBody(ByteView(out.bytes.data(), out.bytes.size())));
    return out;
}

// sizeof(type) from the profile; when the profile lacks it (the 26100 row has no object-header
// sources), from the built-in rows of the same or earlier builds that have it, if they all agree
// (earlier only: AuditInfo, for one, did not exist before Windows 8).
std::optional<std::uint32_t> typeSize(const kernel::Profile& profile, const char* type,
                                      std::vector<std::string>& notes) {
    if (auto size = profile.sizeOf(type))
        return *size;
    std::set<std::uint32_t> sizes;
    for (const auto& row : kernel::builtinProfiles())
        if (row.build <= profile.build)
            if (auto size = row.sizeOf(type))
                sizes.insert(*size);
    if (sizes.size() != 1)
        return std::nullopt;
    notes.push_back(fmt::format("sizeof({}) = {:#x}: not in profile {}, the same in every "
                                "built-in row up to its build that has it",
                                type, *sizes.begin(), profile.name));
    return *sizes.begin();
}

} // namespace

// The kernel virtual address of a body known only physically, from a LIST_ENTRY of its own that
// a neighbour points back to (or that is empty and points to itself); checked by translating the
// address back to the body's physical address.
std::optional<std::pair<std::uint64_t, std::string>>
bodyVirtualFromNeighbours(const kernel::KernelContext& k, ByteView body,
                          std::uint64_t body_physical) {
    const auto& p = k.layout().process;
    const std::pair<std::uint32_t, const char*> lists[] = {
        {p.active_process_links, "ActiveProcessLinks"},
        {p.mm_process_links, "MmProcessLinks"},
        {p.thread_list_head, "ThreadListHead"}};
    const auto& as = k.addressSpace();
    for (const auto& [offset, name] : lists) {
        auto flink = body.read<std::uint64_t>(offset);
        if (!flink || !isKernelAddress(*flink))
            continue;
        std::vector<std::uint64_t> guesses{*flink}; // an empty (or self-linked) list
        if (auto back = as.read<std::uint64_t>(*flink + 8))
            guesses.push_back(*back); // the neighbour's Blink
        for (std::uint64_t entry : guesses) {
            const std::uint64_t va = entry - offset;
            auto t = as.translate(va);
            if (t && t->physical == body_physical)
                return std::pair{va, fmt::format("virtual address from the {} neighbour", name)};
        }
    }
    return std::nullopt;
}

Expected<ScanLayout> ScanLayout::resolve(const kernel::Profile& profile,
                                         const kernel::KernelLayout& layout) {
    ScanLayout s;
    const auto* tag = profile.member("_POOL_HEADER.PoolTag");
    const auto* block = profile.member("_POOL_HEADER.BlockSize");
    auto header_size = typeSize(profile, "_POOL_HEADER", s.notes);
    if (!tag || !block || !header_size)
        return makeError(ErrorCode::NotFound,
                         "profile {} lacks _POOL_HEADER (PoolTag, BlockSize, size): no pool scan",
                         profile.name);
    s.pool_header_size = *header_size;
    s.tag_offset = tag->offset;
    s.block_size = {block->offset, block->bit_position,
                    static_cast<std::uint8_t>(block->bit_length ? block->bit_length : 8),
                    static_cast<std::uint8_t>(block->size ? block->size : 4)};
    for (const auto& [bit, type] : kOptionalHeaders)
        if (auto size = typeSize(profile, type, s.notes)) {
            s.optional_headers.emplace_back(bit, *size);
            s.max_optional += *size;
        }
    s.object_header_body = layout.object_header.body;
    s.kprocess_size = profile.sizeOf("_KPROCESS").value_or(0);
    const auto& p = layout.process;
    s.eprocess_size = p.size;
    if (s.eprocess_size == 0) // no sizeof: as far as the members the checks read
        for (std::uint32_t end :
             {p.header_type + 3, p.directory_table_base + 8, p.unique_process_id + 8,
              p.active_process_links + 16, p.mm_process_links + 16, p.inherited_from_pid + 8,
              p.image_file_name + 15, p.create_time + 8, p.exit_time + 8, p.thread_list_head + 16})
            s.eprocess_size = std::max(s.eprocess_size, end);
    return s;
}

std::uint32_t ScanLayout::optionalSize(std::uint8_t info_mask) const {
    std::uint32_t total = 0;
    for (const auto& [bit, size] : optional_headers)
        if (info_mask & bit)
            total += size;
    return total;
}

std::uint32_t ScanLayout::blockBytes(ByteView pool_header) const {
    const std::uint32_t word = pool_header.readUnchecked<std::uint32_t>(block_size.offset);
    return ((word >> block_size.bit) & ((1u << block_size.width) - 1)) * 16;
}

ProcessCandidateCheck::ProcessCandidateCheck(const kernel::KernelContext& k, ScanLayout layout)
    : k_(k), s_(std::move(layout)) {}

std::size_t ProcessCandidateCheck::headerBytes() const {
    return s_.pool_header_size + s_.max_optional + s_.object_header_body;
}

// Finds the object header: the first place after the pool header where the InfoMask read there
// announces exactly the optional headers that lie between, and the header there is a process
// object's. (Checking the InfoMask alone is not enough: zeros inside a QuotaInfo read as an
// InfoMask of 0 right after the pool header.)
Expected<std::uint32_t>
ProcessCandidateCheck::objectHeaderOffset(ByteView block, std::uint64_t pool_address) const {
    const auto& oh = k_.layout().object_header;
    std::optional<Error> why;
    for (std::uint32_t optional = 0; optional <= s_.max_optional; optional += 0x10) {
        const std::uint32_t header = s_.pool_header_size + optional;
        auto mask = block.read<std::uint8_t>(header + oh.info_mask);
        if (!mask || s_.optionalSize(*mask) != optional)
            continue;
        auto valid = checkObjectHeader(block, header, pool_address + header);
        if (valid)
            return header;
        why = valid.error().context(
            fmt::format("object header at +{:#x} (InfoMask {:#04x})", header, *mask));
    }
    if (why)
        return *why;
    return makeError(ErrorCode::Corrupt,
                     "no object header: no InfoMask after the pool header announces the optional "
                     "headers before it");
}

Expected<void> ProcessCandidateCheck::checkObjectHeader(ByteView block, std::uint32_t header,
                                                        std::uint64_t header_address) const {
    const auto& oh = k_.layout().object_header;
    const auto pointers = block.readUnchecked<std::int64_t>(header + oh.pointer_count);
    const auto handles = block.readUnchecked<std::int64_t>(header + oh.handle_count);
    if (pointers <= 0 || pointers > (1LL << 40))
        return makeError(ErrorCode::Corrupt,
                         "object header PointerCount {} (a live object has "
                         "1 or more)",
                         pointers);
    if (handles < 0 || handles > (1LL << 32))
        return makeError(ErrorCode::Corrupt, "object header HandleCount {}", handles);
    const std::uint8_t fingerprint = k_.decodeTypeFingerprint(
        block.readUnchecked<std::uint8_t>(header + oh.type_index), header_address);
    if (const auto expected = k_.processFingerprint(); expected && fingerprint != *expected)
        return makeError(ErrorCode::Corrupt,
                         "object type fingerprint {:#04x}, the process objects of the lists have "
                         "{:#04x}",
                         fingerprint, *expected);
    return {};
}

Expected<void> ProcessCandidateCheck::checkBody(ByteView body) const {
    const auto& p = k_.layout().process;
    const auto type = body.readUnchecked<std::uint8_t>(p.header_type);
    if (type != 3)
        return makeError(ErrorCode::Corrupt, "DISPATCHER_HEADER.Type {}, a process has 3", type);
    const auto size = body.readUnchecked<std::uint8_t>(p.header_type + 2);
    if (s_.kprocess_size && s_.kprocess_size / 4 <= 0xFF && size != s_.kprocess_size / 4)
        return makeError(ErrorCode::Corrupt,
                         "DISPATCHER_HEADER.Size {:#x}, a process has sizeof(_KPROCESS)/4 = {:#x}",
                         size, s_.kprocess_size / 4);
    DP_CHECK(checkDirectoryTableBase(body.readUnchecked<std::uint64_t>(p.directory_table_base)));
    DP_CHECK(checkLists(body));
    DP_CHECK(checkIdentity(body));
    return checkTimes(body.readUnchecked<std::uint64_t>(p.create_time),
                      body.readUnchecked<std::uint64_t>(p.exit_time));
}

Expected<void> ProcessCandidateCheck::checkDirectoryTableBase(std::uint64_t dtb) const {
    // Windows 10+ may keep PCID bits in 11:0 (as the header's DTB does); earlier kernels never.
    const std::uint64_t low_allowed = k_.facts().build >= 10240 ? 0xFFF : 0;
    if ((dtb & ~low_allowed & 0xFFF) != 0 || (dtb >> 52) != 0 || (dtb & ~0xFFFULL) == 0)
        return makeError(ErrorCode::Corrupt,
                         "DirectoryTableBase {:#x} is not a page-aligned physical address", dtb);
    return {};
}

Expected<void> ProcessCandidateCheck::checkLists(ByteView body) const {
    const auto& p = k_.layout().process;
    const std::pair<std::uint32_t, const char*> lists[] = {
        {p.active_process_links, "ActiveProcessLinks"},
        {p.mm_process_links, "MmProcessLinks"},
        {p.thread_list_head, "ThreadListHead"}};
    for (const auto& [offset, name] : lists)
        for (std::uint32_t half : {0u, 8u}) {
            const auto link = body.readUnchecked<std::uint64_t>(offset + half);
            if (link != 0 && !isKernelAddress(link))
                return makeError(ErrorCode::Corrupt,
                                 "{}.{} {:#x} is neither 0 nor a kernel address", name,
                                 half ? "Blink" : "Flink", link);
        }
    return {};
}

Expected<void> ProcessCandidateCheck::checkIdentity(ByteView body) const {
    const auto& p = k_.layout().process;
    const auto pid = body.readUnchecked<std::uint64_t>(p.unique_process_id);
    if (pid == 0 || (pid & 3) != 0 || pid > 0xFFFFFFFFULL)
        return makeError(ErrorCode::Corrupt, "UniqueProcessId {:#x} is no process handle value",
                         pid);
    const auto ppid = body.readUnchecked<std::uint64_t>(p.inherited_from_pid);
    if ((ppid & 3) != 0 || ppid > 0xFFFFFFFFULL)
        return makeError(ErrorCode::Corrupt,
                         "InheritedFromUniqueProcessId {:#x} is no process handle value", ppid);
    const auto name = body.readUnchecked<std::array<std::uint8_t, 15>>(p.image_file_name);
    if (name[0] == 0)
        return makeError(ErrorCode::Corrupt, "ImageFileName is empty");
    for (std::uint8_t c : name) {
        if (c == 0)
            break;
        if (c < 0x20 || c >= 0x7F)
            return makeError(ErrorCode::Corrupt, "ImageFileName has the unprintable byte {:#04x}",
                             c);
    }
    return {};
}

Expected<void> ProcessCandidateCheck::checkTimes(std::uint64_t create, std::uint64_t exit) const {
    constexpr std::uint64_t k1990 = 122756256000000000ULL; // FILETIME of 1990-01-01
    constexpr std::uint64_t kDay = 864000000000ULL;
    constexpr std::uint64_t k2100 = 157766016000000000ULL; // FILETIME of 2100-01-01
    const std::uint64_t latest = k_.facts().system_time ? *k_.facts().system_time + kDay : k2100;
    if (create < k1990 || create > latest)
        return makeError(ErrorCode::Corrupt,
                         "CreateTime {:#x} is not between 1990 and the time "
                         "of the dump",
                         create);
    if (exit != 0 && (exit < create || exit > latest))
        return makeError(ErrorCode::Corrupt,
                         "ExitTime {:#x} is not between CreateTime and the "
                         "time of the dump",
                         exit);
    return {};
}

Expected<std::uint32_t> ProcessCandidateCheck::checkHeaders(ByteView head,
                                                            std::uint64_t pool_address) const {
    const std::uint32_t tag = head.readUnchecked<std::uint32_t>(s_.tag_offset);
    if ((tag & ~kProtectedTagBit) != kProcessPoolTag)
        return makeError(ErrorCode::Corrupt, "pool tag {:#010x} is not 'Proc'", tag);
    DP_TRY(const std::uint32_t header, objectHeaderOffset(head, pool_address));
    const std::uint32_t body = header + s_.object_header_body;
    const std::uint64_t need = body + std::uint64_t{s_.eprocess_size};
    if (const std::uint32_t bytes = s_.blockBytes(head); bytes < need)
        return makeError(ErrorCode::Corrupt,
                         "pool BlockSize gives {:#x} bytes, the object "
                         "needs {:#x}",
                         bytes, need);
    return body;
}

Expected<ScanOutcome> scanForProcesses(const kernel::KernelContext& k, const ViewOptions& options) {
    // The scan reads physical pages: a triage dump's saved virtual ranges have none to offer.
    const X64AddressSpace* x64 = k.x64AddressSpace();
    if (!x64)
        return makeError(ErrorCode::Unsupported,
                         "this dump holds no physical memory (only saved virtual ranges): there "
                         "are no pages to scan");
    DP_TRY(ScanLayout layout, ScanLayout::resolve(k.profile(), k.layout()));
    ScanOutcome out;
    out.layout_notes = layout.notes;
    const auto start = std::chrono::steady_clock::now();
    kernel::PoolScanOptions po;
    po.patterns = {kernel::PoolTagPattern{kProcessPoolTag, ~kProtectedTagBit}};
    po.tag_offset = layout.tag_offset;
    po.threads = options.threads;
    po.progress = options.progress;
    out.stats = kernel::scanPoolTags(x64->physical(), po);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::set<std::uint64_t> pages;
    for (const auto& hit : out.stats.hits)
        pages.insert(hit.physical >> kPageShift);
    const auto map = KernelReverseMap::build(x64->physical(), x64->directoryTableBase(), pages);
    out.reverse_map_truncated = map.truncated();

    const ProcessCandidateCheck checker(k, layout);
    for (const auto& hit : out.stats.hits) {
        ScanCandidate c;
        c.pool_physical = hit.physical;
        c.pool_virtual = map.virtualOf(hit.physical);
        if (auto body = checkCandidate(k, checker, c); !body) {
            c.reject_reason = body.error().message;
        } else {
            c.accepted = true;
            c.body_physical = hit.physical + body->offset;
            if (c.pool_virtual) {
                c.body_virtual = *c.pool_virtual + body->offset;
                c.mapped_by = "virtual address from the kernel page tables";
            } else if (auto found = bodyVirtualFromNeighbours(
                           k, ByteView(body->bytes.data(), body->bytes.size()), c.body_physical)) {
                c.body_virtual = found->first;
                c.mapped_by = found->second;
            }
        }
        out.candidates.push_back(std::move(c));
    }
    return out;
}

ViewResult runPoolScanView(ProcessCatalog& catalog, const ViewOptions& options) {
    ViewResult view;
    view.name = "scan";
    auto outcome = scanForProcesses(catalog.kernel(), options);
    if (!outcome) {
        view.available = false;
        view.unavailable_reason = outcome.error().message;
        return view;
    }
    const auto& st = outcome->stats;
    view.details = outcome->layout_notes;
    view.details.push_back(fmt::format(
        "scanned {} pages ({:.1f} MiB) in {:.3f} s with {} threads ({:.2f} GB/s); {} pages of the "
        "span not in the dump; {} 'Proc' tags",
        st.pages_scanned, static_cast<double>(st.bytes_scanned) / (1 << 20), outcome->seconds,
        st.threads_used,
        outcome->seconds > 0 ? static_cast<double>(st.bytes_scanned) / outcome->seconds / 1e9 : 0.0,
        st.pages_absent, st.hits.size()));
    if (st.pages_truncated) {
        view.warnings.push_back(fmt::format("{} pages of the page map lie past the end of the file "
                                            "(truncated dump) and were not scanned",
                                            st.pages_truncated));
        view.complete = false;
    }
    if (outcome->reverse_map_truncated)
        view.warnings.push_back("the kernel page-table walk stopped at its bound; some hits may "
                                "lack a virtual address");
    std::set<std::uint64_t> seen;
    std::size_t index = 0;
    for (const auto& c : outcome->candidates) {
        if (!c.accepted) {
            view.details.push_back(fmt::format("rejected {}: {}", describeHit(c), c.reject_reason));
            continue;
        }
        if (!c.body_virtual) {
            view.warnings.push_back(fmt::format(
                "process object at physical {:#x} has no kernel virtual address (its page is not "
                "in the kernel page tables and no list neighbour points back): not merged",
                c.body_physical));
            continue;
        }
        if (!seen.insert(*c.body_virtual).second)
            continue;
        catalog.get(*c.body_virtual);
        view.entries.push_back(
            ViewEntry{index++, *c.body_virtual,
                      fmt::format("pool at physical {:#x}; {}", c.pool_physical, c.mapped_by)});
    }
    return view;
}

} // namespace dumpprocs::views
