#include "dumpprocs/dumpfile/page_map.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace dumpprocs::dumpfile {

RunPageMap::RunPageMap(std::vector<PhysicalRun> runs, std::uint64_t first_page_offset)
    : runs_(std::move(runs)), first_page_offset_(first_page_offset) {
    first_index_.reserve(runs_.size());
    for (const auto& run : runs_) {
        first_index_.push_back(total_);
        total_ += run.page_count;
    }
}

std::optional<std::uint64_t> RunPageMap::fileOffset(std::uint64_t pfn) const {
    // The last run whose base is <= pfn.
    auto it =
        std::upper_bound(runs_.begin(), runs_.end(), pfn,
                         [](std::uint64_t p, const PhysicalRun& r) { return p < r.base_page; });
    if (it == runs_.begin())
        return std::nullopt;
    --it;
    if (pfn - it->base_page >= it->page_count)
        return std::nullopt;
    const auto i = static_cast<std::size_t>(it - runs_.begin());
    return first_page_offset_ + (first_index_[i] + (pfn - it->base_page)) * 0x1000;
}

std::uint64_t RunPageMap::pageSpan() const {
    return runs_.empty() ? 0 : runs_.back().base_page + runs_.back().page_count;
}

BitmapPageMap::BitmapPageMap(std::span<const std::uint64_t> words, std::uint64_t bit_count,
                             std::uint64_t first_page_offset)
    : words_(words), bits_(bit_count), first_page_offset_(first_page_offset) {
    const std::size_t blocks = (words_.size() + kWordsPerBlock - 1) / kWordsPerBlock;
    block_rank_.reserve(blocks);
    for (std::size_t b = 0; b < blocks; ++b) {
        block_rank_.push_back(total_);
        for (std::size_t i = b * kWordsPerBlock;
             i < std::min(words_.size(), (b + 1) * kWordsPerBlock); ++i)
            total_ += bitsSet(word(i));
    }
}

// Most words of a real bitmap are all ones (RAM) or all zeros (holes, or what a kernel dump
// leaves out); without -mpopcnt std::popcount is a library call, so those skip it.
std::uint64_t BitmapPageMap::bitsSet(std::uint64_t w) {
    if (w == 0)
        return 0;
    if (w == ~std::uint64_t{0})
        return 64;
    return static_cast<std::uint64_t>(std::popcount(w));
}

// Reads word i without assuming the mapping is 8-byte aligned; masks bits past the bit count.
std::uint64_t BitmapPageMap::word(std::size_t i) const {
    std::uint64_t w;
    std::memcpy(&w, reinterpret_cast<const std::byte*>(words_.data()) + i * 8, 8);
    const std::uint64_t first_bit = static_cast<std::uint64_t>(i) * 64;
    if (first_bit + 64 > bits_) {
        const std::uint64_t valid = bits_ > first_bit ? bits_ - first_bit : 0;
        w &= valid == 0 ? 0 : (~std::uint64_t{0} >> (64 - valid));
    }
    return w;
}

std::optional<std::uint64_t> BitmapPageMap::fileOffset(std::uint64_t pfn) const {
    if (pfn >= bits_)
        return std::nullopt;
    const std::size_t wi = static_cast<std::size_t>(pfn / 64);
    const std::uint64_t w = word(wi);
    const std::uint64_t bit = std::uint64_t{1} << (pfn % 64);
    if (!(w & bit))
        return std::nullopt;
    std::uint64_t rank = block_rank_[wi / kWordsPerBlock];
    for (std::size_t i = (wi / kWordsPerBlock) * kWordsPerBlock; i < wi; ++i)
        rank += bitsSet(word(i));
    rank += bitsSet(w & (bit - 1));
    return first_page_offset_ + rank * 0x1000;
}

std::vector<PhysicalRun> BitmapPageMap::runs() const {
    std::vector<PhysicalRun> out;
    std::array<std::uint64_t, 1> w{};
    for (std::size_t wi = 0; wi < words_.size(); ++wi) {
        w[0] = word(wi);
        appendBitmapRuns(w, wi, bits_, out, ~std::size_t{0});
    }
    return out;
}

// Word by word, a stretch of set bits at a time: a 1 TiB bitmap has 2^28 bits.
bool appendBitmapRuns(std::span<const std::uint64_t> words, std::uint64_t first_word,
                      std::uint64_t bit_count, std::vector<PhysicalRun>& runs,
                      std::size_t max_runs) {
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::uint64_t first_bit = (first_word + i) * 64;
        if (first_bit >= bit_count)
            break;
        std::uint64_t w = words[i];
        if (bit_count - first_bit < 64)
            w &= ~std::uint64_t{0} >> (64 - (bit_count - first_bit));
        if (w == ~std::uint64_t{0} && !runs.empty() &&
            runs.back().base_page + runs.back().page_count == first_bit) {
            runs.back().page_count += 64; // the common case: deep inside a run of RAM
            continue;
        }
        unsigned bit = 0;
        while (bit < 64 && (w >> bit) != 0) {
            bit += static_cast<unsigned>(std::countr_zero(w >> bit));
            const auto ones = static_cast<unsigned>(std::countr_one(w >> bit));
            const std::uint64_t pfn = first_bit + bit;
            if (!runs.empty() && runs.back().base_page + runs.back().page_count == pfn) {
                runs.back().page_count += ones;
            } else {
                if (runs.size() >= max_runs)
                    return false;
                runs.push_back({pfn, ones});
            }
            bit += ones;
        }
    }
    return true;
}

} // namespace dumpprocs::dumpfile
