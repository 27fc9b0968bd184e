// The scan view: process objects found by their pool allocation in every physical page of the
// dump (what Volatility's psscan does), whatever the lists and tables say. A 'Proc' pool tag (with
// or without the protected bit) is only a lead; the candidate must then have the optional headers
// its InfoMask announces, an object header of the process type, and an _EPROCESS body that holds
// together (see ProcessCandidateCheck). Each hit is physical; it is mapped back to its kernel
// virtual address through the kernel page tables, or else through a list neighbour pointing back,
// so that it merges with the other views' entries. Every read at a profile offset is checked
// against the bytes read for the candidate: a profile that does not fit its own object can make
// candidates fail, never read past a buffer.
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <set>
#include <tuple>

#include "dumpprocs/addrspace/kernel_reverse_map.hpp"
#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/formats/x64_paging.hpp"
#include "dumpprocs/kernel/pool_scanner.hpp"
#include "dumpprocs/kernel/process_object.hpp"
#include "dumpprocs/views/scan_view.hpp"
#include "dumpprocs/views/views.hpp"

namespace dumpprocs::views {
namespace {

using formats::kProcessPoolTag;
constexpr std::uint32_t kProtectedTagBit = formats::kProtectedPoolTagBit;

// Optional object headers by InfoMask bit, nearest to the object header first
// (kernel-structures.md §5; the kernel's table is nt!ObpInfoMaskToOffset).
constexpr std::pair<std::uint8_t, const char*> kOptionalHeaders[] = {
    {0x01, "_OBJECT_HEADER_CREATOR_INFO"}, {0x02, "_OBJECT_HEADER_NAME_INFO"},
    {0x04, "_OBJECT_HEADER_HANDLE_INFO"},  {0x08, "_OBJECT_HEADER_QUOTA_INFO"},
    {0x10, "_OBJECT_HEADER_PROCESS_INFO"}, {0x40, "_OBJECT_HEADER_AUDIT_INFO"},
};

// Bounds a profile must keep for the scan to use it (the largest real values are 0x38 for an
// object header, 0x20 for an optional header and 0xb80 for an _EPROCESS).
constexpr std::uint64_t kMaxHeaderPart = 0x100;
constexpr std::uint64_t kMaxEprocessSize = 0x4000;

// A value at a profile offset inside the bytes read for a candidate: an offset outside them is an
// error that names the member, never a read past the buffer.
template <typename T> Expected<T> field(ByteView bytes, std::uint64_t offset, const char* member) {
    auto value = bytes.read<T>(offset);
    if (!value)
        return makeError(ErrorCode::OutOfBounds,
                         "{} at +{:#x} ({} bytes) lies outside the {:#x} bytes read for the "
                         "candidate",
                         member, offset, sizeof(T), bytes.size());
    return value;
}

// An integer of 1, 2, 4 or 8 bytes (a bitfield's container), checked as field() is.
Expected<std::uint64_t> container(ByteView bytes, std::uint64_t offset, std::uint8_t size,
                                  const char* member) {
    if (size != 1 && size != 2 && size != 4 && size != 8)
        return makeError(ErrorCode::Corrupt, "{} has a container of {} bytes", member, size);
    if (!bytes.contains(offset, size))
        return makeError(ErrorCode::OutOfBounds,
                         "{} at +{:#x} ({} bytes) lies outside the {:#x} bytes read for the "
                         "candidate",
                         member, offset, size, bytes.size());
    std::uint64_t value = 0;
    std::memcpy(&value, bytes.data() + offset, size); // little-endian host (x86-64)
    return value;
}

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
    std::uint32_t offset = 0; // from the pool header
    kernel::ProcessObject process;
};

// The headers first (a short read), then exactly the object: reading past the block's end could
// fail on an unmapped page that the object does not use. Without a virtual address the headers
// are checked from what the physical address fixes (see checkHeadersAtPhysical).
Expected<CheckedBody> checkCandidate(const kernel::KernelContext& k,
                                     const ProcessCandidateCheck& checker, const ScanCandidate& c) {
    auto head = readCandidate(k, c, checker.headerBytes());
    if (!head)
        return head.error().context("not readable");
    const ByteView head_view(head->data(), head->size(), c.pool_physical, "physical address");
    DP_TRY(const std::uint32_t body,
           c.pool_virtual ? checker.checkHeaders(head_view, *c.pool_virtual)
                          : checker.checkHeadersAtPhysical(head_view, c.pool_physical));
    auto object = readCandidate(k, c, std::size_t{body} + checker.layout().eprocess_size);
    if (!object)
        return object.error().context("not readable");
    const ByteView bytes(object->data() + body, object->size() - body);
    DP_TRY(kernel::ProcessObject process, checker.checkBody(bytes));
    return CheckedBody{body, std::move(process)};
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

// A member the scan reads must lie inside the type that holds it.
Expected<void> memberInside(const char* type, const char* member, std::uint64_t offset,
                            std::uint64_t width, std::uint64_t type_size,
                            const std::string& profile) {
    if (offset + width > type_size)
        return makeError(ErrorCode::Corrupt,
                         "profile {}: {}.{} at +{:#x} ({} bytes) lies outside sizeof({}) = "
                         "{:#x}: no pool scan",
                         profile, type, member, offset, width, type, type_size);
    return {};
}

// Facts about a process object read from its bytes, for an object that cannot be merged.
std::string describeBody(const kernel::ProcessObject& p) {
    std::string name;
    for (const std::uint8_t c : p.name) {
        if (c == 0)
            break;
        name += (c >= 0x20 && c < 0x7F) ? std::string(1, static_cast<char>(c))
                                        : fmt::format("\\x{:02x}", c);
    }
    return fmt::format("PID {}, {}, CreateTime {:#x}, ExitTime {:#x}", p.pid,
                       name.empty() ? "<no name>" : name, p.create_time, p.exit_time);
}

} // namespace

// The kernel virtual address of a body known only physically, from a LIST_ENTRY of its own that
// a neighbour points back to (or that is empty and points to itself); checked by translating the
// address back to the body's physical address.
std::optional<std::pair<std::uint64_t, std::string>>
bodyVirtualFromNeighbours(const kernel::KernelContext& k, const kernel::ProcessObject& body,
                          std::uint64_t body_physical) {
    const auto& p = k.layout().process;
    const std::tuple<std::uint32_t, std::uint64_t, const char*> lists[] = {
        {p.active_process_links, body.active_links.Flink, "ActiveProcessLinks"},
        {p.mm_process_links, body.mm_links.Flink, "MmProcessLinks"},
        {p.thread_list_head, body.thread_list.Flink, "ThreadListHead"}};
    const auto& as = k.addressSpace();
    for (const auto& [offset, flink, name] : lists) {
        if (!isKernelAddress(flink))
            continue;
        std::vector<std::uint64_t> guesses{flink}; // an empty (or self-linked) list
        if (auto back = as.read<std::uint64_t>(flink + formats::kBlinkOffset))
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
    // The profile's header sizes and offsets bound every read of a candidate's headers: they are
    // checked here once, so that a profile that does not fit its own types is named as such.
    const std::string& name = profile.name;
    if (s.pool_header_size > kMaxHeaderPart)
        return makeError(ErrorCode::Corrupt, "profile {}: sizeof(_POOL_HEADER) = {:#x} is absurd",
                         name, s.pool_header_size);
    DP_CHECK(memberInside("_POOL_HEADER", "PoolTag", s.tag_offset, 4, s.pool_header_size, name));
    const auto& bs = s.block_size;
    if ((bs.container_size != 1 && bs.container_size != 2 && bs.container_size != 4 &&
         bs.container_size != 8) ||
        bs.width > 16 || bs.bit + bs.width > bs.container_size * 8)
        return makeError(ErrorCode::Corrupt,
                         "profile {}: _POOL_HEADER.BlockSize (bits {}..{} of {} bytes) is no "
                         "bitfield of its container",
                         name, bs.bit, bs.bit + bs.width - 1, bs.container_size);
    DP_CHECK(memberInside("_POOL_HEADER", "BlockSize", bs.offset, bs.container_size,
                          s.pool_header_size, name));
    for (const auto& [bit, type] : kOptionalHeaders)
        if (auto size = typeSize(profile, type, s.notes)) {
            if (*size > kMaxHeaderPart)
                return makeError(ErrorCode::Corrupt, "profile {}: sizeof({}) = {:#x} is absurd",
                                 name, type, *size);
            s.optional_headers.emplace_back(bit, *size);
            s.max_optional += *size;
        }
    const auto& oh = layout.object_header;
    s.object_header_body = oh.body;
    if (oh.body > kMaxHeaderPart)
        return makeError(ErrorCode::Corrupt, "profile {}: _OBJECT_HEADER.Body at +{:#x} is absurd",
                         name, oh.body);
    DP_CHECK(memberInside("_OBJECT_HEADER", "PointerCount", oh.pointer_count, 8, oh.body, name));
    DP_CHECK(memberInside("_OBJECT_HEADER", "HandleCount", oh.handle_count, 8, oh.body, name));
    DP_CHECK(memberInside("_OBJECT_HEADER", "TypeIndex", oh.type_index, 1, oh.body, name));
    DP_CHECK(memberInside("_OBJECT_HEADER", "InfoMask", oh.info_mask, 1, oh.body, name));

    s.kprocess_size = profile.sizeOf("_KPROCESS").value_or(0);
    const auto& p = layout.process;
    // Every member the checks read, with its width (64-bit sums: no offset can wrap).
    const std::tuple<const char*, std::uint64_t, std::uint64_t> members[] = {
        {"Pcb.Header", p.header_type, 3},
        {"Pcb.DirectoryTableBase", p.directory_table_base, 8},
        {"UniqueProcessId", p.unique_process_id, 8},
        {"ActiveProcessLinks", p.active_process_links, 16},
        {"MmProcessLinks", p.mm_process_links, 16},
        {"InheritedFromUniqueProcessId", p.inherited_from_pid, 8},
        {"ImageFileName", p.image_file_name, 15},
        {"CreateTime", p.create_time, 8},
        {"ExitTime", p.exit_time, 8},
        {"ThreadListHead", p.thread_list_head, 16}};
    std::uint64_t size = p.size;
    if (size == 0) // no sizeof: as far as the members the checks read
        for (const auto& [member, offset, width] : members)
            size = std::max(size, offset + width);
    if (size > kMaxEprocessSize)
        return makeError(ErrorCode::Corrupt,
                         "profile {}: an _EPROCESS of {:#x} bytes is absurd (more than {:#x}): no "
                         "pool scan",
                         name, size, kMaxEprocessSize);
    for (const auto& [member, offset, width] : members)
        DP_CHECK(memberInside("_EPROCESS", member, offset, width, size, name));
    s.eprocess_size = static_cast<std::uint32_t>(size);
    return s;
}

std::uint32_t ScanLayout::optionalSize(std::uint8_t info_mask) const {
    std::uint32_t total = 0;
    for (const auto& [bit, size] : optional_headers)
        if (info_mask & bit)
            total += size;
    return total;
}

Expected<std::uint32_t> ScanLayout::blockBytes(ByteView pool_header) const {
    DP_TRY(const std::uint64_t word,
           container(pool_header, block_size.offset, block_size.container_size,
                     "_POOL_HEADER.BlockSize"));
    const unsigned width = std::min<unsigned>(block_size.width, 16);
    return static_cast<std::uint32_t>(((word >> block_size.bit) & ((1u << width) - 1)) * 16);
}

ProcessCandidateCheck::ProcessCandidateCheck(const kernel::KernelContext& k, ScanLayout layout)
    : k_(k), s_(std::move(layout)) {}

std::size_t ProcessCandidateCheck::headerBytes() const {
    return std::size_t{s_.pool_header_size} + s_.max_optional + s_.object_header_body;
}

// Finds the object header: the first place after the pool header where the InfoMask read there
// announces exactly the optional headers that lie between, and the header there is a process
// object's. (Checking the InfoMask alone is not enough: zeros inside a QuotaInfo read as an
// InfoMask of 0 right after the pool header.)
Expected<std::uint32_t> ProcessCandidateCheck::objectHeaderOffset(ByteView block,
                                                                  const BlockAddress& at) const {
    const auto& oh = k_.layout().object_header;
    std::optional<Error> why;
    for (std::uint32_t optional = 0; optional <= s_.max_optional; optional += 0x10) {
        const std::uint32_t header = s_.pool_header_size + optional;
        auto mask = block.read<std::uint8_t>(std::uint64_t{header} + oh.info_mask);
        if (!mask || s_.optionalSize(*mask) != optional)
            continue;
        auto valid = checkObjectHeader(block, header, at);
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

// The header's TypeIndex decodes with bits 8..15 of the header's virtual address on Windows 10+.
// Known only physically, the header's address has its bits 0..11 (the page offset) but not
// 12..15: each of the 16 values those can take is tried, and the header passes when one of them
// gives the process type; the body's checks that follow must hold as well.
Expected<void> ProcessCandidateCheck::checkObjectHeader(ByteView block, std::uint32_t header,
                                                        const BlockAddress& at) const {
    const auto& oh = k_.layout().object_header;
    DP_TRY(const auto pointers, field<std::int64_t>(block, std::uint64_t{header} + oh.pointer_count,
                                                    "_OBJECT_HEADER.PointerCount"));
    DP_TRY(const auto handles, field<std::int64_t>(block, std::uint64_t{header} + oh.handle_count,
                                                   "_OBJECT_HEADER.HandleCount"));
    DP_TRY(const auto raw, field<std::uint8_t>(block, std::uint64_t{header} + oh.type_index,
                                               "_OBJECT_HEADER.TypeIndex"));
    if (pointers <= 0 || pointers > (1LL << 40))
        return makeError(ErrorCode::Corrupt,
                         "object header PointerCount {} (a live object has "
                         "1 or more)",
                         pointers);
    if (handles < 0 || handles > (1LL << 32))
        return makeError(ErrorCode::Corrupt, "object header HandleCount {}", handles);
    const auto expected = k_.processFingerprint();
    if (!expected)
        return {};
    const std::uint64_t header_address = at.address + header;
    if (at.is_virtual) {
        if (const std::uint8_t fingerprint = k_.decodeTypeFingerprint(raw, header_address);
            fingerprint != *expected)
            return makeError(ErrorCode::Corrupt,
                             "object type fingerprint {:#04x}, the process objects of the lists "
                             "have {:#04x}",
                             fingerprint, *expected);
        return {};
    }
    const std::uint64_t page_offset = header_address & (kPageSize - 1);
    for (std::uint64_t high = 0; high < 16; ++high)
        if (k_.decodeTypeFingerprint(raw, (high << kPageShift) | page_offset) == *expected)
            return {};
    return makeError(ErrorCode::Corrupt,
                     "object type fingerprint: TypeIndex {:#04x} at physical {:#x} gives the "
                     "process objects' {:#04x} for no virtual address with that page offset",
                     raw, header_address, *expected);
}

Expected<kernel::ProcessObject> ProcessCandidateCheck::checkBody(ByteView body) const {
    DP_TRY(kernel::ProcessObject process, kernel::decodeProcessObject(k_.layout().process, body));
    DP_CHECK(kernel::checkProcessObject(process, {s_.kprocess_size, k_.facts().system_time}));
    return process;
}

Expected<std::uint32_t> ProcessCandidateCheck::checkHeadersAt(ByteView head,
                                                              const BlockAddress& at) const {
    DP_TRY(const auto tag, field<std::uint32_t>(head, s_.tag_offset, "_POOL_HEADER.PoolTag"));
    if ((tag & ~kProtectedTagBit) != kProcessPoolTag)
        return makeError(ErrorCode::Corrupt, "pool tag {:#010x} is not 'Proc'", tag);
    DP_TRY(const std::uint32_t header, objectHeaderOffset(head, at));
    const std::uint32_t body = header + s_.object_header_body;
    const std::uint64_t need = body + std::uint64_t{s_.eprocess_size};
    DP_TRY(const std::uint32_t bytes, s_.blockBytes(head));
    if (bytes < need)
        return makeError(ErrorCode::Corrupt,
                         "pool BlockSize gives {:#x} bytes, the object "
                         "needs {:#x}",
                         bytes, need);
    return body;
}

Expected<std::uint32_t> ProcessCandidateCheck::checkHeaders(ByteView head,
                                                            std::uint64_t pool_virtual) const {
    return checkHeadersAt(head, BlockAddress{pool_virtual, true});
}

Expected<std::uint32_t>
ProcessCandidateCheck::checkHeadersAtPhysical(ByteView head, std::uint64_t pool_physical) const {
    return checkHeadersAt(head, BlockAddress{pool_physical, false});
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
        const auto mapping = map.lookup(hit.physical);
        if (mapping) {
            c.pool_virtual = mapping->virtual_address;
            c.mapped_by = mapping->via == KernelReverseMap::Via::Transition
                              ? "virtual address from the kernel page tables (a transition PTE)"
                              : "virtual address from the kernel page tables";
        }
        auto body = checkCandidate(k, checker, c);
        if (body && !c.pool_virtual) {
            // Known only physically: its own list entries may give the virtual address; then the
            // candidate is checked again through it, with its exact TypeIndex decoding and its
            // bytes as the other views read them.
            c.body_description = describeBody(body->process);
            if (auto found =
                    bodyVirtualFromNeighbours(k, body->process, hit.physical + body->offset)) {
                ScanCandidate at = c;
                at.pool_virtual = found->first - body->offset;
                auto again = checkCandidate(k, checker, at);
                if (again) {
                    c = at;
                    c.mapped_by = found->second;
                    body = std::move(again);
                } else {
                    c.mapped_by = fmt::format("its list neighbours give "
                                              "{:#x}, but the object read through it fails ({})",
                                              found->first, again.error().message);
                }
            } else {
                c.mapped_by = "its page is in no kernel page-table entry "
                              "(valid or transition) and no list neighbour points back to it";
            }
        }
        if (!body) {
            c.reject_reason = body.error().message;
        } else {
            c.accepted = true;
            c.body_physical = hit.physical + body->offset;
            if (c.pool_virtual)
                c.body_virtual = *c.pool_virtual + body->offset;
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
            // Views merge by virtual address, and this object has none: it is reported here, with
            // what its bytes say, rather than dropped or merged under an address it does not have.
            view.warnings.push_back(fmt::format(
                "process object at physical {:#x} ({}) has no kernel virtual address ({}): not "
                "merged with the other views, which cannot be compared with it",
                c.body_physical, c.body_description, c.mapped_by));
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
