#include "dumpprocs/views/process_record.hpp"

#include <algorithm>
#include <cstddef>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/code_page.hpp"
#include "dumpprocs/kernel/loaded_modules.hpp"
#include "dumpprocs/kernel/process_object.hpp"
#include "dumpprocs/support/text.hpp"

#include <fmt/format.h>

namespace dumpprocs::views {
namespace {

using formats::kProcessObjectType;

// The idle processes: the owners of every processor's idle thread.
std::set<std::uint64_t> findIdleProcesses(const kernel::KernelContext& k) {
    std::set<std::uint64_t> idle;
    const auto& layout = k.layout();
    std::optional<std::uint32_t> idle_offset = layout.prcb.idle_thread;
    if (!idle_offset && k.kdbg())
        idle_offset = k.kdbg()->offset_prcb_idle_thread;
    if (!idle_offset)
        return idle;
    for (std::uint64_t prcb : k.prcbs()) {
        auto thread = k.addressSpace().read<std::uint64_t>(prcb + *idle_offset);
        if (!thread || *thread == 0)
            continue;
        auto process = k.addressSpace().read<std::uint64_t>(*thread + layout.thread.process);
        if (process && *process)
            idle.insert(*process);
    }
    return idle;
}

} // namespace

const char* entryKindName(EntryKind kind) {
    switch (kind) {
    case EntryKind::Process:
        return "process";
    case EntryKind::Idle:
        return "idle";
    case EntryKind::ListHead:
        return "list-head";
    case EntryKind::Invalid:
        return "invalid";
    case EntryKind::Unsaved:
        return "unsaved";
    }
    return "invalid";
}

namespace {

// ImageFileName up to its NUL.
std::string_view storedName(const ProcessRecord& r) {
    std::string_view bytes(reinterpret_cast<const char*>(r.name_bytes.data()), r.name_bytes.size());
    return bytes.substr(0, bytes.find('\0'));
}

bool printableAscii(std::string_view bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

} // namespace

std::string ProcessRecord::objectHeaderNote() const {
    if (object_header_valid)
        return fmt::format("process object header at {:#x}", object_header);
    return object_header_note;
}

std::string ProcessRecord::name() const {
    if (decoded_name)
        return *decoded_name;
    return escapeBytes(storedName(*this));
}

std::string ProcessRecord::nameRawHex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    const auto stored = storedName(*this);
    std::string hex;
    hex.reserve(2 * stored.size());
    for (char c : stored) {
        hex += kDigits[static_cast<unsigned char>(c) >> 4];
        hex += kDigits[static_cast<unsigned char>(c) & 0xF];
    }
    return hex;
}

ProcessCatalog::ProcessCatalog(const kernel::KernelContext& kernel, unsigned code_page)
    : kernel_(kernel), code_page_(code_page), idle_(findIdleProcesses(kernel)) {}

const ProcessRecord& ProcessCatalog::get(std::uint64_t eprocess) {
    auto it = cache_.find(eprocess);
    if (it == cache_.end())
        it = cache_.emplace(eprocess, read(eprocess)).first;
    return it->second;
}

std::optional<formats::ListEntry64> ProcessCatalog::knownLinks(std::uint64_t entry, bool mm) const {
    const auto& p = kernel_.layout().process;
    auto it = cache_.find(entry - (mm ? p.mm_process_links : p.active_process_links));
    if (it == cache_.end())
        return std::nullopt;
    return mm ? it->second.mm_links : it->second.active_links;
}

void ProcessCatalog::prefetch(std::span<const std::uint64_t> eprocesses) const {
    const std::uint64_t header = kernel_.layout().object_header.body;
    std::vector<VirtualRange> ranges;
    ranges.reserve(eprocesses.size());
    for (const std::uint64_t eprocess : eprocesses)
        if (!cache_.count(eprocess))
            ranges.push_back({eprocess - header, header + kernel_.layout().process.size});
    kernel_.addressSpace().prefetch(ranges);
}

ProcessRecord ProcessCatalog::read(std::uint64_t eprocess) const {
    ProcessRecord r;
    r.eprocess = eprocess;
    auto object =
        kernel::readProcessObject(kernel_.addressSpace(), kernel_.layout().process, eprocess);
    if (!object) {
        r.unreadable_reason = object.error().message;
        r.memory_missing = isMissingMemory(object.error().code);
        classify(r);
        return r;
    }
    r.readable = true;
    r.dispatcher_type = object->dispatcher_type;
    r.pid = object->pid;
    r.name_bytes = object->name;
    r.ppid = object->ppid;
    r.create_time = object->create_time;
    r.exit_time = object->exit_time;
    r.inserted = object->inserted;
    r.exiting = object->exiting;
    r.deleted = object->deleted;
    r.minimal = object->minimal;
    r.active_threads = object->active_threads;
    r.directory_table_base = object->directory_table_base;
    r.peb = object->peb;
    r.wow64 = object->wow64;
    if (object->complete) {
        r.active_links = object->active_links;
        r.mm_links = object->mm_links;
    }
    readAttributes(r, *object);
    classify(r);
    decodeName(r);
    // Only a process object's pointers lead to its session and handle table (a list head's bytes
    // do not).
    if (r.kind == EntryKind::Process)
        r.object_table = object->object_table;
    if (r.kind == EntryKind::Process && object->session) {
        r.session = object->session;
        const auto& session_id = kernel_.layout().session.session_id;
        if (*r.session != 0 && session_id)
            if (auto id = kernel_.addressSpace().read<std::uint32_t>(*r.session + *session_id))
                r.session_id = *id;
    }
    return r;
}

// What the process object points to, read where the pointers and the memory allow: its full
// image path (its session is read in read(), for process objects only). A pointer that leads
// nowhere leaves the attribute unknown.
void ProcessCatalog::readAttributes(ProcessRecord& r, const kernel::ProcessObject& object) const {
    const auto& as = kernel_.addressSpace();
    if (object.image_path_name) {
        // _OBJECT_NAME_INFORMATION.Name: formats::ObjectNameInformation64.
        const std::uint64_t name =
            object.image_path_name + offsetof(formats::ObjectNameInformation64, Name);
        if (auto path = kernel::readUnicodeString(as, name))
            r.image_path = *path;
    }
    // Only memory with page tables has a physical address (not a triage dump's saved ranges).
    if (as.hasPhysicalBacking())
        if (auto t = as.translate(r.eprocess); t && t->via != Translation::Via::Saved)
            r.physical_offset = t->physical;
}

// A name that is not printable ASCII was written in the system's ANSI code page: the image path
// (UTF-16) names the same file, so its last component is the name as the system meant it; without
// a path that fits, the code page the user named decodes it. Bytes neither tells stay escaped, and
// so does a path whose file name holds U+FFFD (a UTF-16 unit that was no character).
void ProcessCatalog::decodeName(ProcessRecord& r) const {
    const std::string_view stored = storedName(r);
    if (r.kind != EntryKind::Process || stored.empty() || printableAscii(stored))
        return;
    if (r.image_path && !r.image_path->empty()) {
        // The same file: its name begins with the bytes before the first non-ASCII one (a lead
        // byte in every ANSI code page) and is not ASCII itself. Else the short name was damaged
        // or the path is another's, and the bytes are shown as they are.
        const std::string file = r.image_path->substr(r.image_path->rfind('\\') + 1);
        const std::string_view ascii_start = stored.substr(
            0, static_cast<std::size_t>(
                   std::find_if(stored.begin(), stored.end(),
                                [](char c) { return static_cast<unsigned char>(c) >= 0x80; }) -
                   stored.begin()));
        const bool not_ascii = std::any_of(
            file.begin(), file.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
        if (not_ascii && file.starts_with(ascii_start) &&
            file.find("\xEF\xBF\xBD") == std::string::npos) {
            r.decoded_name = file;
            return;
        }
    }
    if (code_page_)
        r.decoded_name = kernel::decodeCodePage(stored, code_page_);
}

void ProcessCatalog::classify(ProcessRecord& r) const {
    const auto& k = kernel_;
    const auto& oh = k.layout().object_header;
    const std::uint64_t header = r.eprocess - oh.body;
    if (const auto& image = k.kernelImage(); image && image->contains(r.eprocess)) {
        r.in_kernel_image = true;
        const auto* section = image->sectionOf(r.eprocess);
        r.kernel_section = section ? section->name : "";
        r.evidence.push_back(fmt::format("inside the ntoskrnl image at +{:#x}{}",
                                         r.eprocess - image->base,
                                         section ? " (" + section->name + ")" : ""));
    }
    r.object_header = header;
    auto pointer_count = k.addressSpace().read<std::int64_t>(header + oh.pointer_count);
    auto fingerprint = k.typeFingerprint(r.eprocess);
    const auto expected = k.processFingerprint();
    if (!pointer_count || !fingerprint) {
        r.object_header_note = fmt::format("object header at {:#x} is not readable", header);
    } else if (*pointer_count <= 0) {
        r.object_header_note =
            fmt::format("no object header at {:#x} (PointerCount {})", header, *pointer_count);
    } else if (expected && *fingerprint != *expected) {
        r.object_header_note = fmt::format("object header at {:#x} has type fingerprint {:#04x}, "
                                           "process objects have {:#04x}",
                                           header, *fingerprint, *expected);
    } else {
        r.object_header_valid = true; // objectHeaderNote() spells it when asked
    }

    if (idle_.count(r.eprocess) || (idle_.empty() && r.in_kernel_image && r.readable &&
                                    r.dispatcher_type == kProcessObjectType && r.pid == 0)) {
        r.kind = EntryKind::Idle;
        r.evidence.push_back(idle_.count(r.eprocess)
                                 ? "owner of the processors' idle threads (KPRCB.IdleThread)"
                                 : "PID 0, a process object inside ntoskrnl (KPRCBs unknown)");
        return;
    }
    if (r.readable && r.dispatcher_type == kProcessObjectType) {
        r.kind =
            r.object_header_valid || !r.in_kernel_image ? EntryKind::Process : EntryKind::Invalid;
        if (!r.object_header_valid)
            r.evidence.push_back(r.objectHeaderNote());
        return;
    }
    r.evidence.push_back(r.objectHeaderNote());
    if (r.readable)
        r.evidence.push_back(fmt::format("DISPATCHER_HEADER.Type reads {}, a process has {}",
                                         r.dispatcher_type, kProcessObjectType));
    r.kind = r.in_kernel_image && !r.object_header_valid ? EntryKind::ListHead : EntryKind::Invalid;
    // Its memory is not in the file (a triage dump saves only the links that lead here; a kernel
    // dump may lack a page; a cut file lost its end): what it is cannot be told.
    if (!r.readable && r.kind == EntryKind::Invalid &&
        (r.memory_missing || !k.addressSpace().hasPhysicalBacking())) {
        r.kind = EntryKind::Unsaved;
        r.evidence.clear();
        r.evidence.push_back(fmt::format("not read: {}", r.unreadable_reason));
        return;
    }
    if (!r.readable)
        r.evidence.push_back(r.unreadable_reason);
}

} // namespace dumpprocs::views
