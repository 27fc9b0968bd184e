#include "dumpprocs/analysis/info.hpp"

#include "dumpprocs/analysis/session.hpp"
#include "dumpprocs/dumpfile/crash_dump.hpp"
#include "dumpprocs/dumpfile/raw_image.hpp"

namespace dumpprocs::analysis {
namespace {

CrashDumpInfo crashDumpInfo(const dumpfile::CrashDump& dump) {
    const auto& h = dump.header();
    CrashDumpInfo d;
    d.path = dump.path().string();
    d.file_size = dump.fileSize();
    d.dump_type = h.dump_type;
    d.dump_type_name = dumpfile::dumpTypeName(h.dump_type);
    d.major_version = h.major_version;
    d.build = h.minor_version;
    d.processors = h.number_processors;
    d.machine = h.machine_image_type;
    d.product_type = h.product_type;
    d.system_time = h.system_time;
    d.system_uptime = h.system_uptime;
    d.bugcheck_code = h.bugcheck_code;
    d.bugcheck_parameters = h.bugcheck_parameters;
    d.directory_table_base = h.directory_table_base;
    d.ps_loaded_module_list = h.ps_loaded_module_list;
    d.ps_active_process_head = h.ps_active_process_head;
    d.kd_debugger_data_block = h.kd_debugger_data_block;
    d.pfn_database = h.pfn_database;
    d.comment = h.comment;
    d.has_physical_memory = dump.hasPhysicalMemory();
    d.present_pages = dump.hasPhysicalMemory() ? dump.presentPageCount() : 0;
    for (const auto& run : dump.runs())
        d.runs.push_back({run.base_page, run.page_count});
    if (const auto* saved = dump.triageMemory())
        d.saved_memory =
            CrashDumpInfo::SavedMemory{saved->ranges().size(), saved->savedBytes(), saved->prcb(),
                                       saved->thread(), saved->process()};
    d.warnings = dump.warnings();
    return d;
}

RawImageInfo rawImageInfo(const dumpfile::RawImage& image) {
    return RawImageInfo{image.path().string(), image.fileSize(), image.pageSpan(),
                        image.presentPageCount(), image.dataRuns().size()};
}

} // namespace

InfoModel containerInfo(const Session& session, std::string kernel_problem) {
    InfoModel m;
    m.kernel_problem = std::move(kernel_problem);
    if (const auto* raw = session.rawImage()) {
        m.raw = rawImageInfo(*raw);
        m.discovery = session.discovery();
    } else {
        m.dump = crashDumpInfo(*session.crashDump());
    }
    if (session.hasSavedDriverList())
        m.modules = kernel::modulesFromTriage(*session.crashDump()->triage());
    return m;
}

KernelSummary summarizeKernel(const kernel::KernelContext& k) {
    KernelSummary s;
    s.facts = k.facts();
    s.image = k.kernelImage();
    s.profile_name = k.profile().name;
    s.profile_method = k.profileChoice().method;
    s.ps_active_process_head = k.psActiveProcessHead();
    s.ps_loaded_module_list = k.psLoadedModuleList();
    s.psp_cid_table = k.pspCidTable();
    s.cid_table_problem = k.cidTableProblem();
    if (k.kdbg())
        s.kdbg_size = k.kdbg()->size;
    s.warnings = k.warnings();
    return s;
}

InfoModel info(Session& session) {
    auto k = session.kernel();
    InfoModel m = containerInfo(session, k ? "" : k.error().message);
    if (!k)
        return m;
    m.kernel = summarizeKernel(**k);
    // The list that places the bugcheck parameters: a triage dump's saved list (above), else
    // PsLoadedModuleList.
    if (!m.modules)
        if (auto modules = kernel::modulesOfKernel(**k))
            m.modules = std::move(*modules);
    return m;
}

} // namespace dumpprocs::analysis
