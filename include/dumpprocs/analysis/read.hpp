#pragma once
// --read: bytes of virtual or physical memory, page by page, as far as they can be read.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::analysis {

class Session;

struct ReadRequest {
    std::uint64_t address = 0;
    std::uint64_t length = 0; // cut to kMaxReadLength
    bool physical = false;
};

// What --read shows: the bytes read, and why the read stopped early.
struct ReadResult {
    std::uint64_t address = 0;
    bool physical = false;
    std::optional<std::uint64_t> physical_address; // of the first byte
    std::vector<std::byte> bytes;                  // what could be read, from `address` on
    std::size_t requested = 0;
    std::optional<std::string> error; // why the read stopped early
};

constexpr std::uint64_t kMaxReadLength = 1 << 20;

// Reads from `physical` (may be null: no physical memory) or through `kernel` (may be null: no
// readable kernel). Fails (Unsupported / NotFound) when the space asked for is not there; a read
// that stops early is a result with `error` set.
Expected<ReadResult> readMemory(const PhysicalMemory* physical, const kernel::KernelContext* kernel,
                                const ReadRequest& request);

// The same on a session: --physical needs no kernel; a virtual read opens it.
Expected<ReadResult> readMemory(Session& session, const ReadRequest& request);

} // namespace dumpprocs::analysis
