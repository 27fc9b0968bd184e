#pragma once
// The kernel's loaded modules (drivers), what WinDbg's `lm` and Volatility's windows.modules list:
// from nt!PsLoadedModuleList's _KLDR_DATA_TABLE_ENTRY ring when the memory holds it, or from the
// driver list a triage dump saved in its own header area (the ring itself is not saved there).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/addrspace/address_space.hpp"
#include "dumpprocs/kernel/layout.hpp"

namespace dumpprocs::dumpfile {
struct TriageInfo;
}

namespace dumpprocs::kernel {

struct LoadedModule {
    std::uint64_t base = 0;                           // DllBase
    std::uint32_t size = 0;                           // SizeOfImage
    std::string name;                                 // BaseDllName, or the file part of the path
    std::string path;                                 // FullDllName / the triage DUMP_STRING
    std::optional<std::uint32_t> timestamp, checksum; // PE TimeDateStamp and CheckSum
    std::string timestamp_source;                     // "triage entry", "PE header", ""
    std::uint64_t entry = 0; // the _KLDR_DATA_TABLE_ENTRY's VA, or the triage entry's file offset
    std::string problem;     // what could not be read of this entry, naming the address

    std::uint64_t end() const { return base + size; }
    bool contains(std::uint64_t va) const { return va >= base && va - base < size; }
};

struct UnloadedModule {
    std::string name;
    bool name_fills_field = false; // 12 characters, the saved field's limit: may be cut
    std::uint64_t start = 0, end = 0;
};

struct ModuleList {
    std::string source; // "PsLoadedModuleList 0xfffff800...", "triage driver list at ..."
    // Where the list was read: LoadedModule::entry is then a _KLDR_DATA_TABLE_ENTRY's VA or the
    // file offset of a DUMP_DRIVER_ENTRY64.
    enum class Origin { LoaderList, TriageDriverList };
    Origin origin = Origin::LoaderList;
    const char* entryLabel() const {
        return origin == Origin::TriageDriverList ? "file offset" : "KLDR entry";
    }
    std::vector<LoadedModule> modules; // in load order
    // Unloaded drivers, when the source has them (a triage dump); nullopt otherwise.
    std::optional<std::vector<UnloadedModule>> unloaded;
    bool complete = true; // false when the list broke or the file ended inside it
    std::vector<std::string> warnings;

    // The module whose [base, base+size) holds `va`, or nullptr.
    const LoadedModule* containing(std::uint64_t va) const;
};

// A UNICODE_STRING at `at` as UTF-8 (a driver's name, a process's image path); fails naming the
// address of the part that cannot be read, or a Length that no UNICODE_STRING has.
Expected<std::string> readUnicodeString(const VirtualMemory& as, std::uint64_t at);

// The triage dump's saved driver list (DUMP_DRIVER_ENTRY64s) and unloaded drivers.
ModuleList modulesFromTriage(const dumpfile::TriageInfo& triage);

// Walks the _KLDR_DATA_TABLE_ENTRY ring from the PsLoadedModuleList head `head`. Fails only when
// the head itself cannot be read; a break later leaves the list partial, with a warning.
Expected<ModuleList> modulesFromLoaderList(const VirtualMemory& as, std::uint64_t head,
                                           const LoaderEntryLayout& layout,
                                           std::string head_source);

class KernelContext;
// PsLoadedModuleList of the kernel `k` found, walked with its profile's _KLDR_DATA_TABLE_ENTRY.
// Fails when the head is unknown or unreadable, or the profile lacks the structure.
Expected<ModuleList> modulesOfKernel(const KernelContext& k);

// "0xfffff8048b58334c" -> "mssecflt.sys+0x2334c" when a module holds it, else "".
std::string describeAddress(const ModuleList& modules, std::uint64_t va);

} // namespace dumpprocs::kernel
