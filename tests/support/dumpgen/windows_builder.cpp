// WindowsKernelBuilder: lays out a believable x64 Windows kernel in synthetic physical memory,
// using only offsets from the built-in profile of the scenario's layout.
#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "dumpgen/dump_writer.hpp"
#include "dumpgen/memory_image.hpp"
#include "dumpgen/scenario.hpp"
#include "dumpgen/sparse_writer.hpp"
#include "dumpprocs/kernel/profile.hpp"

namespace dumpgen {
namespace {

using dumpprocs::kernel::Profile;

constexpr std::uint32_t kPoolTagProcess = 0x636f7250; // 'Proc'
constexpr std::uint32_t kPoolTagThread = 0x65726854;  // 'Thre'
constexpr std::uint32_t kPoolTagSpoofed = 0x20646156; // 'Vad ': what a rootkit writes over 'Proc'
constexpr std::uint32_t kPoolTagProtected = 0x80000000;
constexpr std::uint8_t kProcessTypeIndex = 7, kThreadTypeIndex = 8;
constexpr std::uint64_t kUserSharedData = 0xFFFFF78000000000ULL;
constexpr std::uint64_t kFiletimeSecond = 10000000;

// UTF-8 (the scenarios' strings, valid by construction) as UTF-16 code units.
std::vector<std::uint16_t> utf16Of(const std::string& text) {
    std::vector<std::uint16_t> units;
    for (std::size_t i = 0; i < text.size();) {
        const auto b = static_cast<std::uint8_t>(text[i]);
        const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        std::uint32_t cp = n == 1 ? b : b & (0x7F >> n);
        for (std::size_t k = 1; k < n && i + k < text.size(); ++k)
            cp = (cp << 6) | (static_cast<std::uint8_t>(text[i + k]) & 0x3F);
        i += n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units.push_back(static_cast<std::uint16_t>(0xD800 + (cp >> 10)));
            units.push_back(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            units.push_back(static_cast<std::uint16_t>(cp));
        }
    }
    return units;
}

std::array<std::uint8_t, 16> guidBytes(const std::string& hex) {
    std::array<std::uint8_t, 16> g{};
    if (hex.size() != 32)
        return g;
    auto byte = [&](std::size_t i) {
        return static_cast<std::uint8_t>(std::stoul(hex.substr(i * 2, 2), nullptr, 16));
    };
    // Data1 (u32), Data2 (u16), Data3 (u16) little-endian; Data4 as written.
    const std::size_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    for (std::size_t i = 0; i < 16; ++i)
        g[i] = byte(order[i]);
    return g;
}

class Builder {
  public:
    Builder(const Scenario& s)
        : s_(s), profile_(profileOf(s)), mem_(scatteredOver(s.ram)),
          pt_(mem_, s.build < 14393 ? 0x1ED : 0x1A7), km_(mem_, pt_) {}

    // Lays out the kernel in memory() and returns the header fields that describe it.
    DumpHeaderFields assemble();
    const PhysicalImage& memory() const { return mem_; }
    std::vector<TruthProcess> truth() const;

  private:
    static const Profile& profileOf(const Scenario& s) {
        const Profile* p = dumpprocs::kernel::findBuiltinProfile(s.profile);
        if (!p)
            throw std::runtime_error("unknown profile " + s.profile);
        return *p;
    }
    std::uint32_t off(const std::string& qualified) const {
        auto o = profile_.offsetOf(qualified);
        if (!o)
            throw std::runtime_error(o.error().message);
        return *o + (qualified.starts_with("_EPROCESS.") ? s_.eprocess_shift : 0);
    }
    bool has(const std::string& qualified) const { return profile_.hasMember(qualified); }
    std::uint32_t size(const std::string& type, std::uint32_t fallback) const {
        return profile_.sizeOf(type).value_or(fallback);
    }
    void setFlag(std::uint64_t object, const std::string& qualified, bool value = true) {
        const auto* m = profile_.member(qualified);
        if (!m)
            throw std::runtime_error("profile lacks " + qualified);
        const std::uint32_t shift = qualified.starts_with("_EPROCESS.") ? s_.eprocess_shift : 0;
        km_.setBit(object + m->offset + shift, m->bit_position, value);
    }

    std::uint64_t dataAlloc(std::uint64_t bytes, std::uint64_t align = 16);
    // The next PID/TID: handle values step by 4, and the first slot of every 256-entry leaf page
    // is never handed out (kernel-structures.md §8).
    std::uint64_t takeHandle() {
        if ((next_handle_ / 4) % 256 == 0)
            next_handle_ += 4;
        const std::uint64_t h = next_handle_;
        next_handle_ += 4;
        return h;
    }
    std::uint64_t poolAlloc(std::uint64_t bytes, std::uint64_t align = 16);
    void layoutImage();
    void writePeHeaders();
    std::uint64_t objectBody(std::uint32_t tag, std::uint8_t type_index, std::uint64_t body_size,
                             std::uint64_t fixed_body);
    void writeObjectHeader(std::uint64_t body, std::uint8_t type_index);
    void writePoolHeader(std::uint64_t pool, std::uint32_t tag, std::uint64_t bytes);
    void writeScanDecoys();
    void linkRing(std::uint64_t head, const std::vector<std::uint64_t>& nodes);
    // A UNICODE_STRING at `at` holding `text` (UTF-8), its buffer at `buffer` (0: allocated).
    void writeUnicode(std::uint64_t at, const std::string& text, std::uint64_t buffer = 0);
    static std::string imagePathOf(const ProcessSpec& spec);
    void writeImagePaths();
    struct Proc {
        ProcessSpec spec;
        std::uint64_t eprocess = 0, pid = 0, ppid = 0;
        std::vector<std::uint64_t> threads, tids;
        std::uint64_t session = 0;                // _MM_SESSION_SPACE, 0: none
        std::vector<std::uint64_t> csrss_handles; // csrss.exe: the processes it has handles to
    };
    void createProcess(Proc& p, std::uint64_t create_time);
    void createThreads(Proc& p);
    void writeLists();
    void unlinkedLinks(std::size_t index, std::uint32_t links, std::uint64_t before_first,
                       std::uint64_t after_last, bool (*removed)(const ProcessSpec&));
    std::uint64_t handleEntry(std::uint64_t object) const;
    std::uint64_t writeHandleTable(const std::map<std::uint64_t, std::uint64_t>& entries);
    void writeCidTable();
    void writeCsrssHandles();
    void writeWitnesses();
    void writeProcessors();
    void writeLoadedModules();
    void writeKdbg();
    void encodeKdbg();
    void writeObjectTypes();
    void writeSharedData();
    void writeArticleBytes();
    void writeDirectoryTables();
    void writeTranslationFixtures();
    void remapProcessPages();

