// dump2raw: turns a crash dump into a raw physical memory image, as winpmem or a hypervisor would
// have written it: every page the dump holds is written at file offset = its physical address,
// everything else is left as a hole (the output is a sparse file). Used by the raw-image tests.
// `dump2raw --zero-header-dtb DUMP OUT.dmp` instead copies the dump with the header's
// DirectoryTableBase (offset 0x10) zeroed, a damaged header whose memory is intact.

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "dumpprocs/dumpfile/crash_dump.hpp"

namespace {

bool writeAll(int fd, const std::byte* data, std::uint64_t size, std::uint64_t offset) {
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<std::uint64_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
    return true;
}

constexpr std::size_t kHeaderDtbOffset = 0x10;

int zeroHeaderDtb(const char* in_path, const char* out_path) {
    std::ifstream in(in_path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 0x2000) {
        std::fprintf(stderr, "dump2raw: %s is too small for a dump header\n", in_path);
        return 1;
    }
    std::memset(bytes.data() + kHeaderDtbOffset, 0, 8);
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return out ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::strcmp(argv[1], "--zero-header-dtb") == 0)
        return zeroHeaderDtb(argv[2], argv[3]);
    if (argc != 3) {
        std::fprintf(stderr,
                     "usage: dump2raw DUMP OUT.raw | dump2raw --zero-header-dtb DUMP OUT.dmp\n");
        return 2;
    }
    auto dump = dumpprocs::dumpfile::CrashDump::open(argv[1]);
    if (!dump) {
        std::fprintf(stderr, "dump2raw: %s\n", dump.error().message.c_str());
        return 1;
    }
    if (!(*dump)->hasPhysicalMemory()) {
        std::fprintf(stderr, "dump2raw: %s holds no physical memory\n", argv[1]);
        return 1;
    }
    const int fd = ::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        std::fprintf(stderr, "dump2raw: %s: %s\n", argv[2], std::strerror(errno));
        return 1;
    }
    bool ok = ::ftruncate(fd, static_cast<off_t>((*dump)->pageSpan() * dumpprocs::kPageSize)) == 0;
    (*dump)->forEachPresentRange(
        [&](std::uint64_t first, std::uint64_t, dumpprocs::ByteView bytes) {
            ok = ok && writeAll(fd, bytes.data(), bytes.size(), first * dumpprocs::kPageSize);
        });
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
        std::fprintf(stderr, "dump2raw: writing %s failed\n", argv[2]);
        return 1;
    }
    return 0;
}
