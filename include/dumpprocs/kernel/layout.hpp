#pragma once
// KernelLayout: the member offsets the views read, resolved once from a Profile, so walkers share
// one way to read structures and a missing member is reported once, by name, before any walk.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/kernel/profile.hpp"

namespace dumpprocs::kernel {

struct BitRef {
    std::uint32_t offset = 0; // byte offset of the containing integer
    std::uint8_t bit = 0;
    std::uint8_t width = 1;
    std::uint8_t container_size = 4;
};

struct ProcessLayout {
    std::uint32_t size = 0;
    std::uint32_t header_type = 0; // _KPROCESS.Header (_DISPATCHER_HEADER.Type is byte 0)
    std::uint32_t directory_table_base = 0;
    std::uint32_t unique_process_id = 0;
    std::uint32_t active_process_links = 0;
    std::uint32_t mm_process_links = 0;
    std::uint32_t inherited_from_pid = 0;
    std::uint32_t image_file_name = 0;
    std::uint32_t create_time = 0;
    std::uint32_t exit_time = 0;
    std::uint32_t active_threads = 0;
    std::uint32_t thread_list_head = 0; // _EPROCESS.ThreadListHead
    std::uint32_t peb = 0;
    std::optional<std::uint32_t> object_table;
    BitRef inserted, exiting, deleted;
    std::optional<BitRef> minimal; // Flags3.Minimal, 9600+
    // The witnesses beyond the Process Manager's lists (issue 16); nullopt where the row's
    // symbol data lacks them (the view that needs one is then unavailable, naming it).
    std::optional<std::uint32_t> process_list_entry;    // _KPROCESS.ProcessListEntry
    std::optional<std::uint32_t> session_process_links; // _EPROCESS.SessionProcessLinks
    std::optional<std::uint32_t> session;               // _EPROCESS.Session (_MM_SESSION_SPACE*)
    // The responder's columns (issue 17); nullopt where the symbol data lacks them.
    std::optional<std::uint32_t> wow64_process; // _EPROCESS.Wow64Process (WoW64Process on 10+)
    // _EPROCESS.SeAuditProcessCreationInfo + _SE_AUDIT_PROCESS_CREATION_INFO.ImageFileName: the
    // pointer to the _OBJECT_NAME_INFORMATION that holds the full image path.
    std::optional<std::uint32_t> image_path_name;
};

// _MM_SESSION_SPACE: the session's own ring of its processes.
struct SessionLayout {
    std::optional<std::uint32_t> session_id;   // _MM_SESSION_SPACE.SessionId
    std::optional<std::uint32_t> process_list; // _MM_SESSION_SPACE.ProcessList
};

struct ThreadLayout {
    std::uint32_t header_type = 0;       // _KTHREAD.Header.Type
    std::uint32_t process = 0;           // _KTHREAD.Process
    std::uint32_t apc_state_process = 0; // _KTHREAD.ApcState + _KAPC_STATE.Process
    std::uint32_t cid = 0; // _ETHREAD.Cid (_CLIENT_ID: UniqueProcess +0, UniqueThread +8)
    std::uint32_t thread_list_entry = 0; // _ETHREAD.ThreadListEntry
    std::optional<std::uint32_t> state, priority, wait_time;
};

// Every offset from the profile (no defaults: see fillFromBuiltinRows in profile_manifest.hpp).
struct ObjectHeaderLayout {
    std::uint32_t body = 0;
    std::uint32_t type_index = 0;
    std::uint32_t info_mask = 0;
    std::uint32_t pointer_count = 0;
    std::uint32_t handle_count = 0;
    bool encoded_type_index = false; // Windows 10+: TypeIndex ^ (header>>8 & 0xff) ^ cookie
};

struct HandleTableLayout {
    std::uint32_t table_code = 0;
    HandleEntryEra era = HandleEntryEra::Win81Plus;
};

// The ring of every process's table on nt!HandleTableListHead, and its owner.
struct HandleTableListLayout {
    std::optional<std::uint32_t> handle_table_list; // _HANDLE_TABLE.HandleTableList
    std::optional<std::uint32_t> quota_process;     // _HANDLE_TABLE.QuotaProcess
    std::optional<std::uint32_t> unique_process_id; // _HANDLE_TABLE.UniqueProcessId
};

// _OBJECT_TYPE's counts of the objects and handles of its type.
struct ObjectTypeLayout {
    std::optional<std::uint32_t> name;          // _OBJECT_TYPE.Name (_UNICODE_STRING)
    std::optional<std::uint32_t> index;         // _OBJECT_TYPE.Index
    std::optional<std::uint32_t> total_objects; // _OBJECT_TYPE.TotalNumberOfObjects
    std::optional<std::uint32_t> total_handles; // _OBJECT_TYPE.TotalNumberOfHandles
};

struct PrcbLayout {
    std::optional<std::uint32_t> current_thread, idle_thread, number;
};

struct LoaderEntryLayout {
    std::uint32_t dll_base = 0, size_of_image = 0, base_dll_name = 0;
    std::optional<std::uint32_t> full_dll_name, in_load_order_links;
};

struct KernelLayout {
    ProcessLayout process;
    ThreadLayout thread;
    ObjectHeaderLayout object_header;
    HandleTableLayout handle_table;
    HandleTableListLayout handle_table_list;
    SessionLayout session;
    ObjectTypeLayout object_type;
    PrcbLayout prcb;
    std::optional<LoaderEntryLayout> loader_entry;
    // Members the profile lacks; the views that need them report themselves unavailable.
    std::vector<std::string> missing;

    // Fails only when the process-list core itself (pid, links, name, flags) is missing.
    static Expected<KernelLayout> resolve(const Profile& profile, std::uint32_t build);
};

} // namespace dumpprocs::kernel
