// Expands one member of a cabinet with libmspack, through an mspack_system of our own whose
// "files" are two memory buffers: the cabinet as read (capped) and the member as written (capped
// while it is written), so a cabinet that claims or inflates to gigabytes fails at the cap.
#include "dumpprocs/kernel/cab_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <mspack.h>

#include "dumpprocs/support/text.hpp"

namespace dumpprocs::kernel {
namespace {

namespace fs = std::filesystem;

// A cabinet holding a kernel PDB has one member; a few more are tolerated, not thousands.
constexpr int kMaxMembers = 64;
constexpr const char* kInputName = "cabinet";
constexpr const char* kOutputName = "member";

struct MemorySystem;

// What libmspack sees as an open file: a buffer and a position.
struct MemoryFile {
    MemorySystem* system = nullptr;
    std::string* data = nullptr; // the cabinet or the member's output
    std::size_t pos = 0;
    bool writable = false;
};

struct MemorySystem {
    mspack_system sys{}; // first: libmspack hands this pointer back as `self`
    std::string input;
    std::string output;
    std::size_t max_output = 0;
    bool output_over_cap = false;
};

MemorySystem* owner(mspack_system* self) {
    return reinterpret_cast<MemorySystem*>(self);
}

mspack_file* openFile(mspack_system* self, const char* name, int mode) {
    MemorySystem* m = owner(self);
    auto* f = new (std::nothrow) MemoryFile;
    if (!f)
        return nullptr;
    f->system = m;
    if (std::strcmp(name, kInputName) == 0 && mode == MSPACK_SYS_OPEN_READ) {
        f->data = &m->input;
    } else if (std::strcmp(name, kOutputName) == 0 && mode == MSPACK_SYS_OPEN_WRITE) {
        m->output.clear();
        f->data = &m->output;
        f->writable = true;
    } else {
        delete f; // nothing else exists: no path from the cabinet reaches the disk
        return nullptr;
    }
    return reinterpret_cast<mspack_file*>(f);
}

void closeFile(mspack_file* file) {
    delete reinterpret_cast<MemoryFile*>(file);
}

int readFile(mspack_file* file, void* buffer, int bytes) {
    auto* f = reinterpret_cast<MemoryFile*>(file);
    if (bytes < 0)
        return -1;
    const std::size_t n =
        std::min<std::size_t>(static_cast<std::size_t>(bytes), f->data->size() - f->pos);
    std::memcpy(buffer, f->data->data() + f->pos, n);
    f->pos += n;
    return static_cast<int>(n);
}

// Writing the member: only appends happen; past the cap it fails, and libmspack stops.
int writeFile(mspack_file* file, void* buffer, int bytes) {
    auto* f = reinterpret_cast<MemoryFile*>(file);
    if (!f->writable || bytes < 0)
        return -1;
    if (f->data->size() + static_cast<std::size_t>(bytes) > f->system->max_output) {
        f->system->output_over_cap = true;
        return -1;
    }
    f->data->append(static_cast<const char*>(buffer), static_cast<std::size_t>(bytes));
    f->pos = f->data->size();
    return bytes;
}

int seekFile(mspack_file* file, off_t offset, int mode) {
    auto* f = reinterpret_cast<MemoryFile*>(file);
    const auto size = static_cast<off_t>(f->data->size());
    off_t to = offset;
    if (mode == MSPACK_SYS_SEEK_CUR)
        to = static_cast<off_t>(f->pos) + offset;
    else if (mode == MSPACK_SYS_SEEK_END)
        to = size + offset;
    else if (mode != MSPACK_SYS_SEEK_START)
        return -1;
    if (to < 0 || to > size)
        return -1;
    f->pos = static_cast<std::size_t>(to);
    return 0;
}

off_t tellFile(mspack_file* file) {
    return static_cast<off_t>(reinterpret_cast<MemoryFile*>(file)->pos);
}

void message(mspack_file*, const char*, ...) {} // errors come back as codes, said by us

void* allocate(mspack_system*, std::size_t bytes) {
    return std::malloc(bytes);
}
void release(void* p) {
    std::free(p);
}
void copy(void* src, void* dest, std::size_t bytes) {
    std::memmove(dest, src, bytes);
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

const char* errorText(int code) {
    switch (code) {
    case MSPACK_ERR_SIGNATURE:
        return "not a cabinet (no MSCF signature)";
    case MSPACK_ERR_DATAFORMAT:
        return "malformed cabinet header or file list";
    case MSPACK_ERR_CHECKSUM:
        return "a data block fails its checksum";
    case MSPACK_ERR_DECRUNCH:
        return "a compressed block does not expand";
    case MSPACK_ERR_NOMEMORY:
        return "out of memory";
    case MSPACK_ERR_READ:
    case MSPACK_ERR_SEEK:
        return "the cabinet ends early";
    default:
        return "cannot expand";
    }
}

Expected<std::string> readCapped(const fs::path& path, std::size_t cap) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::Io, "{}: cannot open the cabinet", escapeBytes(path.string()));
    std::string data;
    std::vector<char> chunk(1 << 20);
    while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
        data.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
        if (data.size() > cap)
            return makeError(ErrorCode::InvalidData, "{}: larger than {} MiB, not a kernel PDB",
                             escapeBytes(path.string()), cap >> 20);
    }
    return data;
}

} // namespace

