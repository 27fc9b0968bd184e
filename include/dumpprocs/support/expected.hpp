#pragma once
// Expected<T>: a value or an Error, in the manner of llvm::Expected / std::expected (C++23), which
// g++ 12 in C++20 mode does not offer and Debian packages no backport of.

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "dumpprocs/support/error.hpp"

namespace dumpprocs {

// Lets `return makeError(...)` and `return Unexpected{err}` convert into any Expected<T>.
struct Unexpected {
    Error error;
};

template <typename T> class [[nodiscard]] Expected {
  public:
    using value_type = T;

    Expected(const T& value) : state_(value) {}
    Expected(T&& value) : state_(std::move(value)) {}
    Expected(Error error) : state_(std::move(error)) {}
    Expected(Unexpected u) : state_(std::move(u.error)) {}
    template <typename U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
             !std::is_same_v<std::decay_t<U>, Error> &&
             !std::is_same_v<std::decay_t<U>, Unexpected> &&
             !std::is_same_v<std::decay_t<U>, Expected>) Expected(U&& value)
        : state_(T(std::forward<U>(value))) {}

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        assert(has_value());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(has_value());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(state_));
    }
    T value_or(T fallback) const { return has_value() ? std::get<0>(state_) : fallback; }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& {
        assert(!has_value());
        return std::get<1>(state_);
    }
    Error&& error() && {
        assert(!has_value());
        return std::get<1>(std::move(state_));
    }

  private:
    std::variant<T, Error> state_;
};

template <> class [[nodiscard]] Expected<void> {
  public:
    Expected() = default;
    Expected(Error error) : error_(std::move(error)), failed_(true) {}
    Expected(Unexpected u) : error_(std::move(u.error)), failed_(true) {}

    bool has_value() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return !failed_; }
    const Error& error() const& {
        assert(failed_);
        return error_;
    }

  private:
    Error error_{ErrorCode::Io, {}};
    bool failed_ = false;
};

} // namespace dumpprocs

// Propagates an error out of the enclosing function: `DP_TRY(auto hdr, readHeader(view));`
#define DP_CONCAT_INNER(a, b) a##b
#define DP_CONCAT(a, b) DP_CONCAT_INNER(a, b)
#define DP_TRY_IMPL(tmp, decl, expr)                                                               \
    auto tmp = (expr);                                                                             \
    if (!tmp.has_value())                                                                          \
        return ::dumpprocs::Unexpected{std::move(tmp).error()};                                    \
    decl = std::move(tmp).value()
#define DP_TRY(decl, expr) DP_TRY_IMPL(DP_CONCAT(dp_try_, __LINE__), decl, expr)
// For Expected<void> (or when the value is not needed).
#define DP_CHECK(expr)                                                                             \
    do {                                                                                           \
        auto dp_check_ = (expr);                                                                   \
        if (!dp_check_.has_value())                                                                \
            return ::dumpprocs::Unexpected{dp_check_.error()};                                     \
    } while (0)
