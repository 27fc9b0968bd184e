#pragma once
// RawImage: a raw physical memory image (winpmem, DumpIt raw mode, a hypervisor's .vmem/.raw),
// memory-mapped read-only. It has no header: physical address = file offset. Holes of a sparse
// file are memory that reads as zero; scanners skip them (SEEK_DATA/SEEK_HOLE).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "dumpprocs/dumpfile/page_map.hpp"
#include "dumpprocs/memory/physical_memory.hpp"

namespace dumpprocs::dumpfile {

class MappedFile;

class RawImage final : public PhysicalMemory {
  public:
    static Expected<std::unique_ptr<RawImage>> open(const std::filesystem::path& path);
    ~RawImage() override;

    const std::filesystem::path& path() const { return path_; }
    std::uint64_t fileSize() const;
    // The extents that hold data (page granular, ascending); the whole file if the file system
    // cannot tell.
    const std::vector<PhysicalRun>& dataRuns() const { return data_runs_; }

    Expected<ByteView> page(std::uint64_t pfn) const override;
    std::uint64_t pageSpan() const override;
    std::uint64_t presentPageCount() const override;
    void forEachPresentRange(
        const std::function<void(std::uint64_t, std::uint64_t, ByteView)>& visit) const override;
    ByteView scanBytes(const ByteView& range, std::span<std::byte> buffer) const override;

  private:
    RawImage() = default;
    std::filesystem::path path_;
    std::unique_ptr<MappedFile> file_;
    std::vector<PhysicalRun> data_runs_;
};

// True when the first bytes of `path` are a crash dump or minidump signature ("PAGE", "MDMP").
bool hasDumpSignature(const std::filesystem::path& path);

} // namespace dumpprocs::dumpfile
