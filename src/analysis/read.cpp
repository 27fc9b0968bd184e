#include "dumpprocs/analysis/read.hpp"

#include <algorithm>

#include "dumpprocs/analysis/session.hpp"

namespace dumpprocs::analysis {

Expected<ReadResult> readMemory(const PhysicalMemory* physical, const kernel::KernelContext* k,
                                const ReadRequest& request) {
    const std::uint64_t length = std::min(request.length, kMaxReadLength);
    ReadResult r;
    r.address = request.address;
    r.physical = request.physical;
    r.requested = length;
    if (request.physical && !physical)
        return makeError(ErrorCode::Unsupported, "--physical: this input holds no physical "
                                                 "memory");
    if (!request.physical && !k)
        return makeError(ErrorCode::NotFound, "--read: the kernel could not be read");
    // Page by page: the bytes before a missing page are still shown.
    std::uint64_t address = request.address;
    while (r.bytes.size() < length) {
        const std::uint64_t chunk =
            std::min<std::uint64_t>(length - r.bytes.size(), kPageSize - (address & 0xFFF));
        std::vector<std::byte> buf(chunk);
        Expected<void> got = request.physical ? readPhysical(*physical, address, buf)
                                              : k->addressSpace().read(address, buf);
        if (!got) {
            r.error = got.error().message;
            break;
        }
        if (!r.physical_address && request.physical)
            r.physical_address = address;
        else if (auto t = k ? k->addressSpace().translate(address)
                            : Expected<Translation>(Translation{});
                 !r.physical_address && t && t->via != Translation::Via::Saved)
            r.physical_address = t->physical;
        r.bytes.insert(r.bytes.end(), buf.begin(), buf.end());
        address += chunk;
    }
    return r;
}

Expected<ReadResult> readMemory(Session& session, const ReadRequest& request) {
    if (request.physical) {
        if (session.container() != Container::Raw) {
            if (auto why = session.kernelImpossible())
                return *why;
            if (!session.physicalMemory())
                return makeError(ErrorCode::Unsupported,
                                 "{}: --physical: a triage dump holds no physical memory",
                                 session.path().string());
            return readMemory(session.physicalMemory(), nullptr, request);
        }
        // A raw image's kernel was opened with it; its translations are shown when it was found.
        auto k = session.kernel();
        return readMemory(session.physicalMemory(), k ? *k : nullptr, request);
    }
    DP_TRY(const kernel::KernelContext* k, session.kernel());
    return readMemory(session.physicalMemory(), k, request);
}

} // namespace dumpprocs::analysis
