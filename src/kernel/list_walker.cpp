#include "dumpprocs/kernel/list_walker.hpp"

#include <unordered_set>

#include <fmt/format.h>

namespace dumpprocs::kernel {
namespace {

constexpr std::uint64_t kBlinkOffset = 8; // LIST_ENTRY { Flink; Blink; }
// Back-link mismatches are reported one by one up to this many, then counted: a hostile ring
// can have one per node, and the node cap alone would allow a million messages.
constexpr std::size_t kMaxBackLinkWarnings = 64;

// One direction of a ring walk; `link_offset` 0 follows Flink, 8 follows Blink.
struct Walk {
    std::vector<std::uint64_t> nodes;
    bool closed = false;
    std::vector<std::string> warnings;
};

Walk walkDirection(const VirtualMemory& as, std::uint64_t start, std::uint64_t link_offset,
                   std::size_t max_nodes, bool check_back_link) {
    const char* link = link_offset == 0 ? "Flink" : "Blink";
    const char* back = link_offset == 0 ? "Blink" : "Flink";
    Walk w;
    std::unordered_set<std::uint64_t> seen{start};
    std::uint64_t node = start;
    std::size_t back_link_mismatches = 0;
    while (true) {
        auto next = as.read<std::uint64_t>(node + link_offset);
        if (!next) {
            w.warnings.push_back(
                fmt::format("{} of {:#x} unreadable: {}", link, node, next.error().message));
            break;
        }
        if (*next == start) {
            w.closed = true;
            break;
        }
        if (!isCanonical(*next) || !isKernelAddress(*next)) {
            w.warnings.push_back(
                fmt::format("{} of {:#x} is {:#x}, not a kernel address", link, node, *next));
            break;
        }
        if (!seen.insert(*next).second) {
            w.warnings.push_back(fmt::format("cycle: {} of {:#x} returns to {:#x} without coming "
                                             "back to the head {:#x}",
                                             link, node, *next, start));
            break;
        }
        if (w.nodes.size() >= max_nodes) {
            w.warnings.push_back(fmt::format("stopped after {} entries (the cap); the list may be "
                                             "longer or corrupt",
                                             max_nodes));
            break;
        }
        // The node must be readable before it counts as an entry.
        auto back_value = as.read<std::uint64_t>(*next + (kBlinkOffset - link_offset));
        if (!back_value) {
            w.warnings.push_back(fmt::format("{} of {:#x} is {:#x}, which cannot be read: {}", link,
                                             node, *next, back_value.error().message));
            break;
        }
        if (check_back_link && *back_value != node &&
            ++back_link_mismatches <= kMaxBackLinkWarnings)
            w.warnings.push_back(
                fmt::format("{:#x}: {} is {:#x}, expected {:#x}", *next, back, *back_value, node));
        w.nodes.push_back(*next);
        node = *next;
    }
    if (back_link_mismatches > kMaxBackLinkWarnings)
        w.warnings.push_back(fmt::format("... {} {} mismatches in all, {} shown",
                                         back_link_mismatches, back, kMaxBackLinkWarnings));
    return w;
}

} // namespace

ListWalk walkList(const VirtualMemory& as, std::uint64_t start, const ListWalkOptions& options) {
    Walk forward = walkDirection(as, start, 0, options.max_nodes, true);
    ListWalk result;
    result.nodes = std::move(forward.nodes);
    result.closed = forward.closed;
    result.warnings = std::move(forward.warnings);
    if (result.closed || !options.recover_backwards)
        return result;

    // The Flink chain broke: the nodes before the head in Blink order are still reachable.
    Walk backward = walkDirection(as, start, kBlinkOffset, options.max_nodes, false);
    std::unordered_set<std::uint64_t> have(result.nodes.begin(), result.nodes.end());
    std::vector<std::uint64_t> tail;
    for (std::uint64_t node : backward.nodes) {
        if (have.count(node))
            break;
        tail.push_back(node);
    }
    result.recovered_backwards = tail.size();
    result.nodes.insert(result.nodes.end(), tail.rbegin(), tail.rend());
    if (!tail.empty())
        result.warnings.push_back(fmt::format(
            "recovered {} more entries by walking Blink back from {:#x}", tail.size(), start));
    return result;
}

ListValidation validateList(const VirtualMemory& as, std::uint64_t head, std::size_t max_nodes) {
    Walk forward = walkDirection(as, head, 0, max_nodes, true);
    Walk backward = walkDirection(as, head, kBlinkOffset, max_nodes, true);
    ListValidation v;
    v.forward_entries = forward.nodes.size();
    v.backward_entries = backward.nodes.size();
    v.forward_closed = forward.closed;
    v.backward_closed = backward.closed;
    v.problems = std::move(forward.warnings);
    v.problems.insert(v.problems.end(), backward.warnings.begin(), backward.warnings.end());
    return v;
}

} // namespace dumpprocs::kernel
