#pragma once
// NT constants and the two small structures every kernel reader shares, each declared once:
// dispatcher object types, System's PID, machine values, pool tags, LIST_ENTRY64 and
// UNICODE_STRING64 (64-bit layouts, whatever the host).

#include <cstddef>
#include <cstdint>

namespace dumpprocs::formats {

// enum _KOBJECTS: _DISPATCHER_HEADER.Type of a process and of a thread. Stable since NT 4.
inline constexpr std::uint8_t kProcessObjectType = 3; // ProcessObject
inline constexpr std::uint8_t kThreadObjectType = 6;  // ThreadObject

// The System process's UniqueProcessId on every NT build (PID 0 is the idle process).
inline constexpr std::uint64_t kSystemPid = 4;

// IMAGE_FILE_MACHINE_AMD64: the PE FileHeader.Machine and the dump header's MachineImageType.
inline constexpr std::uint16_t kMachineAmd64 = 0x8664;

// Pool tags as the little-endian u32 at _POOL_HEADER.PoolTag. Windows may set the top bit on
// "protected" allocations (PROTECTED_POOL), so a tag is compared with that bit masked.
inline constexpr std::uint32_t kProcessPoolTag = 0x636f7250; // 'Proc'
inline constexpr std::uint32_t kThreadPoolTag = 0x65726854;  // 'Thre'
inline constexpr std::uint32_t kProtectedPoolTagBit = 0x80000000;

struct ListEntry64 {
    std::uint64_t Flink;
    std::uint64_t Blink;
};
static_assert(sizeof(ListEntry64) == 16 && offsetof(ListEntry64, Blink) == 8);
inline constexpr std::uint64_t kBlinkOffset = offsetof(ListEntry64, Blink);

struct UnicodeString64 {
    std::uint16_t Length; // bytes
    std::uint16_t MaximumLength;
    std::uint32_t Padding;
    std::uint64_t Buffer;
};
static_assert(sizeof(UnicodeString64) == 16 && offsetof(UnicodeString64, Buffer) == 8);

// _OBJECT_NAME_INFORMATION as the WDK declares it (ntifs.h): its one member, the name. The symbol
// files do not carry the type, so its layout is this declaration's.
struct ObjectNameInformation64 {
    UnicodeString64 Name;
};
static_assert(sizeof(ObjectNameInformation64) == 16 &&
              offsetof(ObjectNameInformation64, Name) == 0);

} // namespace dumpprocs::formats
