#pragma once
// This build's version, as --version prints it and as the compiled-profile cache records it (an
// entry written by another build is rebuilt).

#include <string>

namespace dumpprocs {

// "<version> (git <revision>)".
std::string toolVersion();

} // namespace dumpprocs
