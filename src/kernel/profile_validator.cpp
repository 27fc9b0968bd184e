#include "dumpprocs/kernel/profile_validator.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "dumpprocs/kernel/kernel_image.hpp"
#include "dumpprocs/kernel/profile_manifest.hpp"

namespace dumpprocs::kernel {
namespace {

using Shape = MemberShape;
using Use = ManifestEntry;

// The largest sizeof the tool accepts for the types it reads. Real x64 kernels from 7601 to 26100
// stay far below (sizeof(_EPROCESS) 0x4d0..0xb80, _KPRCB under 0xb000); the bounds keep a sum of
// offsets in 32 bits and a candidate's read within a few pages.
struct TypeBound {
    const char* type;
    std::uint32_t max_size;
};
constexpr TypeBound kTypeBounds[] = {
    {"_EPROCESS", 0x2000},
    {"_KPROCESS", 0x1000},
    {"_ETHREAD", 0x2000},
    {"_KTHREAD", 0x1000},
    {"_KAPC_STATE", 0x100},
    {"_OBJECT_HEADER", 0x100},
    {"_HANDLE_TABLE", 0x400},
    {"_KPRCB", 0x100000},
    {"_KLDR_DATA_TABLE_ENTRY", 0x400},
    {"_POOL_HEADER", 0x40},
    // The optional object headers the scan skips between the pool header and the object header.
    {"_OBJECT_HEADER_CREATOR_INFO", 0x100},
    {"_OBJECT_HEADER_NAME_INFO", 0x100},
    {"_OBJECT_HEADER_HANDLE_INFO", 0x100},
    {"_OBJECT_HEADER_QUOTA_INFO", 0x100},
    {"_OBJECT_HEADER_PROCESS_INFO", 0x100},
    {"_OBJECT_HEADER_AUDIT_INFO", 0x100},
};

// _KPROCESS is _EPROCESS.Pcb and _KTHREAD is _ETHREAD.Tcb, both at offset 0: the views add their
// members' offsets to the address of the outer object.
constexpr std::pair<const char*, const char*> kEmbeddedAtZero[] = {{"_KPROCESS", "_EPROCESS"},
                                                                   {"_KTHREAD", "_ETHREAD"}};

// Symbols whose RVAs must lie inside a kernel image. The other symbols the tool reads
// (KernelSymbol) are used only when what they name checks out on the dump (a ring that closes,
// a table of typed slots).
constexpr KernelSymbol kCheckedSymbols[] = {KernelSymbol::PspCidTable};

std::uint32_t maxSizeOf(std::string_view type) {
    for (const auto& b : kTypeBounds)
        if (type == b.type)
            return b.max_size;
    return 0;
}

const char* kindName(MemberKind kind) {
    switch (kind) {
    case MemberKind::Unsigned:
        return "an unsigned integer";
    case MemberKind::Signed:
        return "a signed integer";
    case MemberKind::Pointer:
        return "a pointer";
    case MemberKind::Bitfield:
        return "a bitfield";
    case MemberKind::CharArray:
        return "a char array";
    case MemberKind::Array:
        return "an array";
    case MemberKind::Struct:
        return "a struct";
    case MemberKind::Enum:
        return "an enum";
    }
    return "an unknown kind";
}

const char* shapeName(const Use& use) {
    switch (use.shape) {
    case Shape::Word:
        return "a pointer or 64-bit integer";
    case Shape::Integer:
        return "an integer";
    case Shape::Bits:
        return "a bitfield";
    case Shape::ListEntry:
        return "an embedded _LIST_ENTRY";
    case Shape::Embedded:
        return "an embedded struct";
    case Shape::Time:
        return "a _LARGE_INTEGER or 64-bit integer";
    case Shape::Text:
        return "a char array";
    case Shape::Low32:
        return "the low 4 bytes of a pointer or integer";
    }
    return "";
}

bool isInteger(MemberKind k) {
    return k == MemberKind::Unsigned || k == MemberKind::Signed || k == MemberKind::Enum;
}

class Checker {
  public:
    explicit Checker(const Profile& p) : p_(p) {}

    std::vector<ProfileDefect> run() {
        checkTypeSizes();
        for (const auto& use : profileManifest())
            if (const MemberInfo* m = p_.member(fmt::format("{}.{}", use.type, use.member)))
                checkMember(use, *m);
        checkApcStateProcess();
        checkSymbols();
        return std::move(defects_);
    }

