#include "dumpprocs/analysis/symbols.hpp"

#include "dumpprocs/kernel/isf_export.hpp"
#include "dumpprocs/kernel/pdb_loader.hpp"

namespace dumpprocs::analysis {

Expected<std::string> exportIsfOfPdb(const std::filesystem::path& pdb) {
    DP_TRY(auto profile, kernel::loadPdbProfile(pdb));
    return kernel::exportIsf(profile);
}

} // namespace dumpprocs::analysis
