#pragma once
// The one decoder of an _ETHREAD found without a list or table (the thread scan): the members that
// tie it to its process, read through the ThreadLayout, and the checks a thread object passes.

#include <cstdint>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/support/byte_view.hpp"

namespace dumpprocs::kernel {

struct ThreadObject {
    std::uint8_t dispatcher_type = 0;   // _KTHREAD.Header.Type (6 for a thread)
    std::uint64_t process = 0;          // _KTHREAD.Process: the owning _EPROCESS
    std::uint64_t cid_process = 0;      // _ETHREAD.Cid.UniqueProcess
    std::uint64_t cid_thread = 0;       // _ETHREAD.Cid.UniqueThread
    formats::ListEntry64 thread_list{}; // _ETHREAD.ThreadListEntry
};

// How many bytes of an _ETHREAD the decoder reads: up to the end of the last member.
std::uint32_t threadObjectSize(const ThreadLayout& layout);

// Decodes and checks `body`, the bytes of an _ETHREAD from its first byte on: Header.Type is 6,
// Process a kernel address, Cid two handle values (UniqueThread not 0), ThreadListEntry kernel
// addresses. Each failure is named.
Expected<ThreadObject> decodeThreadObject(const ThreadLayout& layout, ByteView body);

} // namespace dumpprocs::kernel
