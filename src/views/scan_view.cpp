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
#include <map>
#include <set>
#include <tuple>

#include "dumpprocs/addrspace/kernel_reverse_map.hpp"
#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/formats/x64_paging.hpp"
#include "dumpprocs/kernel/pool_scanner.hpp"
#include "dumpprocs/kernel/process_object.hpp"
#include "dumpprocs/kernel/thread_object.hpp"
#include "dumpprocs/views/scan_view.hpp"
#include "dumpprocs/views/views.hpp"

namespace dumpprocs::views {
namespace {

using formats::kProcessPoolTag;
using formats::kThreadPoolTag;
constexpr std::uint32_t kProtectedTagBit = formats::kProtectedPoolTagBit;

// A pool tag as text ('Proc'), without the protected bit (set on tags before Windows 10), its
// bytes outside printable ASCII as \xNN.
std::string tagText(std::uint32_t tag) {
    tag &= ~kProtectedTagBit;
    std::string out;
    for (int i = 0; i < 4; ++i) {
        const auto c = static_cast<unsigned char>((tag >> (8 * i)) & 0xFF);
        out += (c >= 0x20 && c < 0x7F) ? std::string(1, static_cast<char>(c))
                                       : fmt::format("\\x{:02x}", c);
    }
    return "'" + out + "'";
}

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
    std::uint32_t pool_tag = 0;
};

struct CheckedBlock {
    std::uint32_t offset = 0; // of the body, from the pool header
    std::uint32_t pool_tag = 0;
    std::vector<std::byte> object; // from the pool header to the end of the body
};

// The headers first (a short read), then exactly the object: reading past the block's end could
// fail on an unmapped page that the object does not use. Without a virtual address the headers
// are checked from what the physical address fixes (see checkHeadersAtPhysical).
Expected<CheckedBlock> checkBlock(const kernel::KernelContext& k,
                                  const ProcessCandidateCheck& checker, const ScanCandidate& c) {
    auto head = readCandidate(k, c, checker.headerBytes());
    if (!head)
        return head.error().context("not readable");
    const ByteView head_view(head->data(), head->size(), c.pool_physical, "physical address");
    DP_TRY(const std::uint32_t body,
           c.pool_virtual ? checker.checkHeaders(head_view, *c.pool_virtual)
                          : checker.checkHeadersAtPhysical(head_view, c.pool_physical));
    DP_TRY(const auto tag,
           field<std::uint32_t>(head_view, checker.layout().tag_offset, "_POOL_HEADER.PoolTag"));
    auto object = readCandidate(k, c, std::size_t{body} + checker.bodySize());
    if (!object)
        return object.error().context("not readable");
    return CheckedBlock{body, tag, std::move(*object)};
}

Expected<CheckedBody> checkCandidate(const kernel::KernelContext& k,
                                     const ProcessCandidateCheck& checker, const ScanCandidate& c) {
    DP_TRY(CheckedBlock block, checkBlock(k, checker, c));
    const ByteView bytes(block.object.data() + block.offset, block.object.size() - block.offset);
    DP_TRY(kernel::ProcessObject process, checker.checkBody(bytes));
    return CheckedBody{block.offset, std::move(process), block.pool_tag};
}

// sizeof(type) from the profile (fillFromBuiltinRows gave a profile the sizes its data lacked,
// marked as fallbacks); the note says where a fallback came from.
std::optional<std::uint32_t> typeSize(const kernel::Profile& profile, const char* type,
                                      std::vector<std::string>& notes) {
    const kernel::TypeInfo* t = profile.type(type);
    if (!t || t->size == 0)
        return std::nullopt;
    if (t->size_fallback)
        notes.push_back(fmt::format("sizeof({}) = {:#x}: {}", type, t->size, *t->size_fallback));
    return t->size;
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
    s.ethread_size = kernel::threadObjectSize(layout.thread);
    if (s.ethread_size > kMaxEprocessSize)
        return makeError(ErrorCode::Corrupt,
                         "profile {}: the _ETHREAD members read end at +{:#x}, which is absurd",
                         name, s.ethread_size);
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

ProcessCandidateCheck::ProcessCandidateCheck(const kernel::KernelContext& k, ScanLayout layout,
                                             PoolObject kind)
    : k_(k), s_(std::move(layout)), kind_(kind) {}

std::uint32_t ProcessCandidateCheck::bodySize() const {
    return kind_ == PoolObject::Thread ? s_.ethread_size : s_.eprocess_size;
}

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
    const bool thread = kind_ == PoolObject::Thread;
    const char* objects = thread ? "thread" : "process";
    const auto expected = thread ? k_.threadFingerprint() : k_.processFingerprint();
    if (!expected)
        return {};
    const std::uint64_t header_address = at.address + header;
    if (at.is_virtual) {
        if (const std::uint8_t fingerprint = k_.decodeTypeFingerprint(raw, header_address);
            fingerprint != *expected)
            return makeError(ErrorCode::Corrupt,
                             "object type fingerprint {:#04x}, the {} objects of the lists "
                             "have {:#04x}",
                             fingerprint, objects, *expected);
        return {};
    }
    const std::uint64_t page_offset = header_address & (kPageSize - 1);
    for (std::uint64_t high = 0; high < 16; ++high)
        if (k_.decodeTypeFingerprint(raw, (high << kPageShift) | page_offset) == *expected)
            return {};
    return makeError(ErrorCode::Corrupt,
                     "object type fingerprint: TypeIndex {:#04x} at physical {:#x} gives the "
                     "{} objects' {:#04x} for no virtual address with that page offset",
                     raw, header_address, objects, *expected);
}

Expected<kernel::ProcessObject> ProcessCandidateCheck::checkBody(ByteView body) const {
    DP_TRY(kernel::ProcessObject process, kernel::decodeProcessObject(k_.layout().process, body));
    DP_CHECK(kernel::checkProcessObject(process, {s_.kprocess_size, k_.facts().system_time}));
    return process;
}

Expected<std::uint32_t> ProcessCandidateCheck::checkHeadersAt(ByteView head,
                                                              const BlockAddress& at) const {
    DP_TRY(const auto tag, field<std::uint32_t>(head, s_.tag_offset, "_POOL_HEADER.PoolTag"));
    const std::uint32_t want = kind_ == PoolObject::Thread ? kThreadPoolTag : kProcessPoolTag;
    if (kind_ != PoolObject::ProcessAnyTag && (tag & ~kProtectedTagBit) != want)
        return makeError(ErrorCode::Corrupt, "pool tag {:#010x} is not {}", tag, tagText(want));
    DP_TRY(const std::uint32_t header, objectHeaderOffset(head, at));
    const std::uint32_t body = header + s_.object_header_body;
    const std::uint64_t need = body + std::uint64_t{bodySize()};
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

namespace {

// The _DISPATCHER_HEADER of a process as the u32 at its first byte: Type 3 and Size, the byte
// System's own object holds (sizeof(_KPROCESS)/4 where that fits a byte). A process body starts
// on a 16-byte boundary (pool header, optional headers and object header are multiples of 16), so
// the tag-free check reads it at the start of every slot of the same pass as the tags.
Expected<kernel::PoolTagPattern> processHeaderPattern(const kernel::KernelContext& k) {
    auto system =
        kernel::readProcessObject(k.addressSpace(), k.layout().process, k.systemProcess());
    if (!system)
        return system.error().context("the System process, whose _DISPATCHER_HEADER the "
                                      "tag-free check looks for");
    kernel::PoolTagPattern p;
    p.tag = formats::kProcessObjectType | (std::uint32_t{system->dispatcher_size} << 16);
    p.mask = 0x00FF00FF;
    p.offset = 0;
    return p;
}

// Reads `length` bytes at a physical address or, when known, the kernel virtual address of it.
Expected<std::vector<std::byte>> readAt(const kernel::KernelContext& k,
                                        std::optional<std::uint64_t> va, std::uint64_t pa,
                                        std::size_t length) {
    std::vector<std::byte> bytes(length);
    if (va)
        DP_CHECK(k.addressSpace().read(*va, bytes));
    else
        DP_CHECK(readPhysical(k.x64AddressSpace()->physical(), pa, bytes));
    return bytes;
}

// A process body found by its _DISPATCHER_HEADER at physical `body`: its object header's InfoMask
// gives the optional headers and so where its pool header is; then the block is checked like a
// 'Proc' block, whatever its tag. nullopt when the slot is no process body at all (most hits).
std::optional<ScanCandidate> tagFreeCandidate(const kernel::KernelContext& k,
                                              const ProcessCandidateCheck& any_tag,
                                              const KernelReverseMap& map, std::uint64_t body) {
    const ScanLayout& s = any_tag.layout();
    const auto& oh = k.layout().object_header;
    std::optional<std::uint64_t> body_va;
    if (auto m = map.lookup(body))
        body_va = m->virtual_address;
    const std::uint64_t header = s.object_header_body;
    // Known only physically, the headers must lie on the body's own page.
    if (!body_va && (body & (kPageSize - 1)) < header + s.pool_header_size)
        return std::nullopt;
    auto mask = readAt(k, body_va ? std::optional(*body_va - header + oh.info_mask) : std::nullopt,
                       body - header + oh.info_mask, 1);
    if (!mask)
        return std::nullopt;
    const std::uint32_t before = s.pool_header_size +
                                 s.optionalSize(std::to_integer<std::uint8_t>((*mask)[0])) +
                                 static_cast<std::uint32_t>(header);
    ScanCandidate c;
    c.tag_free = true;
    if (body_va) {
        c.pool_virtual = *body_va - before;
        auto t = k.addressSpace().translate(*c.pool_virtual);
        if (!t)
            return std::nullopt;
        c.pool_physical = t->physical;
        c.mapped_by = "virtual address from the kernel page tables";
    } else {
        if ((body & (kPageSize - 1)) < before)
            return std::nullopt;
        c.pool_physical = body - before;
    }
    auto checked = checkCandidate(k, any_tag, c);
    if (!checked || checked->offset != before)
        return std::nullopt; // not a process object: no report for a slot that only looked like one
    c.pool_tag = checked->pool_tag;
    c.accepted = true;
    c.body_physical = body;
    c.body_virtual = body_va;
    c.body_description = describeBody(checked->process);
    if (!body_va) {
        if (auto found = bodyVirtualFromNeighbours(k, checked->process, body)) {
            c.body_virtual = found->first;
            c.pool_virtual = found->first - before;
            c.mapped_by = found->second;
        } else {
            c.mapped_by = "its page is in no kernel page-table entry and no list neighbour points "
                          "back to it";
        }
    }
    return c;
}

// A 'Thre' block: its thread object, and the process object its _KTHREAD.Process names (an object
// header of the process type, the PID of the thread's Cid).
ThreadCandidate checkThread(const kernel::KernelContext& k, const ProcessCandidateCheck& checker,
                            const KernelReverseMap& map, std::uint64_t pool) {
    ThreadCandidate t;
    t.pool_physical = pool;
    ScanCandidate c;
    c.pool_physical = pool;
    if (auto m = map.lookup(pool))
        c.pool_virtual = m->virtual_address;
    t.pool_virtual = c.pool_virtual;
    auto block = checkBlock(k, checker, c);
    if (!block) {
        t.reject_reason = block.error().message;
        return t;
    }
    auto thread = kernel::decodeThreadObject(
        k.layout().thread,
        ByteView(block->object.data() + block->offset, block->object.size() - block->offset));
    if (!thread) {
        t.reject_reason = thread.error().message;
        return t;
    }
    t.owner = thread->process;
    t.cid_process = thread->cid_process;
    t.cid_thread = thread->cid_thread;
    if (c.pool_virtual)
        t.body_virtual = *c.pool_virtual + block->offset;
    const auto fp = k.typeFingerprint(t.owner);
    if (k.processFingerprint() && fp != k.processFingerprint()) {
        t.reject_reason =
            fmt::format("_KTHREAD.Process {:#x} has no process object header", t.owner);
        return t;
    }
    auto owner = kernel::readProcessObject(k.addressSpace(), k.layout().process, t.owner);
    if (!owner) {
        t.reject_reason = fmt::format("_KTHREAD.Process {:#x}: {}", t.owner, owner.error().message);
        return t;
    }
    if (owner->dispatcher_type != formats::kProcessObjectType || owner->pid != t.cid_process) {
        t.reject_reason = fmt::format("_KTHREAD.Process {:#x} holds PID {:#x} (type {}), the "
                                      "thread's Cid names PID {:#x}",
                                      t.owner, owner->pid, owner->dispatcher_type, t.cid_process);
        return t;
    }
    t.accepted = true;
    return t;
}

} // namespace

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
    // In ScanPattern order: one pass finds the process tags, the thread tags and the process
    // bodies whatever their tag.
    po.patterns = {kernel::PoolTagPattern{kProcessPoolTag, ~kProtectedTagBit, std::nullopt},
                   kernel::PoolTagPattern{kThreadPoolTag, ~kProtectedTagBit, std::nullopt}};
    auto header_pattern = processHeaderPattern(k);
    if (header_pattern)
        po.patterns.push_back(*header_pattern);
    else
        out.layout_notes.push_back(
            fmt::format("no tag-free check: {}", header_pattern.error().message));
    po.tag_offset = layout.tag_offset;
    po.threads = options.threads;
    po.progress = options.progress;
    // The dtb view's test of every page while the pass has it at hand, so that --view all reads
    // the dump once.
    auto root_test = PageTableRootTest::forKernel(*x64);
    if (root_test)
        po.page_visitor = [&test = *root_test](ByteView bytes, std::uint64_t base,
                                               std::vector<std::uint64_t>& roots) {
            test.findIn(bytes, base, roots);
        };
    out.stats = kernel::scanPoolTags(x64->physical(), po);
    if (root_test)
        out.page_table_roots = std::move(out.stats.visited);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::set<std::uint64_t> pages;
    for (const auto& hit : out.stats.hits) {
        pages.insert(hit.physical >> kPageShift);
        if (hit.pattern == kProcessHeaderPattern) // its headers may lie on the page before
            pages.insert((hit.physical - layout.object_header_body - layout.pool_header_size -
                          layout.max_optional) >>
                         kPageShift);
    }
    const auto map = KernelReverseMap::build(x64->physical(), x64->directoryTableBase(), pages);
    out.reverse_map_truncated = map.truncated();

    const ProcessCandidateCheck checker(k, layout);
    const ProcessCandidateCheck any_tag(k, layout, PoolObject::ProcessAnyTag);
    const ProcessCandidateCheck thread_checker(k, layout, PoolObject::Thread);
    std::set<std::uint64_t> tagged_bodies;
    for (const auto& hit : out.stats.hits) {
        if (hit.pattern == kThreTagPattern) {
            out.threads.push_back(checkThread(k, thread_checker, map, hit.physical));
            continue;
        }
        if (hit.pattern != kProcTagPattern)
            continue;
        ScanCandidate c;
        c.pool_physical = hit.physical;
        c.pool_tag = hit.tag;
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
            tagged_bodies.insert(c.body_physical);
            if (c.pool_virtual)
                c.body_virtual = *c.pool_virtual + body->offset;
        }
        out.candidates.push_back(std::move(c));
    }
    // The tag-free check: every process body the 'Proc' tags did not already give.
    for (const auto& hit : out.stats.hits) {
        if (hit.pattern != kProcessHeaderPattern)
            continue;
        ++out.header_hits;
        if (tagged_bodies.count(hit.physical))
            continue;
        if (auto c = tagFreeCandidate(k, any_tag, map, hit.physical))
            if ((c->pool_tag & ~kProtectedTagBit) != kProcessPoolTag)
                out.tag_free.push_back(std::move(*c));
    }
    return out;
}

