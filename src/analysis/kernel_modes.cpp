#include "dumpprocs/analysis/kernel_modes.hpp"

namespace dumpprocs::analysis {
namespace {

// The longest ring --validate-list walks before it calls the list broken.
constexpr std::size_t kMaxValidateNodes = 1 << 20;

} // namespace

kernel::CpuList cpus(const kernel::KernelContext& k) {
    return kernel::readCpus(k);
}

kernel::ListValidation validateList(const kernel::KernelContext& k, std::uint64_t head) {
    return kernel::validateList(k.addressSpace(), head, kMaxValidateNodes);
}

Expected<kernel::TypeDump> dumpType(const kernel::KernelContext& k, const std::string& type,
                                    std::uint64_t address, const std::string& pattern) {
    const bool nested = k.profile().source == kernel::ProfileSource::Pdb;
    return kernel::dumpType(k.profile(), type, address, k.addressSpace(), pattern, nested);
}

} // namespace dumpprocs::analysis