  private:
    void add(std::string where, std::string problem) {
        defects_.push_back({std::move(where), std::move(problem)});
    }

    std::uint32_t sizeOf(std::string_view type) const {
        const TypeInfo* t = p_.type(type);
        return t ? t->size : 0;
    }

    void checkTypeSizes() {
        for (const auto& b : kTypeBounds) {
            const TypeInfo* t = p_.type(b.type);
            if (!t)
                continue;
            const std::string where = fmt::format("sizeof({})", b.type);
            // Built-in rows leave a size they do not know at 0; a symbol file states every size.
            if (t->size == 0 && p_.source != ProfileSource::Builtin)
                add(where, "is 0");
            else if (t->size > b.max_size)
                add(where, fmt::format("{:#x} is absurd (at most {:#x})", t->size, b.max_size));
        }
        for (const auto& [inner, outer] : kEmbeddedAtZero) {
            const std::uint32_t in = sizeOf(inner), out = sizeOf(outer);
            if (in && out && in > out)
                add(fmt::format("sizeof({})", inner),
                    fmt::format("{:#x} is larger than sizeof({}) {:#x}, which begins with it", in,
                                outer, out));
        }
    }

    // The bytes from the member's offset that must lie inside its type.
    std::uint64_t extentOf(const Use& use, const MemberInfo& m) const {
        return std::max<std::uint64_t>(m.size, use.reads);
    }

    void checkMember(const Use& use, const MemberInfo& m) {
        const std::string where = fmt::format("{}.{}", use.type, use.member);
        if (!checkKind(use, m, where))
            return;
        const std::uint64_t end = std::uint64_t{m.offset} + extentOf(use, m);
        checkInside(where, m, end, use.type);
        for (const auto& [inner, outer] : kEmbeddedAtZero)
            if (std::string_view(use.type) == inner)
                checkInside(where, m, end, outer);
    }

    // Inside sizeof(type) when the profile knows it, else inside the largest sane sizeof.
    void checkInside(const std::string& where, const MemberInfo& m, std::uint64_t end,
                     const char* type) {
        const std::uint32_t size = sizeOf(type);
        const std::uint32_t bound = size ? size : maxSizeOf(type);
        if (bound == 0 || end <= bound)
            return;
        add(where,
            fmt::format("offset {:#x} + {} bytes lies past {} {:#x}", m.offset, end - m.offset,
                        size ? fmt::format("sizeof({})", type)
                             : fmt::format("the largest sane sizeof({})", type),
                        bound));
    }

    bool wrongKind(const Use& use, const MemberInfo& m, const std::string& where) {
        std::string detail = kindName(m.kind);
        if (!m.type_name.empty())
            detail += fmt::format(" ({})", m.type_name);
        add(where, fmt::format("is {} where the tool reads {}", detail, shapeName(use)));
        return false;
    }

    bool wrongSize(const MemberInfo& m, std::uint32_t want, const std::string& where) {
        add(where, fmt::format("is {} bytes where the tool reads {}", m.size, want));
        return false;
    }