const Expected<ScanOutcome>& sharedScan(ProcessCatalog& catalog, const ViewOptions& options) {
    auto& cache = catalog.scanCache();
    if (!cache)
        cache = std::make_shared<ScanCache>(ScanCache{scanForProcesses(catalog.kernel(), options)});
    return cache->outcome;
}

namespace {

std::string scanFigures(const ScanOutcome& o) {
    const auto& st = o.stats;
    std::size_t proc = 0, thre = 0;
    for (const auto& hit : st.hits) {
        proc += hit.pattern == kProcTagPattern;
        thre += hit.pattern == kThreTagPattern;
    }
    return fmt::format(
        "scanned {} pages ({:.1f} MiB) in {:.3f} s with {} threads ({:.2f} GB/s); {} pages of the "
        "span not in the dump; {} 'Proc' tags, {} 'Thre' tags, {} process dispatcher headers",
        st.pages_scanned, static_cast<double>(st.bytes_scanned) / (1 << 20), o.seconds,
        st.threads_used,
        o.seconds > 0 ? static_cast<double>(st.bytes_scanned) / o.seconds / 1e9 : 0.0,
        st.pages_absent, proc, thre, o.header_hits);
}

// What both scan views say of the pass: its figures, the pages it could not scan.
Expected<const ScanOutcome*> startScanView(ViewResult& view, ProcessCatalog& catalog,
                                           const ViewOptions& options) {
    const auto& outcome = sharedScan(catalog, options);
    if (!outcome) {
        view.available = false;
        view.unavailable_reason = outcome.error().message;
        return outcome.error();
    }
    const auto& st = outcome->stats;
    view.details = outcome->layout_notes;
    view.details.push_back(scanFigures(*outcome));
    if (st.pages_truncated) {
        view.warnings.push_back(fmt::format("{} pages of the page map lie past the end of the file "
                                            "(truncated dump) and were not scanned",
                                            st.pages_truncated));
        view.complete = false;
    }
    if (outcome->reverse_map_truncated)
        view.warnings.push_back("the kernel page-table walk stopped at its bound; some hits may "
                                "lack a virtual address");
    return &*outcome;
}

} // namespace

