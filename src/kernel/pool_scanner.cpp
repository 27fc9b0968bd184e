#include "dumpprocs/kernel/pool_scanner.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <system_error>
#include <thread>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <sys/mman.h>

namespace dumpprocs::kernel {
namespace {

struct ScanTask {
    std::uint64_t base = 0; // physical address of the first byte
    ByteView bytes;
};

std::uint32_t loadTag(const std::byte* at) noexcept {
    std::uint32_t v;
    std::memcpy(&v, at, sizeof v);
    return v;
}

// The hot loop for the usual case of one pattern: one load, one and, one compare per slot, four
// slots per iteration so that the compiler keeps the loop free of the rare push_back path.
void scanOnePattern(const std::byte* data, std::size_t slots, std::size_t step, std::uint64_t base,
                    PoolTagPattern p, std::vector<PoolTagHit>& out) {
    std::size_t i = 0;
    for (; i + 4 <= slots; i += 4) {
        const std::byte* at = data + i * step;
        const std::uint32_t a = loadTag(at), b = loadTag(at + step), c = loadTag(at + 2 * step),
                            d = loadTag(at + 3 * step);
        const bool any = ((a & p.mask) == p.tag) | ((b & p.mask) == p.tag) |
                         ((c & p.mask) == p.tag) | ((d & p.mask) == p.tag);
        if (!any) [[likely]]
            continue;
        const std::uint32_t v[4] = {a, b, c, d};
        for (std::size_t k = 0; k < 4; ++k)
            if ((v[k] & p.mask) == p.tag)
                out.push_back(PoolTagHit{base + (i + k) * step, v[k]});
    }
    for (; i < slots; ++i) {
        const std::uint32_t v = loadTag(data + i * step);
        if ((v & p.mask) == p.tag)
            out.push_back(PoolTagHit{base + i * step, v});
    }
}

// Two to four patterns, each reading the u32 at +0 or +4 of a 16-byte slot: four slots per
// iteration, their first two u32s gathered into two SSE2 vectors (one per offset), each pattern
// one and + compare on the vector its offset names; only a group where one matches leaves the
// branch-free path. Without SSE2 (never on x86-64), slot by slot.
template <std::size_t N>
void scanPatterns(const std::byte* data, std::size_t slots, std::uint64_t base,
                  const PoolScanOptions& options, std::vector<PoolTagHit>& out) {
    std::array<std::uint32_t, N> at{}, mask{}, tag{};
    for (std::size_t k = 0; k < N; ++k) {
        const auto& p = options.patterns[k];
        at[k] = p.offset.value_or(options.tag_offset);
        mask[k] = p.mask;
        tag[k] = p.tag;
    }
    auto report = [&](std::size_t i) {
        const std::byte* slot = data + i * 16;
        for (std::size_t k = 0; k < N; ++k) {
            const std::uint32_t v = loadTag(slot + at[k]);
            if ((v & mask[k]) == tag[k]) {
                out.push_back(PoolTagHit{base + i * 16, v, static_cast<std::uint8_t>(k)});
                return;
            }
        }
    };
    std::size_t i = 0;
#if defined(__SSE2__)
    __m128i vmask[N], vtag[N];
    for (std::size_t k = 0; k < N; ++k) {
        vmask[k] = _mm_set1_epi32(static_cast<int>(mask[k]));
        vtag[k] = _mm_set1_epi32(static_cast<int>(tag[k]));
    }
    for (; i + 4 <= slots; i += 4) {
        const auto* at16 = reinterpret_cast<const __m128i*>(data + i * 16);
        const __m128i s0 = _mm_loadu_si128(at16), s1 = _mm_loadu_si128(at16 + 1),
                      s2 = _mm_loadu_si128(at16 + 2), s3 = _mm_loadu_si128(at16 + 3);
        const __m128i t0 = _mm_unpacklo_epi32(s0, s1), t1 = _mm_unpacklo_epi32(s2, s3);
        const __m128i first = _mm_unpacklo_epi64(t0, t1), second = _mm_unpackhi_epi64(t0, t1);
        __m128i any = _mm_setzero_si128();
        for (std::size_t k = 0; k < N; ++k)
            any = _mm_or_si128(
                any, _mm_cmpeq_epi32(_mm_and_si128(at[k] ? second : first, vmask[k]), vtag[k]));
        const int hits = _mm_movemask_ps(_mm_castsi128_ps(any));
        if (hits == 0) [[likely]]
            continue;
        for (std::size_t k = 0; k < 4; ++k)
            if (hits & (1 << k))
                report(i + k);
    }
#endif
    for (; i < slots; ++i) {
        const std::byte* slot = data + i * 16;
        for (std::size_t k = 0; k < N; ++k)
            if ((loadTag(slot + at[k]) & mask[k]) == tag[k]) {
                report(i);
                break;
            }
    }
}

// A worker's buffer that scanBytes() copies each task into, in transparent huge pages where the
// kernel has them (see PhysicalMemory::scanBytes for why); empty when it cannot be had, and then
// the scan reads the source's own bytes.
class ScanBuffer {
  public:
    explicit ScanBuffer(std::size_t bytes) {
        constexpr std::size_t kHuge = 2u << 20;
        size_ = (bytes + kHuge - 1) / kHuge * kHuge;
        void* p =
            ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            size_ = 0;
            return;
        }
        ::madvise(p, size_, MADV_HUGEPAGE); // advisory
        data_ = static_cast<std::byte*>(p);
    }
    ~ScanBuffer() {
        if (data_)
            ::munmap(data_, size_);
    }
    ScanBuffer(const ScanBuffer&) = delete;
    ScanBuffer& operator=(const ScanBuffer&) = delete;
    std::span<std::byte> bytes() { return {data_, data_ ? size_ : 0}; }

