// Benchmark of the pool-tag scan behind `--view scan`: a large synthetic physical image (random
// bytes with 'Proc' pool tags planted at 16-byte pool positions, and a few holes), held in memory
// as a warm page cache would hold a dump, scanned with 1..N threads. Prints GB/s (10^9 bytes per
// second) in all and per thread.
//   DUMPPROCS_BENCH_MIB  size of the image in MiB (default 1024)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "dumpprocs/addrspace/flat_physical_memory.hpp"
#include "dumpprocs/kernel/pool_scanner.hpp"

namespace {

using namespace dumpprocs;

constexpr std::uint32_t kProcTag = 0x636f7250;
constexpr std::uint32_t kThreTag = 0x65726854;

struct Image {
    std::vector<std::byte> bytes;
    std::unique_ptr<FlatPhysicalMemory> memory;
    std::size_t planted = 0;
};

std::uint64_t imageBytes() {
    const char* mib = std::getenv("DUMPPROCS_BENCH_MIB");
    const std::uint64_t size = mib ? std::strtoull(mib, nullptr, 10) : 1024;
    return std::max<std::uint64_t>(size, 16) << 20;
}

// Random bytes (xorshift, fixed seed), one 'Proc' tag every 64 KiB or so, 1 page in 256 absent.
const Image& image() {
    static const Image img = [] {
        Image im;
        im.bytes.resize(imageBytes());
        std::uint64_t x = 0x9E3779B97F4A7C15ULL;
        for (std::size_t at = 0; at + 8 <= im.bytes.size(); at += 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            std::memcpy(im.bytes.data() + at, &x, 8);
        }
        for (std::size_t at = 0x1230; at + 16 <= im.bytes.size(); at += 0x10010) {
            const std::uint32_t tag = kProcTag | ((at >> 16) & 1 ? 0x80000000u : 0);
            std::memcpy(im.bytes.data() + at + 4, &tag, 4);
            ++im.planted;
        }
        std::vector<PageRun> runs;
        const std::uint64_t pages = im.bytes.size() / kPageSize;
        for (std::uint64_t first = 0; first < pages; first += 256)
            runs.push_back(PageRun{first, std::min<std::uint64_t>(255, pages - first)});
        im.memory = std::make_unique<FlatPhysicalMemory>(ByteView(im.bytes.data(), im.bytes.size()),
                                                         std::move(runs));
        return im;
    }();
    return img;
}

// The scan's one pass since issue 16: 'Proc' and 'Thre' tags and the tag-free check's process
// _DISPATCHER_HEADER (Type 3, Size 0xb2: a Windows 10 _KPROCESS) at the start of every slot.
std::vector<kernel::PoolTagPattern> patternsOf(int which) {
    std::vector<kernel::PoolTagPattern> p = {{kProcTag, 0x7FFFFFFF, std::nullopt}};
    if (which == 1) {
        p.push_back({kThreTag, 0x7FFFFFFF, std::nullopt});
        p.push_back({0x00b20003, 0x00FF00FF, 0});
    }
    return p;
}

void BM_PoolTagScan(benchmark::State& state) {
    const Image& img = image();
    kernel::PoolScanOptions options;
    options.patterns = patternsOf(static_cast<int>(state.range(1)));
    options.threads = static_cast<unsigned>(state.range(0));
    std::uint64_t scanned = 0;
    std::size_t hits = 0;
    for (auto _ : state) {
        auto result = kernel::scanPoolTags(*img.memory, options);
        scanned += result.bytes_scanned;
        hits = result.hits.size();
        benchmark::DoNotOptimize(result.hits.data());
    }
    const double gb = static_cast<double>(scanned) / 1e9;
    state.counters["GB/s"] = benchmark::Counter(gb, benchmark::Counter::kIsRate);
    state.counters["GB/s/thread"] =
        benchmark::Counter(gb / static_cast<double>(state.range(0)), benchmark::Counter::kIsRate);
    state.counters["hits"] = static_cast<double>(hits);
    state.SetLabel(std::to_string(img.memory->presentPageCount() * kPageSize >> 20) +
                   " MiB present");
}

void threadCounts(benchmark::internal::Benchmark* b) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    b->ArgNames({"threads", "all_patterns"});
    for (int patterns : {0, 1}) {
        for (unsigned t = 1; t <= cores; t *= 2)
            b->Args({static_cast<long>(t), patterns});
        if ((cores & (cores - 1)) != 0)
            b->Args({static_cast<long>(cores), patterns});
    }
}

} // namespace

BENCHMARK(BM_PoolTagScan)->Apply(threadCounts)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
