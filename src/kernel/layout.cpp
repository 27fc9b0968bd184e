#include "dumpprocs/kernel/layout.hpp"

#include <fmt/format.h>

#include "dumpprocs/kernel/profile_manifest.hpp"
#include "dumpprocs/kernel/profile_validator.hpp"

namespace dumpprocs::kernel {
namespace {

// Collects members by qualified name; remembers which ones the profile lacks.
class Resolver {
  public:
    explicit Resolver(const Profile& profile) : profile_(profile) {}

    std::uint32_t required(ProfileMember id) {
        if (const MemberInfo* m = find(id))
            return m->offset;
        missing_required.push_back(manifestEntry(id).qualified());
        return 0;
    }
    std::optional<std::uint32_t> optional(ProfileMember id) {
        if (const MemberInfo* m = find(id))
            return m->offset;
        missing.push_back(manifestEntry(id).qualified());
        return std::nullopt;
    }
    std::optional<std::uint32_t> either(ProfileMember a, ProfileMember b) {
        if (const MemberInfo* m = find(a))
            return m->offset;
        return optional(b);
    }
    std::optional<BitRef> optionalBit(ProfileMember id) {
        const MemberInfo* m = find(id);
        if (!m) {
            missing.push_back(manifestEntry(id).qualified());
            return std::nullopt;
        }
        BitRef ref;
        ref.offset = m->offset;
        ref.bit = m->bit_position;
        ref.width = m->bit_length ? m->bit_length : 1;
        ref.container_size = static_cast<std::uint8_t>(m->size ? m->size : 4);
        return ref;
    }
    BitRef requiredBit(ProfileMember id) {
        if (auto ref = optionalBit(id))
            return *ref;
        missing.pop_back();
        missing_required.push_back(manifestEntry(id).qualified());
        return {};
    }

    std::vector<std::string> missing;
    std::vector<std::string> missing_required;

  private:
    // Only manifest members can be resolved: profile_members.def lists what the tool reads.
    const MemberInfo* find(ProfileMember id) const {
        const ManifestEntry& e = manifestEntry(id);
        const TypeInfo* type = profile_.type(e.type);
        return type ? type->member(e.member) : nullptr;
    }