    bool checkKind(const Use& use, const MemberInfo& m, const std::string& where) {
        switch (use.shape) {
        case Shape::Word:
            if (m.kind != MemberKind::Pointer && !isInteger(m.kind))
                return wrongKind(use, m, where);
            if (m.size != 0 && m.size != 8)
                return wrongSize(m, 8, where);
            return true;
        case Shape::Integer:
            if (!isInteger(m.kind))
                return wrongKind(use, m, where);
            if (use.reads != 0 && m.size != 0 && m.size != use.reads)
                return wrongSize(m, use.reads, where);
            if (m.size > 8)
                return wrongSize(m, 8, where);
            return true;
        case Shape::Time:
            if (!(m.kind == MemberKind::Struct && m.type_name == "_LARGE_INTEGER") &&
                !isInteger(m.kind))
                return wrongKind(use, m, where);
            if (m.size != 0 && m.size != 8)
                return wrongSize(m, 8, where);
            return true;
        case Shape::ListEntry:
            if (m.kind != MemberKind::Struct || m.type_name != "_LIST_ENTRY")
                return wrongKind(use, m, where);
            if (m.size != 0 && m.size != 16)
                return wrongSize(m, 16, where);
            return true;
        case Shape::Embedded: {
            if (m.kind != MemberKind::Struct || m.type_name != use.embedded) {
                std::string detail = kindName(m.kind);
                if (!m.type_name.empty())
                    detail += fmt::format(" ({})", m.type_name);
                add(where,
                    fmt::format("is {} where the tool reads an embedded {}", detail, use.embedded));
                return false;
            }
            const std::uint32_t whole = sizeOf(use.embedded);
            if (m.size != 0 && whole != 0 && m.size != whole) {
                add(where, fmt::format("is {:#x} bytes but sizeof({}) is {:#x}", m.size,
                                       use.embedded, whole));
                return false;
            }
            if (m.size != 0 && m.size < use.reads)
                return wrongSize(m, use.reads, where);
            return true;
        }
        case Shape::Text:
            if (m.kind != MemberKind::CharArray)
                return wrongKind(use, m, where);
            if (m.size < use.reads) {
                add(where, fmt::format("is a char array of {} bytes where the tool reads {}",
                                       m.size, use.reads));
                return false;
            }
            return true;
        case Shape::Bits:
            return checkBits(use, m, where);
        case Shape::Low32:
            if (m.kind != MemberKind::Pointer && !isInteger(m.kind))
                return wrongKind(use, m, where);
            if (m.size != 0 && m.size != 4 && m.size != 8)
                return wrongSize(m, 4, where);
            return true;
        }
        return true;
    }

    bool checkBits(const Use& use, const MemberInfo& m, const std::string& where) {
        if (m.kind != MemberKind::Bitfield)
            return wrongKind(use, m, where);
        if (m.size != 1 && m.size != 2 && m.size != 4 && m.size != 8) {
            add(where,
                fmt::format("is a bitfield in a container of {} bytes (1, 2, 4 or 8 expected)",
                            m.size));
            return false;
        }
        const unsigned end = unsigned{m.bit_position} + m.bit_length;
        if (m.bit_length == 0 || end > 8u * m.size) {
            add(where, fmt::format("bits {}..{} do not fit in its {}-byte container",
                                   m.bit_position, end == 0 ? 0 : end - 1, m.size));
            return false;
        }
        if (end > 8u * use.reads) {
            add(where, fmt::format("bits {}..{} lie past the {}-byte word the tool reads",
                                   m.bit_position, end - 1, use.reads));
            return false;
        }
        return true;
    }

    // The layout adds _KAPC_STATE.Process to _KTHREAD.ApcState: it must lie inside ApcState.
    void checkApcStateProcess() {
        const MemberInfo* apc = p_.member("_KTHREAD.ApcState");
        const MemberInfo* process = p_.member("_KAPC_STATE.Process");
        if (!apc || !process || apc->size == 0)
            return;
        if (std::uint64_t{process->offset} + 8 > apc->size)
            add("_KAPC_STATE.Process",
                fmt::format("offset {:#x} + 8 bytes lies past _KTHREAD.ApcState ({:#x} bytes)",
                            process->offset, apc->size));
    }

    void checkSymbols() {
        for (const KernelSymbol id : kCheckedSymbols) {
            const char* name = symbolName(id);
            auto it = p_.symbols.find(name);
            if (it != p_.symbols.end() && it->second >= kMaxKernelImageSize)
                add(fmt::format("symbol {}", name),
                    fmt::format("RVA {:#x} lies past the largest kernel image ({:#x} bytes)",
                                it->second, kMaxKernelImageSize));
        }
    }

    const Profile& p_;
    std::vector<ProfileDefect> defects_;
};

} // namespace

std::vector<ProfileDefect> profileDefects(const Profile& profile) {
    return Checker(profile).run();
}

Expected<void> checkProfileStructure(const Profile& profile) {
    const auto defects = profileDefects(profile);
    if (defects.empty())
        return {};
    std::string list;
    for (const auto& d : defects)
        list += fmt::format("{}{} {}", list.empty() ? "" : "; ", d.where, d.problem);
    return makeError(ErrorCode::InvalidData, "profile {} ({}) is not a usable layout: {}",
                     profile.name, profile.data_source, list);
}

} // namespace dumpprocs::kernel
