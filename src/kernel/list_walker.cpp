#include "dumpprocs/kernel/list_walker.hpp"

#include <optional>
#include <unordered_set>

#include <fmt/format.h>

#include "dumpprocs/formats/nt.hpp"

namespace dumpprocs::kernel {
namespace {

using formats::kBlinkOffset; // LIST_ENTRY64 { Flink; Blink; }
// Back-link mismatches are reported one by one up to this many, then counted: a hostile ring
// can have one per node, and the node cap alone would allow a million messages.
constexpr std::size_t kMaxBackLinkWarnings = 64;

// One direction of a ring walk; `link_offset` 0 follows Flink, 8 follows Blink.
struct Walk {
    std::vector<std::uint64_t> nodes;
    bool closed = false;
    std::vector<std::string> warnings;
    std::size_t back_link_mismatches = 0;
    std::uint64_t first_mismatch = 0; // the node whose back link was first found wrong
    bool looped = false;              // stopped at a cycle or the cap, not at a bad link
    // Why the walk stopped when it did not close (the first warning's text), and the node it
    // was sent to but could not read, when that was the reason.
    std::string stop;
    std::optional<std::uint64_t> unreadable_next;
};

// One link (`offset` 0: Flink, 8: Blink) of the LIST_ENTRY at `entry`: from `known` when it has
// the entry, else read.
Expected<std::uint64_t> readLink(const VirtualMemory& as, const ListWalkOptions& options,
                                 std::uint64_t entry, std::uint64_t offset) {
    if (options.known_links)
        if (auto links = options.known_links(entry))
            return offset == 0 ? links->Flink : links->Blink;
    return as.read<std::uint64_t>(entry + offset);
}

Walk walkDirection(const VirtualMemory& as, std::uint64_t start, std::uint64_t link_offset,
                   const ListWalkOptions& options, bool check_back_link) {
    const std::size_t max_nodes = options.max_nodes;
    const char* link = link_offset == 0 ? "Flink" : "Blink";
    const char* back = link_offset == 0 ? "Blink" : "Flink";
    Walk w;
    std::unordered_set<std::uint64_t> seen{start};
    std::uint64_t node = start;
    std::size_t back_link_mismatches = 0;
    while (true) {
        auto next = readLink(as, options, node, link_offset);
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
            w.looped = true;
            w.warnings.push_back(fmt::format("cycle: {} of {:#x} returns to {:#x} without coming "
                                             "back to the head {:#x}",
                                             link, node, *next, start));
            break;
        }
        if (w.nodes.size() >= max_nodes) {
            w.looped = true;
            w.warnings.push_back(fmt::format("stopped after {} entries (the cap); the list may be "
                                             "longer or corrupt",
                                             max_nodes));
            break;
        }
        // The node must be readable before it counts as an entry.
        auto back_value = readLink(as, options, *next, kBlinkOffset - link_offset);
        if (!back_value) {
            w.warnings.push_back(fmt::format("{} of {:#x} is {:#x}, which cannot be read: {}", link,
                                             node, *next, back_value.error().message));
            w.unreadable_next = *next;
            break;
        }
        if (check_back_link && *back_value != node) {
            if (back_link_mismatches == 0)
                w.first_mismatch = *next;
            if (++back_link_mismatches <= kMaxBackLinkWarnings)
                w.warnings.push_back(fmt::format("{:#x}: {} is {:#x}, expected {:#x}", *next, back,
                                                 *back_value, node));
        }
        w.nodes.push_back(*next);
        node = *next;
    }
    if (!w.closed && !w.warnings.empty())
        w.stop = w.warnings.back();
    w.back_link_mismatches = back_link_mismatches;
    if (back_link_mismatches > kMaxBackLinkWarnings)
        w.warnings.push_back(fmt::format("... {} {} mismatches in all, {} shown",
                                         back_link_mismatches, back, kMaxBackLinkWarnings));
    return w;
}

} // namespace