ViewResult runPoolScanView(ProcessCatalog& catalog, const ViewOptions& options) {
    ViewResult view;
    view.name = "scan";
    auto started = startScanView(view, catalog, options);
    if (!started)
        return view;
    const ScanOutcome& outcome = **started;
    std::set<std::uint64_t> seen;
    std::size_t index = 0;
    auto add = [&](const ScanCandidate& c, const std::string& note) {
        if (!c.body_virtual) {
            // Views merge by virtual address, and this object has none: it is reported here, with
            // what its bytes say, rather than dropped or merged under an address it does not have.
            view.warnings.push_back(fmt::format(
                "process object at physical {:#x} ({}) has no kernel virtual address ({}): not "
                "merged with the other views, which cannot be compared with it",
                c.body_physical, c.body_description, c.mapped_by));
            return false;
        }
        if (!seen.insert(*c.body_virtual).second)
            return false;
        catalog.get(*c.body_virtual);
        view.entries.push_back(ViewEntry{index++, *c.body_virtual, note});
        return true;
    };
    for (const auto& c : outcome.candidates) {
        if (!c.accepted) {
            view.details.push_back(fmt::format("rejected {}: {}", describeHit(c), c.reject_reason));
            continue;
        }
        add(c, fmt::format("pool at physical {:#x}; {}", c.pool_physical, c.mapped_by));
    }
    // Found by their object, not their tag: Windows tags every process allocation 'Proc', so
    // another tag was written there after the allocation.
    for (const auto& c : outcome.tag_free) {
        const std::string tampered = fmt::format(
            "its pool tag is {}, not 'Proc': found by its object header and process type (the "
            "tag-free check); a process object under another tag is itself evidence of tampering",
            tagText(c.pool_tag));
        if (add(c, fmt::format("pool at physical {:#x}, tag {}; {}", c.pool_physical,
                               tagText(c.pool_tag), c.mapped_by)))
            view.evidence[*c.body_virtual].push_back(tampered);
        view.warnings.push_back(fmt::format("process object at {} ({}): {}",
                                            c.body_virtual
                                                ? fmt::format("{:#x}", *c.body_virtual)
                                                : fmt::format("physical {:#x}", c.body_physical),
                                            c.body_description, tampered));
    }
    return view;
}

