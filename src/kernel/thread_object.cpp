#include "dumpprocs/kernel/thread_object.hpp"

#include <algorithm>

#include "dumpprocs/addrspace/address_space.hpp"

namespace dumpprocs::kernel {
namespace {

template <typename T> Expected<T> member(ByteView body, std::uint32_t offset, const char* name) {
    auto value = body.read<T>(offset);
    if (!value)
        return makeError(ErrorCode::OutOfBounds,
                         "{} at +{:#x} ({} bytes) lies outside the {:#x} bytes read for the thread",
                         name, offset, sizeof(T), body.size());
    return value;
}

// A handle value of PspCidTable: a multiple of 4 below 2^32.
bool handleValue(std::uint64_t v) {
    return (v & 3) == 0 && v <= 0xFFFFFFFFULL;
}

} // namespace

std::uint32_t threadObjectSize(const ThreadLayout& t) {
    return std::max({t.header_type + 1, t.process + 8, t.cid + 16, t.thread_list_entry + 16});
}

Expected<ThreadObject> decodeThreadObject(const ThreadLayout& t, ByteView body) {
    ThreadObject out;
    DP_TRY(out.dispatcher_type, member<std::uint8_t>(body, t.header_type, "_KTHREAD.Header"));
    DP_TRY(out.process, member<std::uint64_t>(body, t.process, "_KTHREAD.Process"));
    DP_TRY(out.cid_process, member<std::uint64_t>(body, t.cid, "_ETHREAD.Cid.UniqueProcess"));
    DP_TRY(out.cid_thread, member<std::uint64_t>(body, t.cid + 8, "_ETHREAD.Cid.UniqueThread"));
    DP_TRY(out.thread_list,
           member<formats::ListEntry64>(body, t.thread_list_entry, "_ETHREAD.ThreadListEntry"));
    if (out.dispatcher_type != formats::kThreadObjectType)
        return makeError(ErrorCode::Corrupt, "DISPATCHER_HEADER.Type {}, a thread has {}",
                         out.dispatcher_type, formats::kThreadObjectType);
    if (!isKernelAddress(out.process) || (out.process & 7) != 0)
        return makeError(ErrorCode::Corrupt, "_KTHREAD.Process {:#x} is no kernel object address",
                         out.process);
    if (!handleValue(out.cid_process) || !handleValue(out.cid_thread) || out.cid_thread == 0)
        return makeError(ErrorCode::Corrupt, "Cid {:#x}.{:#x} is no pair of handle values",
                         out.cid_process, out.cid_thread);
    for (const std::uint64_t link : {out.thread_list.Flink, out.thread_list.Blink})
        if (!isKernelAddress(link))
            return makeError(ErrorCode::Corrupt,
                             "ThreadListEntry link {:#x} is not a kernel address", link);
    return out;
}

} // namespace dumpprocs::kernel
