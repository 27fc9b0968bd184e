#pragma once
// What a LIST_ENTRY walk means for the view that made it: shared by every list view.
#include "dumpprocs/kernel/list_walker.hpp"
#include "dumpprocs/views/views.hpp"

namespace dumpprocs::views {

// A ring that did not close, and one whose Blinks do not point back, are both damaged: what was
// listed stands, but the view cannot vouch that it saw everything.
inline void takeWalkWarnings(ViewResult& view, const kernel::ListWalk& walk) {
    view.warnings.insert(view.warnings.end(), walk.warnings.begin(), walk.warnings.end());
    if (!walk.closed || !walk.warnings.empty())
        view.complete = false;
    view.exhaustive = view.exhaustive && walk.exhaustive;
    if (!walk.exhaustive)
        view.gaps.push_back(walk.gap);
}

} // namespace dumpprocs::views
