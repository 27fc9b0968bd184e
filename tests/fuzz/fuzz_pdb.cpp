// Fuzz target: a program database (or a cabinet holding one, ntkrnlmp.pd_), as --symbols and the
// symbol path read it: the MSF container, the TPI, DBI and symbol streams through LLVM's PDB
// libraries, every type and member, then the structural profile check, the kernel layout of what
// passed, and the ISF export. The loader's own bounds (superblock sizes against the file, type
// record and field-list budgets) must keep every input inside scripts/fuzz.sh's malloc and time
// limits; a profile that passed the check must export.

#include <cstdlib>
#include <string>

#include "dumpprocs/kernel/isf_export.hpp"
#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/kernel/profile_validator.hpp"
#include "dumpprocs/kernel/symbol_search.hpp"
#include "fuzz_support.hpp"

using namespace dumpprocs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::InputFile input;
    fuzz::quietLogging();
    auto profile = kernel::loadSymbolProfile(input.write(data, size));
    if (!profile) {
        if (profile.error().message.empty())
            std::abort(); // every refusal says why
        fuzz::consume(profile.error().message);
        return 0;
    }
    if (profile->pdb_ids.empty())
        return 0; // read as an ISF file (no PDB or cabinet signature): fuzz_isf's ground
    auto checked = kernel::checkProfileStructure(*profile);
    if (!checked) {
        fuzz::consume(checked.error().message);
        return 0;
    }
    if (auto layout = kernel::KernelLayout::resolve(*profile, 19041))
        fuzz::consume(std::to_string(layout->process.image_file_name));
    const std::string isf = kernel::exportIsf(*profile);
    if (isf.empty())
        std::abort();
    fuzz::consume(isf);
    return 0;
}