    const Profile& profile_;
};

ProcessLayout resolveProcess(Resolver& r, const Profile& profile) {
    ProcessLayout p;
    p.size = profile.sizeOf("_EPROCESS").value_or(0);
    p.header_type = r.required(ProfileMember::KprocessHeader);
    p.directory_table_base = r.required(ProfileMember::KprocessDirectoryTableBase);
    p.unique_process_id = r.required(ProfileMember::EprocessUniqueProcessId);
    p.active_process_links = r.required(ProfileMember::EprocessActiveProcessLinks);
    p.mm_process_links = r.required(ProfileMember::EprocessMmProcessLinks);
    p.inherited_from_pid = r.required(ProfileMember::EprocessInheritedFromUniqueProcessId);
    p.image_file_name = r.required(ProfileMember::EprocessImageFileName);
    p.create_time = r.required(ProfileMember::EprocessCreateTime);
    p.exit_time = r.required(ProfileMember::EprocessExitTime);
    p.active_threads = r.required(ProfileMember::EprocessActiveThreads);
    p.thread_list_head = r.required(ProfileMember::EprocessThreadListHead);
    p.peb = r.required(ProfileMember::EprocessPeb);
    p.object_table = r.optional(ProfileMember::EprocessObjectTable);
    p.inserted = r.requiredBit(ProfileMember::EprocessProcessInserted);
    p.exiting = r.requiredBit(ProfileMember::EprocessProcessExiting);
    p.deleted = r.requiredBit(ProfileMember::EprocessProcessDelete);
    p.minimal = r.optionalBit(ProfileMember::EprocessMinimal);
    p.process_list_entry = r.optional(ProfileMember::KprocessProcessListEntry);
    p.session_process_links = r.optional(ProfileMember::EprocessSessionProcessLinks);
    p.session = r.optional(ProfileMember::EprocessSession);
    // One member under two spellings (WoW64Process from Windows 10 on): missing only if both are.
    p.wow64_process =
        r.either(ProfileMember::EprocessWow64Process, ProfileMember::EprocessWoW64Process);
    const auto audit = r.optional(ProfileMember::EprocessSeAuditProcessCreationInfo);
    const auto image_name = r.optional(ProfileMember::SeAuditImageFileName);
    if (audit && image_name)
        p.image_path_name = *audit + *image_name;
    return p;
}

ThreadLayout resolveThread(Resolver& r) {
    ThreadLayout t;
    t.header_type = r.required(ProfileMember::KthreadHeader);
    t.process = r.required(ProfileMember::KthreadProcess);
    t.apc_state_process =
        r.required(ProfileMember::KthreadApcState) + r.required(ProfileMember::KapcStateProcess);
    t.cid = r.required(ProfileMember::EthreadCid);
    t.thread_list_entry = r.required(ProfileMember::EthreadThreadListEntry);
    t.state = r.optional(ProfileMember::KthreadState);
    t.priority = r.optional(ProfileMember::KthreadPriority);
    t.wait_time = r.optional(ProfileMember::KthreadWaitTime);
    return t;
}

ObjectHeaderLayout resolveObjectHeader(Resolver& r, std::uint32_t build) {
    ObjectHeaderLayout h;
    // No default offsets: a symbol file without them had them filled from the built-in rows
    // (fillFromBuiltinRows, shown by --show-profile), else they are missing and named.
    h.body = r.required(ProfileMember::ObjectHeaderBody);
    h.type_index = r.required(ProfileMember::ObjectHeaderTypeIndex);
    h.info_mask = r.required(ProfileMember::ObjectHeaderInfoMask);
    h.pointer_count = r.required(ProfileMember::ObjectHeaderPointerCount);
    h.handle_count = r.required(ProfileMember::ObjectHeaderHandleCount);
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
    layout.handle_table.table_code = r.optional(ProfileMember::HandleTableTableCode).value_or(0);
    layout.handle_table.era = profile.handle_era;
    layout.handle_table_list.handle_table_list =
        r.optional(ProfileMember::HandleTableHandleTableList);
    layout.handle_table_list.quota_process = r.optional(ProfileMember::HandleTableQuotaProcess);
    layout.handle_table_list.unique_process_id =
        r.optional(ProfileMember::HandleTableUniqueProcessId);
    layout.session.session_id = r.optional(ProfileMember::SessionSpaceSessionId);
    layout.session.process_list = r.optional(ProfileMember::SessionSpaceProcessList);
    layout.object_type.name = r.optional(ProfileMember::ObjectTypeName);
    layout.object_type.index = r.optional(ProfileMember::ObjectTypeIndex);
    layout.object_type.total_objects = r.optional(ProfileMember::ObjectTypeTotalNumberOfObjects);
    layout.object_type.total_handles = r.optional(ProfileMember::ObjectTypeTotalNumberOfHandles);
    layout.prcb.current_thread = r.optional(ProfileMember::KprcbCurrentThread);
    layout.prcb.idle_thread = r.optional(ProfileMember::KprcbIdleThread);
    layout.prcb.number = r.optional(ProfileMember::KprcbNumber);
    auto base = r.optional(ProfileMember::LoaderDllBase);
    auto size = r.optional(ProfileMember::LoaderSizeOfImage);
    auto name = r.optional(ProfileMember::LoaderBaseDllName);
    if (base && size && name)
        layout.loader_entry =
            LoaderEntryLayout{*base, *size, *name, r.optional(ProfileMember::LoaderFullDllName),
                              r.optional(ProfileMember::LoaderInLoadOrderLinks)};
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
