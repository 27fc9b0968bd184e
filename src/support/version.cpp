#include "dumpprocs/support/version.hpp"

// Set by src/CMakeLists.txt for the library; the fallbacks serve a build outside it.
#ifndef DUMPPROCS_VERSION
#define DUMPPROCS_VERSION "0.0.0"
#endif
#ifndef DUMPPROCS_GIT_REVISION
#define DUMPPROCS_GIT_REVISION "unknown"
#endif

namespace dumpprocs {

std::string toolVersion() {
    return std::string(DUMPPROCS_VERSION) + " (git " + DUMPPROCS_GIT_REVISION + ")";
}

} // namespace dumpprocs