  private:
    std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

std::vector<ScanTask> splitIntoTasks(const PhysicalMemory& memory, std::uint64_t chunk_bytes,
                                     std::uint64_t& pages_visited) {
    const std::uint64_t chunk_pages = std::max<std::uint64_t>(1, chunk_bytes / kPageSize);
    std::vector<ScanTask> tasks;
    memory.forEachPresentRange([&](std::uint64_t pfn, std::uint64_t count, ByteView bytes) {
        pages_visited += count;
        for (std::uint64_t done = 0; done < count; done += chunk_pages) {
            const std::uint64_t pages = std::min(chunk_pages, count - done);
            auto part = bytes.slice(done * kPageSize, pages * kPageSize);
            if (part)
                tasks.push_back(ScanTask{(pfn + done) * kPageSize, *part});
        }
    });
    return tasks;
}

} // namespace

void scanPoolTagRange(ByteView bytes, std::uint64_t base, const PoolScanOptions& options,
                      std::vector<PoolTagHit>& out) {
    const std::size_t step = options.alignment >= 4 ? options.alignment : 16;
    const std::size_t n = std::min(options.patterns.size(), kMaxPoolPatterns);
    if (n == 0)
        return;
    std::size_t need = 0;
    bool same_offset = true;
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint32_t at = options.patterns[k].offset.value_or(options.tag_offset);
        same_offset = same_offset && at == options.tag_offset;
        need = std::max(need, std::size_t{at} + 4);
    }
    if (n == 1 && same_offset) {
        if (bytes.size() >= need)
            scanOnePattern(bytes.data() + options.tag_offset, (bytes.size() - need) / step + 1,
                           step, base, options.patterns[0], out);
        return;
    }
    // Several patterns: the vector path reads u32s at +0 and +4 of 16-byte slots; any other
    // shape goes slot by slot.
    bool vector_shape = step == 16;
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint32_t at = options.patterns[k].offset.value_or(options.tag_offset);
        vector_shape = vector_shape && (at == 0 || at == 4);
    }
    if (!vector_shape || bytes.size() < 16) {
        for (std::size_t i = 0; bytes.size() >= need && i <= (bytes.size() - need) / step; ++i)
            for (std::size_t k = 0; k < n; ++k) {
                const auto& p = options.patterns[k];
                const std::uint32_t v =
                    loadTag(bytes.data() + i * step + p.offset.value_or(options.tag_offset));
                if ((v & p.mask) == p.tag) {
                    out.push_back(PoolTagHit{base + i * step, v, static_cast<std::uint8_t>(k)});
                    break;
                }
            }
        return;
    }
    const std::size_t slots = bytes.size() / 16; // whole slots: a range is whole pages
    switch (n) {
    case 2:
        scanPatterns<2>(bytes.data(), slots, base, options, out);
        return;
    case 3:
        scanPatterns<3>(bytes.data(), slots, base, options, out);
        return;
    default:
        scanPatterns<kMaxPoolPatterns>(bytes.data(), slots, base, options, out);
        return;
    }
}

