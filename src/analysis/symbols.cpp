#include "dumpprocs/analysis/symbols.hpp"

#include "dumpprocs/kernel/isf_export.hpp"
#include "dumpprocs/kernel/pdb_loader.hpp"
#include "dumpprocs/kernel/symbol_search.hpp"

namespace dumpprocs::analysis {

Expected<std::string> exportIsfOfPdb(const std::filesystem::path& pdb) {
    DP_TRY(auto profile, kernel::loadPdbFileProfile(pdb)); // .pdb or .pd_
    return kernel::exportIsf(profile);
}

} // namespace dumpprocs::analysis