ViewResult runThreadScanView(ProcessCatalog& catalog, const ViewOptions& options) {
    ViewResult view;
    view.name = "thrdscan";
    auto started = startScanView(view, catalog, options);
    if (!started)
        return view;
    const ScanOutcome& outcome = **started;
    std::map<std::uint64_t, std::size_t> threads_of;
    std::size_t index = 0;
    for (const auto& t : outcome.threads) {
        if (!t.accepted) {
            view.details.push_back(fmt::format("rejected 'Thre' pool block at physical {:#x}: {}",
                                               t.pool_physical, t.reject_reason));
            continue;
        }
        if (threads_of[t.owner]++ > 0)
            continue;
        catalog.get(t.owner);
        view.entries.push_back(ViewEntry{
            index++, t.owner,
            fmt::format("thread {} (TID {:#x}), pool at physical {:#x}",
                        t.body_virtual ? fmt::format("{:#x}", *t.body_virtual) : "<no address>",
                        t.cid_thread, t.pool_physical)});
    }
    for (auto& e : view.entries)
        if (const std::size_t n = threads_of[e.eprocess]; n > 1)
            e.note += fmt::format(" and {} more", n - 1);
    return view;
}

std::string explainThrdscanAbsence(const ProcessRecord& r, const kernel::KernelContext&,
                                   const ViewResult&) {
    if (r.terminated())
        return "an exited process: its threads are gone";
    if (r.minimal.value_or(false))
        return "a minimal process (Flags3.Minimal) has no threads of its own";
    if (r.active_threads == 0)
        return "ActiveThreads is 0: no thread object to find it by";
    return "";
}

} // namespace dumpprocs::views
