// Fuzz target: the body of a compiled-profile cache entry (kernel/profile_cache.*), the part after
// the header. The target puts a valid header in front (magic, format, a tool version and source
// stamp it then expects) and a correct CRC-32 behind, so every input reaches the profile reader
// rather than stopping at the checksum. Checks that an entry that decodes is exactly the entry
// the encoder writes for the profile it gives (nothing read is silently dropped or defaulted),
// then runs the structural profile check and resolves the layout as for a parsed symbol file.
// The raw input is also decoded as a whole entry, to reach the header checks.

#include <cstdlib>
#include <string>
#include <string_view>

#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/kernel/profile_cache.hpp"
#include "dumpprocs/kernel/profile_validator.hpp"
#include "fuzz_support.hpp"

using namespace dumpprocs;

namespace {

const kernel::SourceStamp kStamp{"/fuzz/nt.json.xz", 1, 1};
constexpr const char* kVersion = "fuzz";

// The header an entry for kStamp starts with: an empty profile's entry minus its profile part
// (four empty strings, build, source, era, three zero counts) and its checksum.
const std::string& header() {
    static const std::string h = [] {
        const std::string empty = kernel::encodeProfileCache({}, kStamp, kVersion);
        return empty.substr(0, empty.size() - (4 * 4 + 4 + 1 + 1 + 3 * 4) - 4);
    }();
    return h;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::quietLogging();
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (auto whole = kernel::decodeProfileCache(input, kStamp, kVersion); !whole)
        fuzz::consume(whole.error().message);
    std::string entry = header();
    entry.append(input);
    const std::uint32_t sum = kernel::crc32(entry);
    for (int i = 0; i < 4; ++i)
        entry.push_back(static_cast<char>(sum >> (8 * i)));
    auto profile = kernel::decodeProfileCache(entry, kStamp, kVersion);
    if (!profile) {
        fuzz::consume(profile.error().message);
        return 0;
    }
    if (kernel::encodeProfileCache(*profile, kStamp, kVersion) != entry)
        std::abort();
    if (auto checked = kernel::checkProfileStructure(*profile); !checked) {
        fuzz::consume(checked.error().message);
        return 0;
    }
    if (auto layout = kernel::KernelLayout::resolve(*profile, 19041); !layout)
        fuzz::consume(layout.error().message);
    return 0;
}