bool isCabFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    char head[kCabMagic.size()];
    if (!in || !in.read(head, sizeof head))
        return false;
    return std::string_view(head, sizeof head) == kCabMagic;
}

Expected<std::string> expandCabMember(const fs::path& path, std::string_view member,
                                      std::size_t max_size) {
    const std::string where = escapeBytes(path.string());
    auto system = std::make_unique<MemorySystem>();
    DP_TRY(system->input, readCapped(path, max_size));
    if (system->input.size() < kCabMagic.size() ||
        std::string_view(system->input).substr(0, kCabMagic.size()) != kCabMagic)
        return makeError(ErrorCode::InvalidData,
                         "{}: not a cabinet (no MSCF signature at offset 0)", where);
    system->max_output = max_size;
    system->sys.open = openFile;
    system->sys.close = closeFile;
    system->sys.read = readFile;
    system->sys.write = writeFile;
    system->sys.seek = seekFile;
    system->sys.tell = tellFile;
    system->sys.message = message;
    system->sys.alloc = allocate;
    system->sys.free = release;
    system->sys.copy = copy;

    mscab_decompressor* cabd = mspack_create_cab_decompressor(&system->sys);
    if (!cabd)
        return makeError(ErrorCode::Unsupported, "{}: libmspack cannot start", where);
    std::unique_ptr<mscab_decompressor, void (*)(mscab_decompressor*)> guard(
        cabd, mspack_destroy_cab_decompressor);
    // No search for cabinets spanning several files: a symbol store's .pd_ is one.
    mscabd_cabinet* cab = cabd->open(cabd, const_cast<char*>(kInputName));
    if (!cab)
        return makeError(ErrorCode::InvalidData, "{}: {}", where,
                         errorText(cabd->last_error(cabd)));
    struct CabinetCloser {
        mscab_decompressor* cabd;
        void operator()(mscabd_cabinet* c) const { cabd->close(cabd, c); }
    };
    std::unique_ptr<mscabd_cabinet, CabinetCloser> cab_guard(cab, CabinetCloser{cabd});
    mscabd_file* chosen = nullptr;
    int count = 0;
    for (mscabd_file* f = cab->files; f; f = f->next) {
        if (++count > kMaxMembers)
            return makeError(ErrorCode::InvalidData, "{}: more than {} files in the cabinet", where,
                             kMaxMembers);
        if (!chosen && f->filename && lower(f->filename) == lower(member))
            chosen = f;
    }
    if (!chosen && count == 1)
        chosen = cab->files;
    if (!chosen)
        return makeError(ErrorCode::NotFound, "{}: the cabinet holds no {} ({} files)", where,
                         member, count);
    if (chosen->length > max_size)
        return makeError(ErrorCode::InvalidData, "{}: {} is {} bytes, larger than {} MiB", where,
                         escapeBytes(chosen->filename ? chosen->filename : ""), chosen->length,
                         max_size >> 20);
    const int rc = cabd->extract(cabd, chosen, const_cast<char*>(kOutputName));
    if (system->output_over_cap)
        return makeError(ErrorCode::InvalidData, "{}: expands past {} MiB", where, max_size >> 20);
    if (rc != MSPACK_ERR_OK)
        return makeError(ErrorCode::InvalidData, "{}: {}", where, errorText(rc));
    return std::move(system->output);
}

} // namespace dumpprocs::kernel
