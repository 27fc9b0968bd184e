#pragma once
// ByteView: the only way the project touches raw bytes. Every accessor checks bounds without
// integer overflow and names the absolute offset (file offset, physical or virtual address,
// whatever `base` stands for) in its error.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "dumpprocs/support/expected.hpp"

namespace dumpprocs {

class ByteView {
  public:
    ByteView() = default;
    // `base` is the absolute position of data[0] in whatever space the bytes come from; it only
    // appears in error messages. `what` names that space ("file offset", "physical address").
    ByteView(const std::byte* data, std::size_t size, std::uint64_t base = 0,
             const char* what = "offset")
        : data_(data), size_(size), base_(base), what_(what) {}
    explicit ByteView(std::span<const std::byte> bytes, std::uint64_t base = 0,
                      const char* what = "offset")
        : ByteView(bytes.data(), bytes.size(), base, what) {}

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    std::uint64_t base() const noexcept { return base_; }
    const char* what() const noexcept { return what_; }
    const std::byte* data() const noexcept { return data_; }
    std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }

    // True when [offset, offset+length) lies inside the view (no overflow possible).
    bool contains(std::uint64_t offset, std::uint64_t length) const noexcept {
        return offset <= size_ && length <= size_ - offset;
    }

    // The sub-range [offset, offset+length); fails with OutOfBounds naming the absolute offset.
    Expected<ByteView> slice(std::uint64_t offset, std::uint64_t length) const {
        if (!contains(offset, length))
            return outOfBounds(offset, length);
        return ByteView(data_ + offset, static_cast<std::size_t>(length), base_ + offset, what_);
    }

    // A trivially copyable value at `offset` (unaligned, little-endian host assumed: x86-64).
    template <typename T> Expected<T> read(std::uint64_t offset) const {
        static_assert(std::is_trivially_copyable_v<T>);
        if (!contains(offset, sizeof(T)))
            return outOfBounds(offset, sizeof(T));
        T value;
        std::memcpy(&value, data_ + offset, sizeof(T));
        return value;
    }

    // `out.size()` consecutive values from `offset` on (a page of PTEs, a handle-table leaf, a
    // UTF-16 string): the whole range is checked once, then copied.
    template <typename T, std::size_t N>
    Expected<void> readArray(std::uint64_t offset, std::span<T, N> out) const {
        static_assert(std::is_trivially_copyable_v<T>);
        if (out.size() > size_ / sizeof(T) || !contains(offset, out.size() * sizeof(T)))
            return outOfBounds(offset, static_cast<std::uint64_t>(out.size()) * sizeof(T));
        if (!out.empty())
            std::memcpy(out.data(), data_ + offset, out.size() * sizeof(T));
        return {};
    }

  private:
    Error outOfBounds(std::uint64_t offset, std::uint64_t length) const {
        return makeError(ErrorCode::OutOfBounds,
                         "read of {} bytes at {} {:#x} runs past the end (only {:#x} bytes, up to "
                         "{:#x})",
                         length, what_, base_ + offset, size_, base_ + size_);
    }

    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
    std::uint64_t base_ = 0;
    const char* what_ = "offset";
};

} // namespace dumpprocs