    const Scenario& s_;
    const Profile& profile_;
    PhysicalImage mem_;
    PageTables pt_;
    KernelMemory km_;
    std::uint64_t data_rva_ = 0, data_end_rva_ = 0, next_data_ = 0, next_pool_ = 0;
    std::uint64_t size_of_image_ = 0, rdata_rva_ = 0;
    std::uint64_t active_head_ = 0, mm_head_ = 0, module_list_ = 0, kdbg_ = 0, processor_block_ = 0,
                  cid_variable_ = 0, cid_table_ = 0, type_table_ = 0, cookie_ = 0,
                  pfn_variable_ = 0, idle_ = 0;
    std::uint8_t cookie_value_ = 0x5b;
    std::vector<std::uint64_t> idle_threads_, prcbs_;
    std::vector<Proc> procs_; // [0] is System
    std::uint64_t next_handle_ = 0;
};

std::uint64_t Builder::dataAlloc(std::uint64_t bytes, std::uint64_t align) {
    next_data_ = (next_data_ + align - 1) & ~(align - 1);
    const std::uint64_t va = next_data_;
    next_data_ += bytes;
    if (next_data_ > s_.kern_base + data_end_rva_)
        throw std::runtime_error("kernel .data overflow");
    return va;
}

std::uint64_t Builder::poolAlloc(std::uint64_t bytes, std::uint64_t align) {
    next_pool_ = (next_pool_ + align - 1) & ~(align - 1);
    const std::uint64_t va = next_pool_;
    next_pool_ += bytes;
    return va;
}

// Sections: .text, .rdata (debug directory, RSDS), .data (every global), PAGE, INIT. The .data
// section covers the fixed addresses the scenario gives, with room after them for the others.
void Builder::layoutImage() {
    std::vector<std::uint64_t> fixed = {s_.ps_loaded_module_list, s_.mm_head_entry,
                                        s_.idle_eprocess};
    if (!s_.idle_threads.empty())
        fixed.push_back(s_.idle_threads[0]);
    std::uint64_t lo = ~0ULL, hi = 0;
    for (std::uint64_t va : fixed)
        if (va >= s_.kern_base && va < s_.kern_base + 0x1000000) {
            lo = std::min(lo, va - s_.kern_base);
            hi = std::max(hi, va - s_.kern_base);
        }
    if (lo == ~0ULL)
        lo = hi = 0x200000;
    data_rva_ = ((lo > 0x40000 ? lo - 0x40000 : 0x10000) & ~0xFFFFULL);
    data_end_rva_ = ((hi + 0x60000) & ~0xFFFFULL);
    rdata_rva_ = data_rva_ - 0x30000;
    size_of_image_ = data_end_rva_ + 0x180000;
    next_data_ = s_.kern_base + ((hi + 0x2000) & ~0xFFFULL);
}

void Builder::writePeHeaders() {
    const std::uint64_t b = s_.kern_base;
    km_.put<std::uint16_t>(b, 0x5A4D); // MZ
    km_.put<std::uint32_t>(b + 0x3C, 0x100);
    const std::uint64_t nt = b + 0x100;
    km_.put<std::uint32_t>(nt, 0x00004550);     // PE\0\0
    km_.put<std::uint16_t>(nt + 4, 0x8664);     // Machine
    km_.put<std::uint16_t>(nt + 6, 5);          // NumberOfSections
    km_.put<std::uint32_t>(nt + 8, 0x5310A1B2); // TimeDateStamp
    km_.put<std::uint16_t>(nt + 0x14, 0xF0);    // SizeOfOptionalHeader
    km_.put<std::uint16_t>(nt + 0x16, 0x22);    // Characteristics
    const std::uint64_t opt = nt + 0x18;
    km_.put<std::uint16_t>(opt, 0x20B);
    km_.put<std::uint64_t>(opt + 0x18, b);      // ImageBase
    km_.put<std::uint32_t>(opt + 0x20, 0x1000); // SectionAlignment
    km_.put<std::uint32_t>(opt + 0x24, 0x200);  // FileAlignment
    km_.put<std::uint32_t>(opt + 0x38, static_cast<std::uint32_t>(size_of_image_));
    km_.put<std::uint32_t>(opt + 0x3C, 0x600); // SizeOfHeaders
    km_.put<std::uint16_t>(opt + 0x44, 1);     // Subsystem native
    km_.put<std::uint32_t>(opt + 0x6C, 16);    // NumberOfRvaAndSizes
    const std::uint64_t debug_rva = rdata_rva_ + 0x100;
    km_.put<std::uint32_t>(opt + 0x70 + 6 * 8, static_cast<std::uint32_t>(debug_rva));
    km_.put<std::uint32_t>(opt + 0x70 + 6 * 8 + 4, 28);
    struct Sec {
        const char* name;
        std::uint64_t rva, size;
    };
    const Sec sections[] = {{".text", 0x1000, rdata_rva_ - 0x1000},
                            {".rdata", rdata_rva_, 0x30000},
                            {".data", data_rva_, data_end_rva_ - data_rva_},
                            {"PAGE", data_end_rva_, 0x100000},
                            {"INIT", data_end_rva_ + 0x100000, 0x80000}};
    std::uint64_t at = opt + 0xF0;
    for (const auto& sec : sections) {
        char name[8] = {};
        std::memcpy(name, sec.name, std::strlen(sec.name));
        km_.write(at, std::span(reinterpret_cast<const std::uint8_t*>(name), 8));
        km_.put<std::uint32_t>(at + 8, static_cast<std::uint32_t>(sec.size));
        km_.put<std::uint32_t>(at + 12, static_cast<std::uint32_t>(sec.rva));
        km_.put<std::uint32_t>(at + 16, static_cast<std::uint32_t>(sec.size));
        at += 40;
    }
    // IMAGE_DEBUG_DIRECTORY -> CodeView RSDS {GUID, age, "ntkrnlmp.pdb"}.
    const std::uint64_t rsds_rva = debug_rva + 0x40;
    const std::uint64_t dbg = b + debug_rva;
    km_.put<std::uint32_t>(dbg + 0x0C, 2); // IMAGE_DEBUG_TYPE_CODEVIEW
    km_.put<std::uint32_t>(dbg + 0x10, 24 + 13);
    km_.put<std::uint32_t>(dbg + 0x14, static_cast<std::uint32_t>(rsds_rva));
    const std::uint64_t rsds = b + rsds_rva;
    km_.put<std::uint32_t>(rsds, 0x53445352);
    const auto guid = guidBytes(s_.pdb_guid);
    km_.write(rsds + 4, guid);
    km_.put<std::uint32_t>(rsds + 20, s_.pdb_age);
    km_.putBytes(rsds + 24, std::string("ntkrnlmp.pdb", 13));
}

void Builder::writeObjectHeader(std::uint64_t body, std::uint8_t type_index) {
    const std::uint64_t header = body - off("_OBJECT_HEADER.Body");
    km_.put<std::int64_t>(header + off("_OBJECT_HEADER.PointerCount"), 0x20);
    km_.put<std::int64_t>(header + off("_OBJECT_HEADER.HandleCount"), 4);
    std::uint8_t stored = type_index;
    if (s_.build >= 10240) // kernel-structures.md §7: XOR with the header address byte and cookie
        stored = static_cast<std::uint8_t>(type_index ^ ((header >> 8) & 0xFF) ^ cookie_value_);
    km_.put<std::uint8_t>(header + off("_OBJECT_HEADER.TypeIndex"), stored);
    km_.put<std::uint8_t>(header + off("_OBJECT_HEADER.InfoMask"), 0x08); // QuotaInfo
}

// POOL_HEADER, QuotaInfo, OBJECT_HEADER, body; returns the body address.
std::uint64_t Builder::objectBody(std::uint32_t tag, std::uint8_t type_index,
                                  std::uint64_t body_size, std::uint64_t fixed_body) {
    const std::uint64_t quota = size("_OBJECT_HEADER_QUOTA_INFO", 0x20);
    const std::uint64_t before = 0x10 + quota + off("_OBJECT_HEADER.Body");
    std::uint64_t body = fixed_body;
    if (body == 0) {
        const std::uint64_t block = poolAlloc(before + body_size + 0x10, 0x1000);
        body = block + before;
    }
    const std::uint64_t pool = body - before;
    writePoolHeader(pool, tag, before + body_size);
    writeObjectHeader(body, type_index);
    km_.touch(body + body_size - 1);
    return body;
}

// The 16-byte POOL_HEADER: PreviousSize, PoolIndex, BlockSize (16-byte units) and PoolType are
// bitfields of its first ULONG, placed where the profile says; the tag carries the protected bit
// before Windows 10.
void Builder::writePoolHeader(std::uint64_t pool, std::uint32_t tag, std::uint64_t bytes) {
    const auto* block_size = profile_.member("_POOL_HEADER.BlockSize");
    const auto* pool_type = profile_.member("_POOL_HEADER.PoolType");
    if (!block_size || !pool_type)
        throw std::runtime_error("profile lacks _POOL_HEADER bitfields");
    const std::uint64_t block_units = std::min<std::uint64_t>((bytes + 15) / 16, 0xFF);
    // The two fields share one ULONG at +0 in some rows, and are bits of a USHORT at +2 in others.
    std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>>
        containers; // offset -> bits, size
    auto add = [&](const dumpprocs::kernel::MemberInfo& m, std::uint64_t value) {
        auto& [bits, bytes_wide] = containers[m.offset];
        bits |= static_cast<std::uint32_t>(value << m.bit_position);
        bytes_wide = std::max<std::uint32_t>(bytes_wide, m.size ? m.size : 4);
    };
    add(*block_size, block_units);
    add(*pool_type, 2); // NonPagedPool
    for (const auto& [offset, container] : containers)
        for (std::uint32_t i = 0; i < container.second; ++i)
            km_.put<std::uint8_t>(pool + offset + i,
                                  static_cast<std::uint8_t>(container.first >> (8 * i)));
    const bool protected_tag = s_.build < 10240;
    km_.put<std::uint32_t>(pool + off("_POOL_HEADER.PoolTag"),
                           tag | (protected_tag ? kPoolTagProtected : 0));
}

// Pool blocks tagged 'Proc' that hold no process object; a scan must reject every one of them.
void Builder::writeScanDecoys() {
    const std::uint64_t eprocess_size = size("_EPROCESS", 0x800);
    const std::uint64_t before =
        0x10 + size("_OBJECT_HEADER_QUOTA_INFO", 0x20) + off("_OBJECT_HEADER.Body");
    // 1. The tag followed by garbage (xorshift bytes, fixed seed).
    std::uint64_t pool = poolAlloc(before + eprocess_size, 0x1000);
    writePoolHeader(pool, kPoolTagProcess, before + eprocess_size);
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (std::uint64_t at = pool + 0x10; at < pool + before + eprocess_size; at += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        km_.put<std::uint64_t>(at, x);
    }
    // 2. A freed block: the header kept, the object zeroed.
    pool = poolAlloc(before + eprocess_size, 0x1000);
    writePoolHeader(pool, kPoolTagProcess, before + eprocess_size);
    km_.touch(pool + before + eprocess_size - 1);
    // 3. A process-shaped object whose ActiveProcessLinks.Flink is not canonical.
    Proc fake;
    fake.spec.name = "lookalike.exe";
    fake.pid = 0x1ff4;
    fake.ppid = 4;
    fake.eprocess = objectBody(kPoolTagProcess, kProcessTypeIndex, eprocess_size, 0);
    createProcess(fake, s_.system_time - 3600 * kFiletimeSecond);
    km_.put<std::uint64_t>(fake.eprocess + off("_KPROCESS.DirectoryTableBase"), pt_.pml4());
    km_.put<std::uint64_t>(fake.eprocess + off("_EPROCESS.ActiveProcessLinks"),
                           0x4141414141414141ULL);
    // 4. A thread object header under a 'Proc' tag, its body claiming to be a process.
    Proc wrong_type = fake;
    wrong_type.spec.name = "wrongtype.exe";
    wrong_type.pid = 0x1ff8;
    wrong_type.eprocess = objectBody(kPoolTagProcess, kThreadTypeIndex, eprocess_size, 0);
    createProcess(wrong_type, s_.system_time - 3600 * kFiletimeSecond);
    km_.put<std::uint64_t>(wrong_type.eprocess + off("_KPROCESS.DirectoryTableBase"), pt_.pml4());
    linkRing(wrong_type.eprocess + off("_EPROCESS.ThreadListHead"), {});
    // 5. 'Proc' at an offset that is no pool header position (not 16-byte aligned + 4).
    const std::uint64_t text = poolAlloc(0x40);
    km_.put<std::uint32_t>(text + 0x9, kPoolTagProcess);
}

void Builder::linkRing(std::uint64_t head, const std::vector<std::uint64_t>& nodes) {
    std::vector<std::uint64_t> ring = {head};
    ring.insert(ring.end(), nodes.begin(), nodes.end());
    for (std::size_t i = 0; i < ring.size(); ++i) {
        km_.put<std::uint64_t>(ring[i], ring[(i + 1) % ring.size()]);
        km_.put<std::uint64_t>(ring[i] + 8, ring[(i + ring.size() - 1) % ring.size()]);
    }
}

void Builder::writeUnicode(std::uint64_t at, const std::string& text, std::uint64_t buffer) {
    const std::vector<std::uint16_t> units = utf16Of(text);
    if (buffer == 0)
        buffer = poolAlloc(units.size() * 2 + 2);
    for (std::size_t i = 0; i < units.size(); ++i)
        km_.put<std::uint16_t>(buffer + 2 * i, units[i]);
    km_.put<std::uint16_t>(buffer + 2 * units.size(), 0);
    km_.put<std::uint16_t>(at + off("_UNICODE_STRING.Length"),
                           static_cast<std::uint16_t>(units.size() * 2));
    km_.put<std::uint16_t>(at + off("_UNICODE_STRING.MaximumLength"),
                           static_cast<std::uint16_t>(units.size() * 2 + 2));
    km_.put<std::uint64_t>(at + off("_UNICODE_STRING.Buffer"), buffer);
}

// Where Windows would have loaded a process's image from: the generator's choice for the names
// the scenarios use (System32 unless the name is known to live elsewhere).
std::string Builder::imagePathOf(const ProcessSpec& spec) {
    if (!spec.image_path.empty())
        return spec.image_path;
    static const std::map<std::string, std::string> kFolders = {
        {"explorer.exe", "Windows"},
        {"chrome.exe", "Program Files\\Google\\Chrome\\Application"},
        {"iexplore.exe", "Program Files\\Internet Explorer"},
        {"vmtoolsd.exe", "Program Files\\VMware\\VMware Tools"},
        {"MsMpEng.exe", "Program Files\\Windows Defender"},
        {"SearchUI.exe", "Windows\\SystemApps\\Microsoft.Windows.Cortana_cw5n1h2txyewy"},
        {"ShellExperienceHost.exe", "Windows\\SystemApps\\ShellExperienceHost_cw5n1h2txyewy"},
        {"GameClient.exe", "Program Files (x86)\\Game"},
        {"ArcOSOverlay.exe", "Program Files (x86)\\Game"},
        {"crypticError.exe", "Program Files (x86)\\Game"},
        {"rootkit.exe", "Users\\analyst\\AppData\\Local\\Temp"},
        {"hidden.exe", "Users\\analyst\\AppData\\Local\\Temp"},
        {"ghost.exe", "Users\\analyst\\AppData\\Local\\Temp"},
        {"gone.exe", "Users\\analyst\\Downloads"},
        {"exited.exe", "Users\\analyst\\Downloads"},
        {"orphan.exe", "Users\\analyst\\Downloads"},
    };
    auto it = kFolders.find(spec.name);
    const std::string folder = it != kFolders.end() ? it->second : "Windows\\System32";
    return "\\Device\\HarddiskVolume3\\" + folder + "\\" + spec.name;
}

// SeAuditProcessCreationInfo.ImageFileName: an _OBJECT_NAME_INFORMATION whose UNICODE_STRING's
// buffer follows it in the same pool allocation, as the kernel allocates it. Written after every
// other allocation, so that the older structures keep their addresses. System and the minimal
// processes have none.
void Builder::writeImagePaths() {
    if (!has("_EPROCESS.SeAuditProcessCreationInfo") ||
        !has("_SE_AUDIT_PROCESS_CREATION_INFO.ImageFileName"))
        return;
    const std::uint32_t pointer =
        off("_EPROCESS.SeAuditProcessCreationInfo") +
        profile_.offsetOf("_SE_AUDIT_PROCESS_CREATION_INFO.ImageFileName").value_or(0);
    for (const auto& p : procs_) {
        if (p.pid == 4 || p.spec.minimal || p.spec.no_image_path || p.spec.name == "farpid.exe")
            continue;
        const std::string path = imagePathOf(p.spec);
        const std::uint64_t info = poolAlloc(16 + utf16Of(path).size() * 2 + 2);
        writeUnicode(info, path, info + 16);
        km_.put<std::uint64_t>(p.eprocess + pointer, info);
    }
}

void Builder::createProcess(Proc& p, std::uint64_t create_time) {
    const std::uint64_t e = p.eprocess;
    km_.put<std::uint8_t>(e + off("_KPROCESS.Header"), 3); // ProcessObject
    km_.put<std::uint8_t>(e + off("_KPROCESS.Header") + 2,
                          static_cast<std::uint8_t>(size("_KPROCESS", 0x160) / 4));
    km_.put<std::uint64_t>(e + off("_EPROCESS.UniqueProcessId"), p.pid);
    km_.put<std::uint64_t>(e + off("_EPROCESS.InheritedFromUniqueProcessId"), p.ppid);
    std::string image = (p.spec.ansi_name.empty() ? p.spec.name : p.spec.ansi_name).substr(0, 14);
    image.resize(15, '\0');
    km_.putBytes(e + off("_EPROCESS.ImageFileName"), image);
    km_.put<std::uint64_t>(e + off("_EPROCESS.CreateTime"), create_time);
    setFlag(e, "_EPROCESS.ProcessInserted");
    if (p.spec.exited) {
        km_.put<std::uint64_t>(e + off("_EPROCESS.ExitTime"),
                               s_.system_time - 60 * kFiletimeSecond);
        setFlag(e, "_EPROCESS.ProcessExiting");
        setFlag(e, "_EPROCESS.ProcessDelete");
    }
    if (p.spec.minimal)
        setFlag(e, "_EPROCESS.Minimal");
    const bool user = p.pid != 4 && !p.spec.minimal && !p.spec.exited;
    km_.put<std::uint64_t>(e + off("_EPROCESS.Peb"), user ? 0x7fffffd3000ULL - (p.pid << 12) : 0);
    km_.put<std::uint64_t>(e + off("_EPROCESS.Token"), poolAlloc(0x400) | 7);
    if (!p.spec.exited)
        km_.put<std::uint64_t>(e + off("_EPROCESS.ObjectTable"),
                               poolAlloc(size("_HANDLE_TABLE", 0x80)));
    km_.put<std::uint32_t>(e + off("_EPROCESS.ActiveThreads"),
                           static_cast<std::uint32_t>(p.spec.threads));
}

void Builder::createThreads(Proc& p) {
    const std::uint64_t thread_size = size("_ETHREAD", 0x498);
    for (unsigned t = 0; t < p.spec.threads; ++t) {
        const std::uint64_t tid = takeHandle();
        const std::uint64_t th = objectBody(kPoolTagThread, kThreadTypeIndex, thread_size, 0);
        km_.put<std::uint8_t>(th + off("_KTHREAD.Header"), 6); // ThreadObject
        km_.put<std::uint64_t>(th + off("_KTHREAD.Process"), p.eprocess);
        km_.put<std::uint64_t>(th + off("_KTHREAD.ApcState") + off("_KAPC_STATE.Process"),
                               p.eprocess);
        km_.put<std::uint64_t>(th + off("_ETHREAD.Cid") + off("_CLIENT_ID.UniqueProcess"), p.pid);
        km_.put<std::uint64_t>(th + off("_ETHREAD.Cid") + off("_CLIENT_ID.UniqueThread"), tid);
        km_.put<std::uint8_t>(th + off("_KTHREAD.State"), 5); // Waiting
        km_.put<std::uint8_t>(th + off("_KTHREAD.Priority"), 8);
        km_.put<std::uint32_t>(th + off("_KTHREAD.WaitTime"),
                               static_cast<std::uint32_t>(0x9C000 + tid));
        p.threads.push_back(th);
        p.tids.push_back(tid);
    }
    std::vector<std::uint64_t> e_nodes, k_nodes;
    for (std::uint64_t th : p.threads) {
        e_nodes.push_back(th + off("_ETHREAD.ThreadListEntry"));
        k_nodes.push_back(th + off("_KTHREAD.ThreadListEntry"));
    }
    linkRing(p.eprocess + off("_EPROCESS.ThreadListHead"), e_nodes);
    linkRing(p.eprocess + off("_KPROCESS.ThreadListHead"), k_nodes);
}

// The links of a process removed from a ring: to itself (FU-style DKOM), or, with stale_links,
// still to the old neighbours that no longer point back (the ring's ends: the nodes before the
// first process and after the last one).
void Builder::unlinkedLinks(std::size_t index, std::uint32_t links, std::uint64_t before_first,
                            std::uint64_t after_last, bool (*removed)(const ProcessSpec&)) {
    const std::uint64_t self = procs_[index].eprocess + links;
    std::uint64_t flink = self, blink = self;
    if (procs_[index].spec.stale_links) {
        blink = before_first;
        flink = after_last;
        for (std::size_t j = index; j-- > 0;)
            if (!removed(procs_[j].spec)) {
                blink = procs_[j].eprocess + links;
                break;
            }
        for (std::size_t j = index + 1; j < procs_.size(); ++j)
            if (!removed(procs_[j].spec)) {
                flink = procs_[j].eprocess + links;
                break;
            }
    }
    km_.put<std::uint64_t>(self, flink);
    km_.put<std::uint64_t>(self + 8, blink);
}

void Builder::writeLists() {
    const std::uint32_t apl = off("_EPROCESS.ActiveProcessLinks");
    const std::uint32_t mml = off("_EPROCESS.MmProcessLinks");
    std::vector<std::uint64_t> active, mm = {idle_ + mml};
    for (const auto& p : procs_) {
        if (!p.spec.unlink_mm)
            mm.push_back(p.eprocess + mml);
        if (!p.spec.unlink_active)
            active.push_back(p.eprocess + apl);
    }
    linkRing(active_head_, active);
    linkRing(mm_head_, mm);
    for (std::size_t n = 0; n < procs_.size(); ++n) {
        const auto& p = procs_[n];
        if (p.spec.unlink_active)
            unlinkedLinks(n, apl, active_head_, active_head_,
                          [](const ProcessSpec& q) { return q.unlink_active; });
        if (p.spec.unlink_mm)
            unlinkedLinks(n, mml, idle_ + mml, mm_head_,
                          [](const ProcessSpec& q) { return q.unlink_mm; });
        if (p.spec.break_active_flink)
            km_.put<std::uint64_t>(p.eprocess + apl, 0xfffff8a0'dead0000ULL);
        if (p.spec.bad_mm_blink) {
            // the node after it claims a different predecessor (its own address + 0x40)
            const std::uint64_t next = p.eprocess + mml;
            for (std::size_t i = 0; i + 1 < procs_.size(); ++i)
                if (procs_[i].eprocess == p.eprocess)
                    km_.put<std::uint64_t>(procs_[i + 1].eprocess + mml + 8, next + 0x40);
        }
    }
    // Idle's own thread list holds the idle threads (KTHREAD.ThreadListEntry).
    std::vector<std::uint64_t> idle_nodes;
    for (std::uint64_t th : idle_threads_)
        idle_nodes.push_back(th + off("_KTHREAD.ThreadListEntry"));
    linkRing(idle_ + off("_KPROCESS.ThreadListHead"), idle_nodes);
    linkRing(idle_ + off("_EPROCESS.ThreadListHead"), {});
}

// kernel-structures.md §8: an entry's first quadword per era, for an object pointer (the body in
// PspCidTable, the object header in a process's handle table), unlocked.
std::uint64_t Builder::handleEntry(std::uint64_t object) const {
    switch (profile_.handle_era) {
    case dumpprocs::kernel::HandleEntryEra::Win7:
        return object | 1;
    case dumpprocs::kernel::HandleEntryEra::Win8:
        return ((object >> 4) << 23) | (1u << 1) | 1;
    case dumpprocs::kernel::HandleEntryEra::Win81Plus:
        return ((object >> 4) << 20) | (1u << 1) | 1;
    }
    return 0;
}

// kernel-structures.md §8: entries of 16 bytes, 256 per leaf page, 512 pointers per upper page.
// `entries`: handle -> object pointer; returns the TableCode (1, 2 or 3 levels by the largest
// handle).
std::uint64_t Builder::writeHandleTable(const std::map<std::uint64_t, std::uint64_t>& entries) {
    const std::uint64_t max_index = entries.empty() ? 0 : entries.rbegin()->first / 4;
    const unsigned levels = max_index < 256 ? 0 : max_index < 256 * 512 ? 1 : 2;
    std::map<std::uint64_t, std::uint64_t> leaves, mids; // leaf index -> page, mid index -> page
    auto leafPage = [&](std::uint64_t leaf) {
        auto it = leaves.find(leaf);
        if (it == leaves.end())
            it = leaves.emplace(leaf, poolAlloc(0x1000, 0x1000)).first;
        km_.touch(it->second);
        return it->second;
    };
    for (const auto& [handle, object] : entries) {
        const std::uint64_t index = handle / 4;
        const std::uint64_t entry = leafPage(index / 256) + (index % 256) * 16;
        km_.put<std::uint64_t>(entry, handleEntry(object));
        km_.put<std::uint32_t>(entry + 8, 0x1fffff); // GrantedAccess
    }
    std::uint64_t table_code = levels == 0 ? leafPage(0) : 0;
    if (levels >= 1) {
        for (const auto& [leaf, page] : leaves) {
            const std::uint64_t mid = leaf / 512;
            auto it = mids.find(mid);
            if (it == mids.end())
                it = mids.emplace(mid, poolAlloc(0x1000, 0x1000)).first;
            km_.put<std::uint64_t>(it->second + (leaf % 512) * 8, page);
        }
        if (levels == 1) {
            table_code = mids.at(0) | 1;
        } else {
            const std::uint64_t top = poolAlloc(0x1000, 0x1000);
            for (const auto& [mid, page] : mids)
                km_.put<std::uint64_t>(top + mid * 8, page);
            table_code = top | 2;
        }
    }
    return table_code;
}

void Builder::writeCidTable() {
    std::map<std::uint64_t, std::uint64_t> entries; // handle -> object body
    for (const auto& p : procs_) {
        if (!p.spec.remove_cid)
            entries[p.pid] = p.eprocess;
        for (std::size_t t = 0; t < p.threads.size() && !p.spec.remove_thread_cids; ++t)
            entries[p.tids[t]] = p.threads[t];
    }
    const std::uint64_t table_code = writeHandleTable(entries);
    cid_table_ = poolAlloc(size("_HANDLE_TABLE", 0x80));
    km_.put<std::uint64_t>(cid_table_ + off("_HANDLE_TABLE.TableCode"), table_code);
    km_.put<std::uint64_t>(cid_variable_, cid_table_);
}

// csrss.exe's handle table (its ObjectTable): a Thread handle to its own first thread, then a
// Process handle and a Thread handle (its first thread) for every live, non-minimal process of
// its session created after it but the other csrss.exe, as CsrCreateProcess leaves them. Handle
// values from 4 up, slot 0 of each leaf page skipped; each entry points at the object header. A
// DKOM process keeps its handle: the rootkit shapes the generator plants edit lists and tables of
// the kernel, not csrss's.
void Builder::writeCsrssHandles() {
    const std::uint64_t header = off("_OBJECT_HEADER.Body");
    for (std::size_t c = 0; c < procs_.size(); ++c) {
        auto& csrss = procs_[c];
        if (csrss.spec.name != "csrss.exe" || csrss.session == 0 || csrss.spec.exited)
            continue;
        std::map<std::uint64_t, std::uint64_t> entries;
        std::uint64_t handle = 4;
        auto add = [&](std::uint64_t object) {
            if ((handle / 4) % 256 == 0)
                handle += 4;
            entries[handle] = object;
            handle += 4;
        };
        // Its own first thread: no table in use is empty, whatever processes follow csrss.
        if (!csrss.threads.empty())
            add(csrss.threads.front() - header);
        for (std::size_t i = c + 1; i < procs_.size(); ++i) {
            const auto& p = procs_[i];
            if (p.session != csrss.session || p.spec.minimal || p.spec.exited ||
                p.spec.name == "csrss.exe")
                continue;
            add(p.eprocess - header);
            if (!p.threads.empty())
                add(p.threads.front() - header);
            csrss.csrss_handles.push_back(p.eprocess);
        }
        const std::uint64_t table =
            mem_.get64(km_.physicalOf(csrss.eprocess + off("_EPROCESS.ObjectTable")));
        km_.put<std::uint64_t>(table + off("_HANDLE_TABLE.TableCode"), writeHandleTable(entries));
    }
}

// The witnesses beyond the Process Manager's lists (issue 16), each where the profile has its
// members: nt!KiProcessListHead with every process's _KPROCESS.ProcessListEntry but Idle's and
// the minimal ones' (as on the real 19041 triage dump, where the process created after System is
// not on it); sessions 0 and 1 (each process's _EPROCESS.Session, and _MM_SESSION_SPACE.ProcessList
// through SessionProcessLinks where the row describes them) for every process but System, the
// minimal ones, smss and the exited ones; nt!HandleTableListHead with every live process's
// ObjectTable (System's, the kernel handle table, charged to nobody); each csrss.exe's handles to
// the processes of its session (writeCsrssHandles). An unlinked node points at itself, as the
// other DKOM shapes of the generator do.
void Builder::writeWitnesses() {
    auto selfLinks = [&](std::uint64_t node) {
        km_.put<std::uint64_t>(node, node);
        km_.put<std::uint64_t>(node + 8, node);
    };
    // The damaged rings' shapes, written once every ring is linked.
    std::vector<std::pair<std::uint64_t, const ProcessSpec*>> damaged;
    auto mayDamage = [&](std::uint64_t node, const ProcessSpec& spec) {
        if (spec.zero_witness_links || spec.bad_witness_flink)
            damaged.emplace_back(node, &spec);
    };
    if (has("_KPROCESS.ProcessListEntry")) {
        const std::uint32_t links = off("_KPROCESS.ProcessListEntry");
        const std::uint64_t head = dataAlloc(16);
        std::vector<std::uint64_t> nodes;
        for (const auto& p : procs_) {
            if (p.spec.minimal || p.spec.exited)
                continue;
            if (p.spec.unlink_kproc)
                selfLinks(p.eprocess + links);
            else
                nodes.push_back(p.eprocess + links);
            mayDamage(p.eprocess + links, p.spec);
        }
        linkRing(head, nodes);
    }
    if (has("_EPROCESS.Session")) {
        const bool has_list =
            has("_EPROCESS.SessionProcessLinks") && has("_MM_SESSION_SPACE.ProcessList");
        std::uint64_t sessions[2];
        std::vector<std::uint64_t> members[2];
        for (std::uint32_t id = 0; id < 2; ++id) {
            sessions[id] = poolAlloc(0x1000, 0x1000);
            if (has("_MM_SESSION_SPACE.SessionId"))
                km_.put<std::uint32_t>(sessions[id] + off("_MM_SESSION_SPACE.SessionId"), id);
            else
                km_.touch(sessions[id]);
        }
        std::size_t with_session = 0, csrss_seen = 0;
        for (std::size_t i = 1; i < procs_.size(); ++i) {
            auto& p = procs_[i];
            if (p.spec.minimal || p.spec.exited || p.spec.name == "smss.exe")
                continue;
            // The first processes of a boot are session 0's services, the later ones session 1's;
            // the second csrss.exe is session 1's own (each session has one, started by smss).
            std::size_t id = with_session++ < (procs_.size() - 1) / 2 ? 0 : 1;
            if (p.spec.name == "csrss.exe" && csrss_seen++ == 1)
                id = 1;
            if (p.spec.session >= 0)
                id = static_cast<std::size_t>(p.spec.session) % 2;
            p.session = sessions[id];
            km_.put<std::uint64_t>(p.eprocess + off("_EPROCESS.Session"), p.session);
            if (!has_list)
                continue;
            const std::uint32_t links = off("_EPROCESS.SessionProcessLinks");
            if (p.spec.unlink_session)
                selfLinks(p.eprocess + links);
            else
                members[id].push_back(p.eprocess + links);
            mayDamage(p.eprocess + links, p.spec);
        }
        if (has_list)
            for (std::uint32_t id = 0; id < 2; ++id)
                linkRing(sessions[id] + off("_MM_SESSION_SPACE.ProcessList"), members[id]);
    }
    if (has("_HANDLE_TABLE.HandleTableList") && has("_HANDLE_TABLE.QuotaProcess") &&
        has("_HANDLE_TABLE.UniqueProcessId")) {
        const std::uint32_t links = off("_HANDLE_TABLE.HandleTableList");
        const std::uint64_t head = dataAlloc(16);
        std::vector<std::uint64_t> nodes;
        for (const auto& p : procs_) {
            const std::uint64_t table =
                mem_.get64(km_.physicalOf(p.eprocess + off("_EPROCESS.ObjectTable")));
            if (table == 0)
                continue;
            km_.put<std::uint64_t>(table + off("_HANDLE_TABLE.QuotaProcess"),
                                   p.pid == 4 ? 0 : p.eprocess);
            km_.put<std::uint32_t>(table + off("_HANDLE_TABLE.UniqueProcessId"),
                                   static_cast<std::uint32_t>(p.pid));
            if (p.spec.unlink_handles)
                selfLinks(table + links);
            else
                nodes.push_back(table + links);
            mayDamage(table + links, p.spec);
        }
        linkRing(head, nodes);
    }
    for (const auto& [node, spec] : damaged) {
        if (spec->zero_witness_links) {
            km_.put<std::uint64_t>(node, 0);
            km_.put<std::uint64_t>(node + 8, 0);
        } else {
            km_.put<std::uint64_t>(node, 0xfffff8a0'dead0000ULL); // unmapped, as break_active_flink
        }
    }
    writeCsrssHandles();
}

void Builder::writeProcessors() {
    const std::uint64_t prcb_in_pcr = off("_KPCR.Prcb");
    for (unsigned cpu = 0; cpu < s_.cpus; ++cpu) {
        const std::uint64_t idle = idle_threads_[cpu];
        const std::uint64_t pcr = cpu == 0 ? dataAlloc(prcb_in_pcr + size("_KPRCB", 0x4d00), 0x1000)
                                           : (idle & ~0xFFFULL) - 0xC000;
        const std::uint64_t prcb = pcr + prcb_in_pcr;
        km_.put<std::uint64_t>(pcr + off("_KPCR.Self"), pcr);
        km_.put<std::uint64_t>(prcb + off("_KPRCB.CurrentThread"), idle);
        km_.put<std::uint64_t>(prcb + off("_KPRCB.IdleThread"), idle);
        km_.put<std::uint32_t>(prcb + off("_KPRCB.Number"), cpu);
        km_.put<std::uint64_t>(processor_block_ + 8ULL * cpu, prcb);
        prcbs_.push_back(prcb);
        km_.put<std::uint8_t>(idle + off("_KTHREAD.Header"), 6);
        km_.put<std::uint64_t>(idle + off("_KTHREAD.Process"), idle_);
        km_.put<std::uint64_t>(idle + off("_KTHREAD.ApcState") + off("_KAPC_STATE.Process"), idle_);
        km_.put<std::uint8_t>(idle + off("_KTHREAD.State"), 2); // Running
        km_.put<std::uint8_t>(idle + off("_KTHREAD.Priority"), 16);
        km_.put<std::uint32_t>(idle + off("_KTHREAD.WaitTime"),
                               cpu < s_.idle_wait_times.size() ? s_.idle_wait_times[cpu] : 0);
    }
}

void Builder::writeLoadedModules() {
    const std::uint64_t entry_size = size("_KLDR_DATA_TABLE_ENTRY", 0xA0);
    const std::uint64_t nt = poolAlloc(entry_size), hal = poolAlloc(entry_size);
    km_.put<std::uint64_t>(nt + off("_KLDR_DATA_TABLE_ENTRY.DllBase"), s_.kern_base);
    km_.put<std::uint32_t>(nt + off("_KLDR_DATA_TABLE_ENTRY.SizeOfImage"),
                           static_cast<std::uint32_t>(size_of_image_));
    writeUnicode(nt + off("_KLDR_DATA_TABLE_ENTRY.FullDllName"),
                 "\\SystemRoot\\system32\\ntoskrnl.exe");
    writeUnicode(nt + off("_KLDR_DATA_TABLE_ENTRY.BaseDllName"), "ntoskrnl.exe");
    km_.put<std::uint64_t>(hal + off("_KLDR_DATA_TABLE_ENTRY.DllBase"), s_.kern_base - 0x49000);
    km_.put<std::uint32_t>(hal + off("_KLDR_DATA_TABLE_ENTRY.SizeOfImage"), 0x49000);
    writeUnicode(hal + off("_KLDR_DATA_TABLE_ENTRY.FullDllName"),
                 "\\SystemRoot\\system32\\hal.dll");
    writeUnicode(hal + off("_KLDR_DATA_TABLE_ENTRY.BaseDllName"), "hal.dll");
    const std::uint64_t links = off("_KLDR_DATA_TABLE_ENTRY.InLoadOrderLinks");
    linkRing(module_list_, {nt + links, hal + links});
}

// What KdEncodeDataBlock does at boot without a debugger (dump-format.md §4.3, its inverse):
// enc = W_N ^ ROR64(E ^ BSWAP64(W_A ^ plain), W_N mod 64) for every qword of the block. Written
// last, so every other address of the scenario stays as in its plain twin.
void Builder::encodeKdbg() {
    constexpr std::uint64_t kWaitNever = 0x3B5F1C8A92D7E461ULL, kWaitAlways = 0x9E27A4C15B08F3D2ULL;
    const std::uint64_t wait_never = dataAlloc(8, 8), wait_always = dataAlloc(8, 8);
    const std::uint64_t encoded_flag = dataAlloc(8, 8);
    km_.put<std::uint64_t>(wait_never, kWaitNever);
    km_.put<std::uint64_t>(wait_always, kWaitAlways);
    km_.put<std::uint8_t>(encoded_flag, 1);
    const std::uint32_t size =
        static_cast<std::uint32_t>(mem_.get64(km_.physicalOf(kdbg_ + 0x10)) >> 32);
    const unsigned rotate = static_cast<unsigned>(kWaitNever % 64);
    for (std::uint32_t i = 0; i < size / 8; ++i) {
        const std::uint64_t va = kdbg_ + 8ULL * i;
        const std::uint64_t plain = mem_.get64(km_.physicalOf(va));
        const std::uint64_t x = encoded_flag ^ __builtin_bswap64(kWaitAlways ^ plain);
        const std::uint64_t ror = rotate ? (x >> rotate) | (x << (64 - rotate)) : x;
        km_.put<std::uint64_t>(va, kWaitNever ^ ror);
    }
    // KdCopyDataBlock, as the kernel has it: the flag test, then KiWaitNever, the block and
    // KiWaitAlways through RIP-relative operands.
    const std::uint64_t code = s_.kern_base + 0x2000;
    std::vector<std::uint8_t> bytes;
    auto rel = [&](std::uint64_t target, std::size_t instruction_end) {
        const auto d = static_cast<std::int32_t>(target - (code + instruction_end));
        for (int b = 0; b < 4; ++b)
            bytes.push_back(static_cast<std::uint8_t>(static_cast<std::uint32_t>(d) >> (8 * b)));
    };
    auto emit = [&](std::initializer_list<std::uint8_t> op, std::uint64_t target,
                    std::size_t tail) {
        bytes.insert(bytes.end(), op);
        rel(target, bytes.size() + 4 + tail);
    };
    bytes.insert(bytes.end(), {0x48, 0x83, 0xEC, 0x28}); // sub rsp, 28h
    emit({0x80, 0x3D}, encoded_flag, 1);                 // cmp byte [KdpDataBlockEncoded], 0
    bytes.push_back(0x00);
    bytes.insert(bytes.end(), {0x4C, 0x8B, 0xC1});             // mov r8, rcx
    bytes.insert(bytes.end(), {0x74, 0x30});                   // jz (plain copy)
    emit({0x4C, 0x8B, 0x1D}, wait_never, 0);                   // mov r11, [KiWaitNever]
    emit({0x48, 0x8D, 0x15}, kdbg_, 0);                        // lea rdx, [KdDebuggerDataBlock]
    emit({0x4C, 0x8B, 0x15}, wait_always, 0);                  // mov r10, [KiWaitAlways]
    bytes.insert(bytes.end(), {0x48, 0x83, 0xC4, 0x28, 0xC3}); // add rsp, 28h; ret
    km_.write(code, bytes);
}

// KDDEBUGGER_DATA64 (dump-format.md §4.1), plain, as a BSOD-written dump holds it.
void Builder::writeKdbg() {
    const std::uint32_t kdbg_size = s_.build < 9200    ? 0x340
                                    : s_.build < 14393 ? 0x360
                                    : s_.build < 17763 ? 0x368
                                                       : 0x380;
    km_.put<std::uint64_t>(kdbg_ + 0x00, kdbg_);
    km_.put<std::uint64_t>(kdbg_ + 0x08, kdbg_);
    km_.put<std::uint32_t>(kdbg_ + 0x10, 0x4742444B); // 'KDBG'
    km_.put<std::uint32_t>(kdbg_ + 0x14, kdbg_size);
    km_.put<std::uint64_t>(kdbg_ + 0x18, s_.kern_base);
    km_.put<std::uint64_t>(kdbg_ + 0x48, module_list_);
    km_.put<std::uint64_t>(kdbg_ + 0x50, active_head_);
    km_.put<std::uint64_t>(kdbg_ + 0x58, cid_variable_);
    km_.put<std::uint64_t>(kdbg_ + 0xC0, pfn_variable_);
    km_.put<std::uint64_t>(kdbg_ + 0x138, 0x1000); // MmPageSize
    km_.put<std::uint64_t>(kdbg_ + 0x218, processor_block_);
    km_.put<std::uint16_t>(kdbg_ + 0x2A2, static_cast<std::uint16_t>(off("_KTHREAD.State")));
    km_.put<std::uint16_t>(kdbg_ + 0x2A8, static_cast<std::uint16_t>(size("_EPROCESS", 0)));
    km_.put<std::uint16_t>(kdbg_ + 0x2AA, static_cast<std::uint16_t>(off("_EPROCESS.Peb")));
    km_.put<std::uint16_t>(
        kdbg_ + 0x2AC, static_cast<std::uint16_t>(off("_EPROCESS.InheritedFromUniqueProcessId")));
    km_.put<std::uint16_t>(kdbg_ + 0x2AE,
                           static_cast<std::uint16_t>(off("_KPROCESS.DirectoryTableBase")));
    km_.put<std::uint16_t>(kdbg_ + 0x2B0, static_cast<std::uint16_t>(size("_KPRCB", 0)));
    km_.put<std::uint16_t>(kdbg_ + 0x2B4, static_cast<std::uint16_t>(off("_KPRCB.CurrentThread")));
    km_.put<std::uint16_t>(kdbg_ + 0x2BE, static_cast<std::uint16_t>(off("_KPRCB.Number")));
    km_.put<std::uint16_t>(kdbg_ + 0x2C0, static_cast<std::uint16_t>(size("_ETHREAD", 0)));
    if (kdbg_size >= 0x360)
        km_.put<std::uint16_t>(kdbg_ + 0x350, static_cast<std::uint16_t>(off("_KPRCB.IdleThread")));
}

void Builder::writeObjectTypes() {
    const char* names[] = {"Type", "Directory", "SymbolicLink", "Token",
                           "Job",  "Process",   "Thread"};
    km_.put<std::uint64_t>(type_table_ + 8, 0xbad0b0b0); // ObTypeIndexTable[1]: Windows' sentinel
    for (std::uint8_t i = 2; i <= 8; ++i) {
        const std::uint64_t type = poolAlloc(size("_OBJECT_TYPE", 0xD0));
        writeUnicode(type + off("_OBJECT_TYPE.Name"), names[i - 2]);
        km_.put<std::uint8_t>(type + off("_OBJECT_TYPE.Index"), i);
        km_.put<std::uint64_t>(type_table_ + 8ULL * i, type);
        if (i == kProcessTypeIndex) { // every process object, linked or not, live or exited
            km_.put<std::uint32_t>(type + off("_OBJECT_TYPE.TotalNumberOfObjects"),
                                   static_cast<std::uint32_t>(procs_.size()));
            km_.put<std::uint32_t>(type + off("_OBJECT_TYPE.TotalNumberOfHandles"),
                                   static_cast<std::uint32_t>(procs_.size() * 3));
        }
    }
    if (s_.build >= 10240)
        km_.put<std::uint8_t>(cookie_, cookie_value_);
}

void Builder::writeSharedData() {
    const std::uint64_t pfn = mem_.allocateFrame();
    pt_.map4k(kUserSharedData, pfn, PageTables::kPresent);
    mem_.put<std::uint32_t>(pfn * kPage + 0x260, s_.build); // NtBuildNumber
    mem_.put<std::uint32_t>(pfn * kPage + 0x264, 1);        // NtProductType
    mem_.put<std::uint32_t>(pfn * kPage + 0x26C, s_.build >= 10240 ? 10 : 6);
    mem_.put<std::uint32_t>(pfn * kPage + 0x270, s_.build >= 10240 ? 0 : s_.build >= 9600 ? 3 : 1);
}

// The seed article's `dt nt!_EPROCESS 0xfffff80003c80ac0`: what the neighbours of nt!MmProcessList
// hold when read as an _EPROCESS (7601 offsets, as the article prints them).
void Builder::writeArticleBytes() {
    const std::uint64_t e = s_.mm_head_entry;
    if (s_.article_head_bytes) {
        km_.put<std::uint64_t>(e + off("_EPROCESS.CreateTime"), 0x2b80);
        km_.put<std::uint64_t>(e + off("_EPROCESS.UniqueProcessId"), 0x147);
        km_.put<std::uint64_t>(e + off("_EPROCESS.ActiveProcessLinks"), 0x422);
        km_.put<std::uint64_t>(e + 0x1b8, 0x233); // CommitCharge
        km_.put<std::uint32_t>(e + off("_EPROCESS.ActiveThreads"), 4);
        km_.put<std::uint64_t>(e + 0x388, 4);      // AweInfo
        km_.put<std::uint64_t>(e + 0x430, 0x3ea0); // HighestUserAddress
        const std::uint8_t name[4] = {0xA5, 0x9F, 0xC3, 0};
        km_.write(e + off("_EPROCESS.ImageFileName"), name);
    }
    if (s_.head_minimal_bit)
        setFlag(e, "_EPROCESS.Minimal");
    km_.touch(e - off("_OBJECT_HEADER.Body")); // the would-be object header: zeros
}

void Builder::writeDirectoryTables() {
    const std::uint32_t dtb = off("_KPROCESS.DirectoryTableBase");
    km_.put<std::uint64_t>(idle_ + dtb, pt_.pml4());
    for (auto& p : procs_)
        km_.put<std::uint64_t>(p.eprocess + dtb, p.pid == 4 ? pt_.pml4() : 0);
    for (auto& p : procs_)
        if (p.pid != 4)
            km_.put<std::uint64_t>(p.eprocess + dtb, pt_.clonePml4ForProcess());
    if (!s_.pcid_in_process_dtb)
        return;
    // A PCID in bits 0..11 of each process's CR3 value, System's included (1, 2, ...).
    std::uint64_t pcid = 0;
    for (auto& p : procs_) {
        const std::uint64_t va = p.eprocess + dtb;
        km_.put<std::uint64_t>(va, mem_.get64(km_.physicalOf(va)) | (++pcid & 0xFFF));
    }
}

// Rewrites the PTEs of the objects of the processes that ask for it, once everything is written
// (KernelMemory keeps writing to the same frames): transition PTEs that still name the frames, or
// zeroed ones that name nothing while the frames stay in the dump.
void Builder::remapProcessPages() {
    const std::uint64_t before =
        0x10 + size("_OBJECT_HEADER_QUOTA_INFO", 0x20) + off("_OBJECT_HEADER.Body");
    const std::uint64_t eprocess_size = size("_EPROCESS", 0x800);
    const std::uint64_t flag45 = s_.build >= 18363 ? 1ULL << 45 : 0;
    for (const auto& p : procs_) {
        if (!p.spec.transition_pages && !p.spec.unmapped_pages)
            continue;
        const std::uint64_t first = (p.eprocess - before) & ~(kPage - 1);
        for (std::uint64_t page = first; page < p.eprocess + eprocess_size; page += kPage) {
            const std::uint64_t pa = km_.physicalOf(page);
            pt_.setPte(page, p.spec.unmapped_pages ? 0 : pa | 0x800 | 0x80 | flag45);
        }
    }
}

std::vector<TruthProcess> Builder::truth() const {
    std::vector<TruthProcess> out;
    TruthProcess idle;
    idle.eprocess = idle_;
    idle.image_name = "Idle";
    idle.idle = true;
    out.push_back(idle);
    for (const auto& p : procs_) {
        TruthProcess t;
        t.eprocess = p.eprocess;
        t.pid = p.pid;
        t.image_name = (p.spec.ansi_name.empty() ? p.spec.name : p.spec.ansi_name).substr(0, 14);
        t.exited = p.spec.exited;
        t.minimal = p.spec.minimal;
        t.planted_hidden =
            !p.spec.exited && (p.spec.unlink_active || p.spec.unlink_mm || p.spec.remove_cid);
        t.session = p.session;
        t.csrss_handles = p.csrss_handles;
        out.push_back(t);
    }
    return out;
}

void Builder::writeTranslationFixtures() {
    using F = TranslationFixtures;
    auto marker = [&](std::uint64_t pa, std::uint32_t index) {
        mem_.put<std::uint32_t>(pa, 0x58465044); // "DPFX"
        mem_.put<std::uint32_t>(pa + 4, index);
    };
    // 2 MiB page with the PAT bit (bit 12) set: a reader that does not mask it is off by 4 KiB.
    pt_.map2m(F::kLarge2M, F::kLarge2MPhys, true);
    for (std::uint32_t i = 0; i < 512; ++i)
        marker(F::kLarge2MPhys + i * kPage, i);
    // 1 GiB page: only two of its frames are in the dump, the rest read as "not in dump".
    pt_.map1g(F::kLarge1G, F::kLarge1GPhys);
    marker(F::kLarge1GPhys, 0);
    marker(F::kLarge1GPhys + 0x12345ULL * kPage, 0x12345);
    // Transition PTE (P=0, bit 11, bit 10 clear); from 1909 on bit 45 may be set as a flag.
    const std::uint64_t transition_frame = mem_.allocateFrame();
    marker(transition_frame * kPage, 0x7);
    const std::uint64_t flag45 = s_.build >= 18363 ? 1ULL << 45 : 0;
    pt_.setPte(F::kTransition, transition_frame * kPage | 0x800 | 0x80 | flag45);
    pt_.setPte(F::kPrototype, (0x0000a80012345000ULL << 16) | 0x400);
    pt_.setPte(F::kPagedOut, 0x0000123400000080ULL);
    pt_.map4k(F::kFrameAbsent, F::kAbsentPfn);
    pt_.setPte(F::kTransitionAbsent, (F::kAbsentPfn + 1) * kPage | 0x800);
    for (std::uint32_t i = 0; i < 2; ++i) {
        const std::uint64_t pfn = mem_.allocateFrame();
        pt_.map4k(F::kCrossPage + i * kPage, pfn);
        marker(pfn * kPage, 0x100 + i);
        mem_.put<std::uint64_t>(pfn * kPage + (i == 0 ? kPage - 8 : 8), 0x1122334455667788ULL + i);
    }
}

DumpHeaderFields Builder::assemble() {
    layoutImage();
    next_pool_ = s_.build < 9600 ? 0xfffffa8011000000ULL : 0xffffe00011000000ULL;
    writePeHeaders();
    module_list_ = s_.ps_loaded_module_list ? s_.ps_loaded_module_list : dataAlloc(16);
    active_head_ = dataAlloc(16);
    kdbg_ = dataAlloc(0x400);
    processor_block_ = dataAlloc(64 * 8);
    // The slot is taken either way, so that a given PspCidTable moves nothing else in .data.
    cid_variable_ = dataAlloc(8);
    if (s_.psp_cid_table)
        cid_variable_ = s_.psp_cid_table;
    type_table_ = dataAlloc(0x100 * 8);
    cookie_ = dataAlloc(8);
    pfn_variable_ = dataAlloc(8);
    km_.put<std::uint64_t>(pfn_variable_,
                           s_.build < 9600 ? 0xfffffa8000000000ULL : 0xffffe80000000000ULL);
    const std::uint64_t eprocess_size = size("_EPROCESS", 0x800);
    idle_ = s_.idle_eprocess ? s_.idle_eprocess : dataAlloc(eprocess_size, 0x40);
    const std::uint32_t mml = off("_EPROCESS.MmProcessLinks");
    mm_head_ = s_.mm_head_entry ? s_.mm_head_entry + mml : dataAlloc(16);
    const std::uint32_t thread_size = size("_KTHREAD", 0x360);
    for (unsigned cpu = 0; cpu < s_.cpus; ++cpu) {
        if (cpu < s_.idle_threads.size())
            idle_threads_.push_back(s_.idle_threads[cpu]);
        else if (cpu == 0)
            idle_threads_.push_back(dataAlloc(size("_ETHREAD", thread_size), 0x40));
        else
            idle_threads_.push_back(poolAlloc(0x20000, 0x1000) + 0x1C0C0);
    }

    // Idle: the static process in .data (PID 0, no object header, not inserted).
    km_.put<std::uint8_t>(idle_ + off("_KPROCESS.Header"), 3);
    std::string idle_name = "Idle";
    idle_name.resize(15, '\0');
    km_.putBytes(idle_ + off("_EPROCESS.ImageFileName"), idle_name);
    km_.touch(idle_ + eprocess_size - 1);

    const std::uint64_t boot = s_.system_time - s_.uptime;
    Proc system;
    system.spec.name = "System";
    system.spec.threads = 4;
    system.pid = 4;
    system.eprocess =
        objectBody(kPoolTagProcess, kProcessTypeIndex, eprocess_size, s_.system_eprocess);
    next_handle_ = 8;
    procs_.push_back(system);
    createProcess(procs_[0], boot);
    createThreads(procs_[0]);
    next_handle_ = std::max(next_handle_, s_.first_handle);
    for (std::size_t i = 0; i < s_.processes.size(); ++i) {
        Proc p;
        p.spec = s_.processes[i];
        p.pid = p.spec.pid ? p.spec.pid : takeHandle();
        p.ppid = i == 0 ? 4 : procs_[std::min<std::size_t>(i, 5)].pid;
        if (p.spec.minimal)
            p.spec.threads = 0;
        if (p.spec.exited)
            p.spec.threads = 0;
        p.eprocess = objectBody(p.spec.spoof_pool_tag ? kPoolTagSpoofed : kPoolTagProcess,
                                kProcessTypeIndex, eprocess_size, p.spec.eprocess);
        procs_.push_back(p);
        createProcess(procs_.back(), boot + (i + 1) * 3 * kFiletimeSecond);
        createThreads(procs_.back());
    }
    if (s_.far_pid) {
        Proc far;
        far.spec.name = "farpid.exe";
        far.pid = s_.far_pid;
        far.ppid = 4;
        far.eprocess = objectBody(kPoolTagProcess, kProcessTypeIndex, eprocess_size, 0);
        procs_.push_back(far);
        createProcess(procs_.back(), boot + 99 * kFiletimeSecond);
        next_handle_ = s_.far_pid + 4;
        createThreads(procs_.back());
    }
    writeLists();
    writeCidTable();
    writeProcessors();
    writeLoadedModules();
    writeKdbg();
    writeObjectTypes();
    writeSharedData();
    writeArticleBytes();
    writeDirectoryTables();
    if (s_.translation_fixtures)
        writeTranslationFixtures();
    if (s_.scan_decoys)
        writeScanDecoys();
    if (s_.encoded_kdbg)
        encodeKdbg();
    writeWitnesses();    // after every other allocation: the older structures keep their addresses
    writeImagePaths();   // after the witnesses, for the same reason
    remapProcessPages(); // last: nothing is written through those PTEs after
    pt_.refreshClones();

    DumpHeaderFields f;
    f.build = s_.build;
    f.directory_table_base = pt_.pml4() | (s_.pcid_in_dtb ? 0x2 : 0);
    f.pfn_database = pfn_variable_;
    f.ps_loaded_module_list = module_list_;
    f.ps_active_process_head = active_head_;
    f.processors = s_.cpus;
    f.bugcheck_code = s_.bugcheck_code;
    f.bugcheck_parameters = {0xffffffffc0000005ULL, s_.kern_base + 0x1234, 0, 0};
    f.kd_debugger_data_block = kdbg_;
    f.dump_type = s_.dump_type;
    f.system_time = s_.system_time;
    f.system_uptime = s_.uptime;
    f.comment = "dumpgen synthetic dump: " + s_.name;
    f.rip = s_.kern_base + 0x1234;
    f.rsp = idle_threads_[0] - 0x1000;
    return f;
}

} // namespace

std::vector<std::uint8_t> buildScenario(const Scenario& s) {
    Builder b(s);
    const DumpHeaderFields f = b.assemble();
    return writeDump(b.memory(), f);
}

BuiltDump buildScenarioWithTruth(const Scenario& s) {
    Builder b(s);
    const DumpHeaderFields f = b.assemble();
    return {writeDump(b.memory(), f), b.truth()};
}

void writeScenarioSparse(const Scenario& s, const std::string& path) {
    if (s.ram.empty())
        throw std::runtime_error("scenario " + s.name + " has no RAM map for a sparse dump");
    Builder b(s);
    const DumpHeaderFields f = b.assemble();
    writeSparseDump(b.memory(), f, s.ram, path);
}

} // namespace dumpgen
