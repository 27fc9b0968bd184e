#include "dumpprocs/kernel/layout.hpp"

#include <fmt/format.h>

#include "dumpprocs/kernel/profile_validator.hpp"

namespace dumpprocs::kernel {
namespace {

// Collects members by qualified name; remembers which ones the profile lacks.
class Resolver {
  public:
    explicit Resolver(const Profile& profile) : profile_(profile) {}

    std::uint32_t required(std::string_view name) {
        if (const MemberInfo* m = profile_.member(name))
            return m->offset;
        missing_required.emplace_back(name);
        return 0;
    }
    std::optional<std::uint32_t> optional(std::string_view name) {
        if (const MemberInfo* m = profile_.member(name))
            return m->offset;
        missing.emplace_back(name);
        return std::nullopt;
    }
    std::optional<BitRef> optionalBit(std::string_view name) {
        const MemberInfo* m = profile_.member(name);
        if (!m) {
            missing.emplace_back(name);
            return std::nullopt;
        }
        BitRef ref;
        ref.offset = m->offset;
        ref.bit = m->bit_position;
        ref.width = m->bit_length ? m->bit_length : 1;
        ref.container_size = static_cast<std::uint8_t>(m->size ? m->size : 4);
        return ref;
    }
    BitRef requiredBit(std::string_view name) {
        if (auto ref = optionalBit(name))
            return *ref;
        missing.pop_back();
        missing_required.emplace_back(name);
        return {};
    }

    std::vector<std::string> missing;
    std::vector<std::string> missing_required;

  private:
    const Profile& profile_;
};

ProcessLayout resolveProcess(Resolver& r, const Profile& profile) {
    ProcessLayout p;
    p.size = profile.sizeOf("_EPROCESS").value_or(0);
    p.header_type = r.required("_KPROCESS.Header");
    p.directory_table_base = r.required("_KPROCESS.DirectoryTableBase");
    p.unique_process_id = r.required("_EPROCESS.UniqueProcessId");
    p.active_process_links = r.required("_EPROCESS.ActiveProcessLinks");
    p.mm_process_links = r.required("_EPROCESS.MmProcessLinks");
    p.inherited_from_pid = r.required("_EPROCESS.InheritedFromUniqueProcessId");
    p.image_file_name = r.required("_EPROCESS.ImageFileName");
    p.create_time = r.required("_EPROCESS.CreateTime");
    p.exit_time = r.required("_EPROCESS.ExitTime");
    p.active_threads = r.required("_EPROCESS.ActiveThreads");
    p.thread_list_head = r.required("_EPROCESS.ThreadListHead");
    p.peb = r.required("_EPROCESS.Peb");
    p.object_table = r.optional("_EPROCESS.ObjectTable");
    p.inserted = r.requiredBit("_EPROCESS.ProcessInserted");
    p.exiting = r.requiredBit("_EPROCESS.ProcessExiting");
    p.deleted = r.requiredBit("_EPROCESS.ProcessDelete");
    p.minimal = r.optionalBit("_EPROCESS.Minimal");
    p.process_list_entry = r.optional("_KPROCESS.ProcessListEntry");
    p.session_process_links = r.optional("_EPROCESS.SessionProcessLinks");
    p.session = r.optional("_EPROCESS.Session");
    return p;
}

ThreadLayout resolveThread(Resolver& r) {
    ThreadLayout t;
    t.header_type = r.optional("_KTHREAD.Header").value_or(0);
    t.process = r.required("_KTHREAD.Process");
    t.apc_state_process =
        r.required("_KTHREAD.ApcState") + r.optional("_KAPC_STATE.Process").value_or(0x20);
    t.cid = r.required("_ETHREAD.Cid");
    t.thread_list_entry = r.required("_ETHREAD.ThreadListEntry");
    t.state = r.optional("_KTHREAD.State");
    t.priority = r.optional("_KTHREAD.Priority");
    t.wait_time = r.optional("_KTHREAD.WaitTime");
    return t;
}

ObjectHeaderLayout resolveObjectHeader(Resolver& r, std::uint32_t build) {
    ObjectHeaderLayout h;
    h.body = r.optional("_OBJECT_HEADER.Body").value_or(h.body);
    h.type_index = r.optional("_OBJECT_HEADER.TypeIndex").value_or(h.type_index);
    h.info_mask = r.optional("_OBJECT_HEADER.InfoMask").value_or(h.info_mask);
    h.pointer_count = r.optional("_OBJECT_HEADER.PointerCount").value_or(h.pointer_count);
    h.handle_count = r.optional("_OBJECT_HEADER.HandleCount").value_or(h.handle_count);
    // kernel-structures.md §7: TypeIndex is XOR-obfuscated from Windows 10 on.
    h.encoded_type_index = build >= 10240;
    return h;
}

} // namespace

Expected<KernelLayout> KernelLayout::resolve(const Profile& profile, std::uint32_t build) {
    // Every profile the views use becomes offsets here, whatever its source: none is used before
    // its members are known to lie inside their types.
    DP_CHECK(checkProfileStructure(profile));
    Resolver r(profile);
    KernelLayout layout;
    layout.process = resolveProcess(r, profile);
    layout.thread = resolveThread(r);
    layout.object_header = resolveObjectHeader(r, build);
    layout.handle_table.table_code = r.optional("_HANDLE_TABLE.TableCode").value_or(0);
    layout.handle_table.era = profile.handle_era;
    layout.handle_table_list.handle_table_list = r.optional("_HANDLE_TABLE.HandleTableList");
    layout.handle_table_list.quota_process = r.optional("_HANDLE_TABLE.QuotaProcess");
    layout.handle_table_list.unique_process_id = r.optional("_HANDLE_TABLE.UniqueProcessId");
    layout.session.session_id = r.optional("_MM_SESSION_SPACE.SessionId");
    layout.session.process_list = r.optional("_MM_SESSION_SPACE.ProcessList");
    layout.object_type.total_objects = r.optional("_OBJECT_TYPE.TotalNumberOfObjects");
    layout.object_type.total_handles = r.optional("_OBJECT_TYPE.TotalNumberOfHandles");
    layout.prcb.current_thread = r.optional("_KPRCB.CurrentThread");
    layout.prcb.idle_thread = r.optional("_KPRCB.IdleThread");
    layout.prcb.number = r.optional("_KPRCB.Number");
    auto base = r.optional("_KLDR_DATA_TABLE_ENTRY.DllBase");
    auto size = r.optional("_KLDR_DATA_TABLE_ENTRY.SizeOfImage");
    auto name = r.optional("_KLDR_DATA_TABLE_ENTRY.BaseDllName");
    if (base && size && name)
        layout.loader_entry =
            LoaderEntryLayout{*base, *size, *name, r.optional("_KLDR_DATA_TABLE_ENTRY.FullDllName"),
                              r.optional("_KLDR_DATA_TABLE_ENTRY.InLoadOrderLinks")};
    if (!r.missing_required.empty()) {
        std::string list;
        for (const auto& m : r.missing_required)
            list += (list.empty() ? "" : ", ") + m;
        return makeError(ErrorCode::NotFound, "profile {} lacks members the views need: {}",
                         profile.name, list);
    }
    layout.missing = std::move(r.missing);
    return layout;
}

} // namespace dumpprocs::kernel