PoolScanResult scanPoolTags(const PhysicalMemory& memory, const PoolScanOptions& options) {
    PoolScanResult result;
    std::uint64_t pages_visited = 0;
    const std::vector<ScanTask> tasks = splitIntoTasks(memory, options.chunk_bytes, pages_visited);
    const std::uint64_t present = memory.presentPageCount();
    result.pages_truncated = present > pages_visited ? present - pages_visited : 0;
    result.pages_absent = memory.pageSpan() > present ? memory.pageSpan() - present : 0;

    std::uint64_t total = 0;
    for (const auto& t : tasks)
        total += t.bytes.size();
    const unsigned wanted =
        options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    // Starting a thread costs more than scanning a few MiB: at least four tasks' worth each.
    const std::uint64_t chunk = std::max<std::uint64_t>(options.chunk_bytes, kPageSize);
    const std::uint64_t worth = std::max<std::uint64_t>(1, (total + 4 * chunk - 1) / (4 * chunk));
    const unsigned threads = static_cast<unsigned>(
        std::clamp<std::uint64_t>(std::min<std::uint64_t>(tasks.size(), worth), 1, wanted));

    std::vector<std::vector<PoolTagHit>> per_task(tasks.size());
    std::vector<std::vector<std::uint64_t>> visited_per_task(options.page_visitor ? tasks.size()
                                                                                  : 0);
    std::atomic<std::size_t> next{0};
    std::atomic<std::uint64_t> done{0};
    std::uint64_t largest = 0;
    for (const auto& t : tasks)
        largest = std::max<std::uint64_t>(largest, t.bytes.size());
    auto work = [&](bool report) {
        ScanBuffer buffer(static_cast<std::size_t>(largest));
        for (std::size_t i = next++; i < tasks.size(); i = next++) {
            const ByteView bytes = memory.scanBytes(tasks[i].bytes, buffer.bytes());
            scanPoolTagRange(bytes, tasks[i].base, options, per_task[i]);
            if (options.page_visitor)
                options.page_visitor(bytes, tasks[i].base, visited_per_task[i]);
            const std::uint64_t now = done += tasks[i].bytes.size();
            if (report && options.progress)
                options.progress(now, total);
        }
    };
    // Told before the first byte is read: a display can announce a long scan up front.
    if (options.progress)
        options.progress(0, total);
    std::vector<std::thread> workers;
    try {
        for (unsigned t = 1; t < threads; ++t)
            workers.emplace_back(work, false);
    } catch (const std::system_error&) {
        // No more threads to be had: the ones running and this one share the tasks.
    }
    result.threads_used = static_cast<unsigned>(workers.size()) + 1;
    work(true);
    for (auto& w : workers)
        w.join();
    if (options.progress)
        options.progress(total, total);

    // Deterministic merge: tasks are in ascending physical order, and so is each task's list.
    for (auto& hits : per_task)
        result.hits.insert(result.hits.end(), hits.begin(), hits.end());
    for (auto& visited : visited_per_task)
        result.visited.insert(result.visited.end(), visited.begin(), visited.end());
    result.bytes_scanned = total;
    result.pages_scanned = total / kPageSize;
    return result;
}

} // namespace dumpprocs::kernel
