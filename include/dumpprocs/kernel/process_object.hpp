#pragma once
// The one decoder of an _EPROCESS: its members, read through a ProcessLayout from the object's
// bytes, and the checks every process object passes. The process catalog, the pool scan, the
// profile selector and raw-image discovery all read processes through it, so a member is read,
// and a process object recognised, in one way only.

#include <array>
#include <cstdint>
#include <optional>

#include "dumpprocs/formats/nt.hpp"
#include "dumpprocs/kernel/layout.hpp"
#include "dumpprocs/memory/virtual_memory.hpp"
#include "dumpprocs/support/byte_view.hpp"

namespace dumpprocs::kernel {

struct ProcessObject {
    std::uint8_t dispatcher_type = 0; // _KPROCESS.Header.Type (3 for a process)
    std::uint8_t dispatcher_size = 0; // _KPROCESS.Header.Size (sizeof(_KPROCESS) / 4)
    std::uint64_t directory_table_base = 0;
    std::uint64_t pid = 0, ppid = 0;
    std::array<std::uint8_t, 15> name{};          // ImageFileName, ANSI code page, NUL-padded
    std::uint64_t create_time = 0, exit_time = 0; // FILETIME
    bool inserted = false, exiting = false, deleted = false;
    std::optional<bool> minimal; // nullopt where the build has no Flags3.Minimal
    std::uint32_t active_threads = 0;
    std::uint64_t peb = 0;
    // _EPROCESS.Session (its _MM_SESSION_SPACE, 0 for none) and ObjectTable (its handle table, 0
    // for none); nullopt where the profile lacks the member or the bytes read end before it.
    std::optional<std::uint64_t> session, object_table;
    // Pointers read where the layout has them (0 where it does not, or NULL): Wow64Process
    // (non-NULL for a 32-bit process), SeAuditProcessCreationInfo.ImageFileName.
    std::uint64_t wow64_process = 0, image_path_name = 0;
    std::optional<bool> wow64; // nullopt where the layout has no Wow64Process
    formats::ListEntry64 active_links{}, mm_links{}, thread_list{};
    // False when the bytes ended before the last member: the members past the end read as 0.
    bool complete = true;
};

// How many bytes of an _EPROCESS the decoder uses: sizeof(_EPROCESS) when the profile gives it,
// else up to the end of the last member it reads.
std::uint32_t processObjectSize(const ProcessLayout& layout);

// Decodes `body`, the bytes of an _EPROCESS from its first byte on. The identity members
// (Header.Type, UniqueProcessId, ImageFileName) must lie inside it: the error names the first that
// does not. Any other member past its end (an object whose later page the dump lacks) reads as 0
// and clears `complete`.
Expected<ProcessObject> decodeProcessObject(const ProcessLayout& layout, ByteView body);

// Reads and decodes the _EPROCESS at `eprocess`, keeping the readable part of it page by page.
// When an identity member cannot be read, the error is the read error of that member (it names
// the address and why: not in the dump, past the end of a cut file, ...).
Expected<ProcessObject> readProcessObject(const VirtualMemory& memory, const ProcessLayout& layout,
                                          std::uint64_t eprocess);

// What a process object must hold, checked without any list or table: the pool scan's test of a
// candidate, each failure named.
struct ProcessPlausibility {
    std::uint32_t kprocess_size = 0;        // 0: DISPATCHER_HEADER.Size is not checked
    std::optional<std::uint64_t> dump_time; // FILETIME of the dump; nothing may be later
};
Expected<void> checkProcessObject(const ProcessObject& process, const ProcessPlausibility& rules);

// The System process as every Windows kernel makes it: a process object, PID 4, "System".
bool isSystemProcess(const ProcessObject& process);

} // namespace dumpprocs::kernel