ListWalk walkList(const VirtualMemory& as, std::uint64_t start, const ListWalkOptions& options) {
    Walk forward = walkDirection(as, start, 0, options, true);
    ListWalk result;
    result.nodes = std::move(forward.nodes);
    result.closed = forward.closed;
    result.warnings = std::move(forward.warnings);
    if (result.closed) {
        // A Blink that does not point back means something rewrote the ring: what Flink reaches
        // is listed, but the ring cannot vouch that nothing else belongs on it.
        result.exhaustive = forward.back_link_mismatches == 0;
        if (!result.exhaustive)
            result.gap = fmt::format("the ring closed, but {} Blink(s) do not point back",
                                     forward.back_link_mismatches);
        return result;
    }
    if (!options.recover_backwards) {
        result.gap = fmt::format("the Flink walk stopped: {}", forward.stop);
        return result;
    }

    // The Flink chain broke: the nodes before the head in Blink order are still reachable.
    Walk backward = walkDirection(as, start, kBlinkOffset, options, false);
    std::unordered_set<std::uint64_t> have(result.nodes.begin(), result.nodes.end());
    std::vector<std::uint64_t> tail;
    std::optional<std::uint64_t> met;
    for (std::uint64_t node : backward.nodes) {
        if (have.count(node)) {
            met = node;
            break;
        }
        tail.push_back(node);
    }
    // The two walks cover the ring when the Blink walk comes back to the very node where the
    // Flink walk stopped, or when both were sent to one node that cannot be read (its two
    // neighbours name it, so it is the only node missing and it is listed by address).
    const std::uint64_t last_forward = result.nodes.empty() ? start : result.nodes.back();
    const bool met_at_break = met && *met == last_forward && !forward.looped;
    const bool same_unreadable = !met && forward.unreadable_next && backward.unreadable_next &&
                                 *forward.unreadable_next == *backward.unreadable_next &&
                                 !have.count(*forward.unreadable_next);
    // The node where the Flink walk broke may itself be the damage (a zeroed page reads Flink
    // and Blink 0): its wrong Blink is the break, not a sign of a rewritten ring.
    const bool links_consistent =
        forward.back_link_mismatches == 0 ||
        (met_at_break && forward.back_link_mismatches == 1 && forward.first_mismatch == *met);
    result.exhaustive = (met_at_break || same_unreadable) && links_consistent;
    result.recovered_backwards = tail.size();
    if (same_unreadable)
        result.nodes.push_back(*forward.unreadable_next);
    result.nodes.insert(result.nodes.end(), tail.rbegin(), tail.rend());
    if (!tail.empty())
        result.warnings.push_back(fmt::format(
            "recovered {} more entries by walking Blink back from {:#x}", tail.size(), start));
    if (same_unreadable)
        result.warnings.push_back(fmt::format(
            "the Flink and the Blink walks both lead to {:#x}, which cannot be read: it is listed "
            "as the only entry between them",
            *forward.unreadable_next));
    if (!result.exhaustive) {
        std::string blink_walk =
            met_at_break || same_unreadable ? "met it there"
            : met ? fmt::format("came back to {:#x}, not to {:#x} where the Flink walk stopped",
                                *met, last_forward)
            : backward.closed ? "closed without meeting it"
                              : fmt::format("stopped too: {}", backward.stop);
        result.gap = fmt::format("the Flink walk stopped: {}; the Blink walk from {:#x} {}{}",
                                 forward.stop, start, blink_walk,
                                 links_consistent ? ""
                                                  : fmt::format("; {} Blink(s) do not point back",
                                                                forward.back_link_mismatches));
    }
    return result;
}

ListValidation validateList(const VirtualMemory& as, std::uint64_t head, std::size_t max_nodes) {
    ListWalkOptions options;
    options.max_nodes = max_nodes;
    Walk forward = walkDirection(as, head, 0, options, true);
    Walk backward = walkDirection(as, head, kBlinkOffset, options, true);
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
