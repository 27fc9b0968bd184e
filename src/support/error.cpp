#include "dumpprocs/support/error.hpp"

namespace dumpprocs {

const char* errorCodeName(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::Io:
        return "io";
    case ErrorCode::NotADump:
        return "not-a-dump";
    case ErrorCode::Unsupported:
        return "unsupported";
    case ErrorCode::Corrupt:
        return "corrupt";
    case ErrorCode::OutOfBounds:
        return "out-of-bounds";
    case ErrorCode::PageNotInDump:
        return "page-not-in-dump";
    case ErrorCode::Truncated:
        return "truncated";
    case ErrorCode::NotMapped:
        return "not-mapped";
    case ErrorCode::PagedOut:
        return "paged-out";
    case ErrorCode::Prototype:
        return "prototype-pte";
    case ErrorCode::NonCanonical:
        return "non-canonical";
    case ErrorCode::InvalidData:
        return "invalid-data";
    case ErrorCode::NotFound:
        return "not-found";
    case ErrorCode::Usage:
        return "usage";
    }
    return "unknown";
}

} // namespace dumpprocs
