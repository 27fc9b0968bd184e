// Fuzz target: a Volatility 3 ISF symbol file, as --symbols reads it. Loads it (JSON or xz, the
// streaming parse, every type and member), runs the structural profile check and resolves the
// kernel layout from what passed. Checks that the layout of a profile that passed the check reads
// nothing outside the types it knows the size of: the invariant the views rely on.

#include <cstdlib>

#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/kernel/profile_validator.hpp"
#include "fuzz_support.hpp"

using namespace dumpprocs;

namespace {

void requireInside(std::uint64_t offset, std::uint64_t width, std::uint32_t size) {
    if (size != 0 && offset + width > size)
        std::abort();
}

void checkLayout(const kernel::Profile& profile, const kernel::KernelLayout& layout) {
    const auto& p = layout.process;
    const std::uint32_t eprocess = profile.sizeOf("_EPROCESS").value_or(0);
    for (const auto& [offset, width] : {std::pair{p.header_type, 1u},
                                        {p.directory_table_base, 8u},
                                        {p.unique_process_id, 8u},
                                        {p.active_process_links, 16u},
                                        {p.mm_process_links, 16u},
                                        {p.inherited_from_pid, 8u},
                                        {p.image_file_name, 15u},
                                        {p.create_time, 8u},
                                        {p.exit_time, 8u},
                                        {p.active_threads, 4u},
                                        {p.thread_list_head, 16u},
                                        {p.peb, 8u}})
        requireInside(offset, width, eprocess);
    for (const auto& bit : {p.inserted, p.exiting, p.deleted}) {
        requireInside(bit.offset, 4, eprocess);
        if (bit.bit + bit.width > 32)
            std::abort();
    }
    const auto& t = layout.thread;
    const std::uint32_t ethread = profile.sizeOf("_ETHREAD").value_or(0);
    for (const auto& [offset, width] : {std::pair{t.process, 8u},
                                        {t.apc_state_process, 8u},
                                        {t.cid, 16u},
                                        {t.thread_list_entry, 16u}})
        requireInside(offset, width, ethread);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::InputFile input;
    fuzz::quietLogging();
    auto profile = kernel::loadIsfProfile(input.write(data, size));
    if (!profile) {
        fuzz::consume(profile.error().message);
        return 0;
    }
    auto checked = kernel::checkProfileStructure(*profile);
    if (!checked) {
        fuzz::consume(checked.error().message);
        return 0;
    }
    if (auto layout = kernel::KernelLayout::resolve(*profile, 19041))
        checkLayout(*profile, *layout);
    return 0;
}
