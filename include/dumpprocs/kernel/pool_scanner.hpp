#pragma once
// PoolTagScanner: finds pool headers by their tag in every physical page a dump holds. The pages
// are read in file order (sequentially), split into ranges that a pool of threads scans in
// parallel; each range's hits are kept apart and concatenated in range order afterwards, so the
// result never depends on timing or on the number of threads.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "dumpprocs/memory/physical_memory.hpp"

namespace dumpprocs::kernel {

// A tag as the u32 at POOL_HEADER+tag_offset compares: (value & mask) == tag. A pattern may read
// its u32 elsewhere in the 16-byte slot (`offset`, from the slot's start; nullopt: tag_offset):
// the tag-free process check reads the _DISPATCHER_HEADER at the start of a slot, in the same
// pass as the pool tags.
struct PoolTagPattern {
    std::uint32_t tag = 0;
    std::uint32_t mask = 0xFFFFFFFF; // 0x7FFFFFFF: with or without the protected bit
    std::optional<std::uint32_t> offset;
};

inline constexpr std::size_t kMaxPoolPatterns = 4;

struct PoolScanOptions {
    std::vector<PoolTagPattern> patterns;   // at most kMaxPoolPatterns
    std::uint32_t tag_offset = 4;           // _POOL_HEADER.PoolTag
    std::uint32_t alignment = 16;           // x64 pool blocks start on 16-byte boundaries
    unsigned threads = 0;                   // 0: std::thread::hardware_concurrency()
    std::uint64_t chunk_bytes = 4ULL << 20; // pages per task, rounded to whole pages
    // Called from the calling thread only, after each range it scanned itself.
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
    // Optional: called for each task with its bytes (whole pages from physical address `base`)
    // while they are in the scan's buffer, so that another per-page test shares the one read of
    // the dump. It is called from the worker threads at once and must only read shared state;
    // the addresses it appends to `out` are kept per task and concatenated in task order
    // (PoolScanResult::visited), so the result never depends on the number of threads.
    std::function<void(ByteView bytes, std::uint64_t base, std::vector<std::uint64_t>& out)>
        page_visitor;
};

struct PoolTagHit {
    std::uint64_t physical = 0; // of the slot (the POOL_HEADER for a tag pattern)
    std::uint32_t tag = 0;      // the u32 the pattern matched, as stored (protected bit included)
    std::uint8_t pattern = 0;   // index in PoolScanOptions::patterns (the first that matched)
    bool operator==(const PoolTagHit&) const = default;
};

struct PoolScanResult {
    std::vector<PoolTagHit> hits;       // ascending physical address
    std::vector<std::uint64_t> visited; // what page_visitor appended, in task order
    std::uint64_t bytes_scanned = 0;
    std::uint64_t pages_scanned = 0;
    std::uint64_t pages_absent = 0;    // inside the page span but not in the dump
    std::uint64_t pages_truncated = 0; // in the page map but past the end of the file
    unsigned threads_used = 0;
};

PoolScanResult scanPoolTags(const PhysicalMemory& memory, const PoolScanOptions& options);

// Scans one run of bytes that starts at physical address `base` (page aligned); exposed for
// tests and the benchmark.
void scanPoolTagRange(ByteView bytes, std::uint64_t base, const PoolScanOptions& options,
                      std::vector<PoolTagHit>& out);

} // namespace dumpprocs::kernel
