#include "dumpprocs/kernel/process_object.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/formats/x64_paging.hpp"

namespace dumpprocs::kernel {
namespace {

using formats::kProcessObjectType;

constexpr std::uint64_t k1990 = 122756256000000000ULL; // FILETIME of 1990-01-01
constexpr std::uint64_t k2100 = 157766016000000000ULL; // FILETIME of 2100-01-01
constexpr std::uint64_t kDay = 864000000000ULL;        // FILETIME units in a day

// An identity member: the object cannot be told without it.
template <typename T>
Expected<T> identity(ByteView body, std::uint32_t offset, const char* member) {
    auto value = body.read<T>(offset);
    if (!value)
        return makeError(ErrorCode::OutOfBounds,
                         "{} at +{:#x} ({} bytes) lies outside the {:#x} bytes read for the object",
                         member, offset, sizeof(T), body.size());
    return value;
}

// Any other member: 0 when it lies past the bytes read (and the object is marked incomplete).
template <typename T> T optionalMember(ByteView body, std::uint32_t offset, bool& complete) {
    auto value = body.read<T>(offset);
    if (value)
        return *value;
    complete = false;
    return T{};
}

// A member whose value decides an explanation ("no session", "no handle table"): nullopt when it
// lies past the bytes read, so a missing page is never taken for a NULL pointer.
template <typename T>
std::optional<T> presentMember(ByteView body, std::uint32_t offset, bool& complete) {
    auto value = body.read<T>(offset);
    if (value)
        return *value;
    complete = false;
    return std::nullopt;
}

// The process flags are read as the 32-bit word at the member's offset (profile_validator.cpp
// checks every flag bit lies inside such a word).
bool bit(ByteView body, const BitRef& ref, bool& complete) {
    return (optionalMember<std::uint32_t>(body, ref.offset, complete) >> ref.bit) & 1u;
}

Expected<void> checkLinks(const formats::ListEntry64& links, const char* name) {
    for (const auto& [link, half] : {std::pair{links.Flink, "Flink"}, {links.Blink, "Blink"}})
        if (link != 0 && !isKernelAddress(link))
            return makeError(ErrorCode::Corrupt, "{}.{} {:#x} is neither 0 nor a kernel address",
                             name, half, link);
    return {};
}

Expected<void> checkIdentity(const ProcessObject& p) {
    if (p.pid == 0 || (p.pid & 3) != 0 || p.pid > 0xFFFFFFFFULL)
        return makeError(ErrorCode::Corrupt, "UniqueProcessId {:#x} is no process handle value",
                         p.pid);
    if ((p.ppid & 3) != 0 || p.ppid > 0xFFFFFFFFULL)
        return makeError(ErrorCode::Corrupt,
                         "InheritedFromUniqueProcessId {:#x} is no process handle value", p.ppid);
    if (p.name[0] == 0)
        return makeError(ErrorCode::Corrupt, "ImageFileName is empty");
    // Bytes above 0x7F are allowed: ImageFileName is in the system's ANSI code page, and a
    // localised file name (or a rootkit's chosen one) has them. Control bytes never occur.
    for (std::uint8_t c : p.name) {
        if (c == 0)
            break;
        if (c < 0x20 || c == 0x7F)
            return makeError(ErrorCode::Corrupt, "ImageFileName has the control byte {:#04x}", c);
    }
    return {};
}

Expected<void> checkTimes(const ProcessObject& p, const ProcessPlausibility& rules) {
    const std::uint64_t latest = rules.dump_time ? *rules.dump_time + kDay : k2100;
    if (p.create_time < k1990 || p.create_time > latest)
        return makeError(ErrorCode::Corrupt,
                         "CreateTime {:#x} is not between 1990 and the time of the dump",
                         p.create_time);
    if (p.exit_time != 0 && (p.exit_time < p.create_time || p.exit_time > latest))
        return makeError(ErrorCode::Corrupt,
                         "ExitTime {:#x} is not between CreateTime and the time of the dump",
                         p.exit_time);
    return {};
}

} // namespace

std::uint32_t processObjectSize(const ProcessLayout& p) {
    if (p.size)
        return p.size;
    const std::uint64_t ends[] = {p.header_type + 4ULL,
                                  p.directory_table_base + 8ULL,
                                  p.unique_process_id + 8ULL,
                                  p.active_process_links + 16ULL,
                                  p.mm_process_links + 16ULL,
                                  p.inherited_from_pid + 8ULL,
                                  p.image_file_name + 15ULL,
                                  p.create_time + 8ULL,
                                  p.exit_time + 8ULL,
                                  p.active_threads + 4ULL,
                                  p.thread_list_head + 16ULL,
                                  p.peb + 8ULL,
                                  p.inserted.offset + 4ULL,
                                  p.exiting.offset + 4ULL,
                                  p.deleted.offset + 4ULL,
                                  p.minimal ? p.minimal->offset + 4ULL : 0ULL,
                                  p.session ? *p.session + 8ULL : 0ULL,
                                  p.object_table ? *p.object_table + 8ULL : 0ULL,
                                  p.wow64_process ? *p.wow64_process + 8ULL : 0ULL,
                                  p.image_path_name ? *p.image_path_name + 8ULL : 0ULL};
    return static_cast<std::uint32_t>(*std::max_element(std::begin(ends), std::end(ends)));
}

Expected<ProcessObject> decodeProcessObject(const ProcessLayout& p, ByteView body) {
    ProcessObject out;
    DP_TRY(out.dispatcher_type, identity<std::uint8_t>(body, p.header_type, "_KPROCESS.Header"));
    DP_TRY(out.pid,
           identity<std::uint64_t>(body, p.unique_process_id, "_EPROCESS.UniqueProcessId"));
    DP_TRY(out.name, (identity<std::array<std::uint8_t, 15>>(body, p.image_file_name,
                                                             "_EPROCESS.ImageFileName")));
    bool& complete = out.complete;
    // _DISPATCHER_HEADER: Type, Signalling, Size, Reserved (kernel-structures.md §2).
    out.dispatcher_size = optionalMember<std::uint8_t>(body, p.header_type + 2, complete);
    out.directory_table_base =
        optionalMember<std::uint64_t>(body, p.directory_table_base, complete);
    out.ppid = optionalMember<std::uint64_t>(body, p.inherited_from_pid, complete);
    out.create_time = optionalMember<std::uint64_t>(body, p.create_time, complete);
    out.exit_time = optionalMember<std::uint64_t>(body, p.exit_time, complete);
    out.inserted = bit(body, p.inserted, complete);
    out.exiting = bit(body, p.exiting, complete);
    out.deleted = bit(body, p.deleted, complete);
    if (p.minimal)
        out.minimal = bit(body, *p.minimal, complete);
    out.active_threads = optionalMember<std::uint32_t>(body, p.active_threads, complete);
    out.peb = optionalMember<std::uint64_t>(body, p.peb, complete);
    if (p.session)
        out.session = presentMember<std::uint64_t>(body, *p.session, complete);
    if (p.object_table)
        out.object_table = presentMember<std::uint64_t>(body, *p.object_table, complete);
    out.active_links = optionalMember<formats::ListEntry64>(body, p.active_process_links, complete);
    out.mm_links = optionalMember<formats::ListEntry64>(body, p.mm_process_links, complete);
    out.thread_list = optionalMember<formats::ListEntry64>(body, p.thread_list_head, complete);
    if (p.wow64_process) {
        out.wow64_process = optionalMember<std::uint64_t>(body, *p.wow64_process, complete);
        out.wow64 = out.wow64_process != 0;
    }
    if (p.image_path_name)
        out.image_path_name = optionalMember<std::uint64_t>(body, *p.image_path_name, complete);
    return out;
}

Expected<ProcessObject> readProcessObject(const VirtualMemory& memory, const ProcessLayout& p,
                                          std::uint64_t eprocess) {
    std::vector<std::byte> bytes(processObjectSize(p));
    std::size_t readable = 0;
    // Page by page: an object whose later page the dump lacks still has its first members.
    while (readable < bytes.size()) {
        const std::uint64_t va = eprocess + readable;
        const std::size_t chunk = static_cast<std::size_t>(
            std::min<std::uint64_t>(bytes.size() - readable, kPageSize - (va & (kPageSize - 1))));
        if (!memory.read(va, std::span(bytes.data() + readable, chunk)))
            break;
        readable += chunk;
    }
    auto decoded = decodeProcessObject(p, ByteView(bytes.data(), readable, eprocess, "address"));
    if (decoded)
        return decoded;
    // Name the identity member's own read error (its address, and why it failed).
    if (auto type = memory.read<std::uint8_t>(eprocess + p.header_type); !type)
        return type.error();
    if (auto pid = memory.read<std::uint64_t>(eprocess + p.unique_process_id); !pid)
        return pid.error();
    if (auto name = memory.read<std::array<std::uint8_t, 15>>(eprocess + p.image_file_name); !name)
        return name.error();
    return decoded;
}

Expected<void> checkProcessObject(const ProcessObject& p, const ProcessPlausibility& rules) {
    if (p.dispatcher_type != kProcessObjectType)
        return makeError(ErrorCode::Corrupt, "DISPATCHER_HEADER.Type {}, a process has {}",
                         p.dispatcher_type, kProcessObjectType);
    if (rules.kprocess_size && rules.kprocess_size / 4 <= 0xFF &&
        p.dispatcher_size != rules.kprocess_size / 4)
        return makeError(ErrorCode::Corrupt,
                         "DISPATCHER_HEADER.Size {:#x}, a process has sizeof(_KPROCESS)/4 = {:#x}",
                         p.dispatcher_size, rules.kprocess_size / 4);
    // Bits 0..11 may hold a PCID on any build (8.1 dumps have them as well as 10+ ones): only the
    // frame they leave must be a physical address.
    const std::uint64_t dtb = p.directory_table_base;
    const std::uint64_t frame = formats::pte::directoryTableFrame(dtb);
    if (frame != (dtb & ~(kPageSize - 1)) || frame == 0)
        return makeError(ErrorCode::Corrupt,
                         "DirectoryTableBase {:#x} names no physical page (bits 12..51 hold the "
                         "frame, bits 0..11 may hold a PCID)",
                         dtb);
    DP_CHECK(checkLinks(p.active_links, "ActiveProcessLinks"));
    DP_CHECK(checkLinks(p.mm_links, "MmProcessLinks"));
    DP_CHECK(checkLinks(p.thread_list, "ThreadListHead"));
    DP_CHECK(checkIdentity(p));
    return checkTimes(p, rules);
}

bool isSystemProcess(const ProcessObject& p) {
    // "System" and its terminating NUL; what follows the NUL is not the name.
    return p.dispatcher_type == kProcessObjectType && p.pid == formats::kSystemPid &&
           std::memcmp(p.name.data(), "System", 7) == 0;
}

} // namespace dumpprocs::kernel
