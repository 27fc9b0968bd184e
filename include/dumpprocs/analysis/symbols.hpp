#pragma once
// Symbol files on their own, without a dump: --export-isf.

#include <filesystem>
#include <string>

#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::analysis {

// The kernel PDB at `pdb` (ntkrnlmp.pdb) as a Volatility 3 ISF document.
Expected<std::string> exportIsfOfPdb(const std::filesystem::path& pdb);

} // namespace dumpprocs::analysis
