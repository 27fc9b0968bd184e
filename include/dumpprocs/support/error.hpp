#pragma once
// Error values carried by every fallible read. An Error says what failed and where (a file offset
// or an address, already formatted into the message), so a caller can add context and pass it on.

#include <cstdint>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace dumpprocs {

enum class ErrorCode {
    Io,          // the file cannot be opened or mapped
    NotADump,    // no PAGE signature: not a Windows crash dump at all
    Unsupported, // a real dump, but of a kind this tool does not read (32-bit, ARM64, type 2, ...)
    Corrupt,     // a header value contradicts the file (runs past EOF, counts disagree, overflow)
    OutOfBounds, // a read past the end of a buffer or file
    PageNotInDump, // physical page absent from the dump
    Truncated,     // physical page the dump holds, but past the end of a cut-short file
    NotMapped,     // a page-table entry on the way is not present (and not a usable transition PTE)
    PagedOut,      // software PTE: the page lives in a pagefile, which a crash dump never holds
    Prototype,     // prototype PTE: would need the section's prototype PTEs
    NonCanonical,  // virtual address is not canonical
    InvalidData,   // a kernel structure does not look like what it should be
    NotFound,      // a symbol, field, profile or object could not be found
    Usage,         // a bad argument from the user
};

const char* errorCodeName(ErrorCode code) noexcept;

// The memory the read needed is not in the file (never saved, or cut off with the file's end).
inline bool isMissingMemory(ErrorCode code) noexcept {
    return code == ErrorCode::PageNotInDump || code == ErrorCode::Truncated;
}

struct Error {
    ErrorCode code;
    std::string message;

    // Prefix the message with what the caller was doing: "reading _EPROCESS at 0x...: <msg>".
    Error context(const std::string& what) const { return Error{code, what + ": " + message}; }
};

template <typename... Args>
Error makeError(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
    return Error{code, fmt::format(format, std::forward<Args>(args)...)};
}

} // namespace dumpprocs
