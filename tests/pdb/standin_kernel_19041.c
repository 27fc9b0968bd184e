/* A stand-in for the Windows 10 19041 kernel (ntkrnlmp.pdb), for the PDB reader's tests: the
 * types and members the tool reads, at the offsets of the built-in row 19041
 * (src/kernel/builtin_profiles.cpp, from data/reference/kernel-offsets.json), declared the way
 * the kernel's own headers shape them (anonymous unions and structs, bitfields, volatile members,
 * pointers to types defined later or never), and the kernel globals the tool looks up.
 * clang-14 --target=x86_64-pc-windows-msvc -gcodeview and lld-link-14 /debug turn it into a PE32+
 * image and a genuine PDB 7.0 (tests/CMakeLists.txt). The _Static_asserts prove each offset; the
 * unit test then proves the PDB reader finds the same ones. Padding members are named Spare*.
 * Compiled as C++ too: that PDB has Microsoft's record shape where the C one does not (unique
 * names on every struct, members that point at forward references resolved by unique name). */
#include <stddef.h>

typedef unsigned char UCHAR;
typedef char CHAR;
typedef unsigned short USHORT;
typedef unsigned short WCHAR;
typedef long LONG;
typedef unsigned long ULONG;
typedef long long LONGLONG;
typedef unsigned long long ULONGLONG;

#define AT(type, member, offset) _Static_assert(offsetof(type, member) == (offset), #member)

/* -DSTANDIN_EPROCESS_SHIFT=0x48 builds a kernel no built-in row knows: every _EPROCESS member
 * after Pcb moved by that many bytes, sizeof unchanged (what dumpgen writes for its scenario
 * no_layout_match_19999, Scenario::eprocess_shift). */
#ifndef STANDIN_EPROCESS_SHIFT
#define STANDIN_EPROCESS_SHIFT 0
#endif
#define ATE(member, offset) AT(struct _EPROCESS, member, (offset) + STANDIN_EPROCESS_SHIFT)
#define SIZE(type, size) _Static_assert(sizeof(type) == (size), #type)

struct _LIST_ENTRY {
    struct _LIST_ENTRY* Flink;
    struct _LIST_ENTRY* Blink;
};

typedef union _LARGE_INTEGER {
    struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER;

struct _UNICODE_STRING {
    USHORT Length;
    USHORT MaximumLength;
    WCHAR* Buffer;
};

struct _CLIENT_ID {
    void* UniqueProcess;
    void* UniqueThread;
};

union _QUAD {
    LONGLONG UseThisFieldToCopy;
    double DoNotUseThisField;
};

struct _EX_PUSH_LOCK {
    union {
        struct {
            ULONGLONG Locked : 1;
            ULONGLONG Waiting : 1;
            ULONGLONG Waking : 1;
            ULONGLONG MultipleShared : 1;
            ULONGLONG Shared : 60;
        };
        ULONGLONG Value;
        void* Ptr;
    };
};

struct _EX_FAST_REF {
    union {
        void* Object;
        ULONGLONG RefCnt : 4;
        ULONGLONG Value;
    };
};

struct _DISPATCHER_HEADER {
    union {
        volatile LONG Lock;
        LONG LockNV;
        struct {
            UCHAR Type;
            UCHAR Signalling;
            UCHAR Size;
            UCHAR Reserved1;
        };
    };
    LONG SignalState;
    struct _LIST_ENTRY WaitListHead;
};
SIZE(struct _DISPATCHER_HEADER, 0x18);

struct _KPROCESS {
    struct _DISPATCHER_HEADER Header;
    struct _LIST_ENTRY ProfileListHead;
    ULONGLONG DirectoryTableBase;
    struct _LIST_ENTRY ThreadListHead;
    UCHAR Spare0[0x350 - 0x40];
    struct _LIST_ENTRY ProcessListEntry;
    UCHAR Spare1[0x388 - 0x360];
    ULONGLONG UserDirectoryTableBase;
    UCHAR Spare2[0x438 - 0x390];
};
AT(struct _KPROCESS, DirectoryTableBase, 0x28);
AT(struct _KPROCESS, ThreadListHead, 0x30);
AT(struct _KPROCESS, ProcessListEntry, 0x350);
AT(struct _KPROCESS, UserDirectoryTableBase, 0x388);
SIZE(struct _KPROCESS, 0x438);

struct _RTL_AVL_TREE {
    struct _RTL_BALANCED_NODE* Root;
};

struct _SE_AUDIT_PROCESS_CREATION_INFO {
    struct _OBJECT_NAME_INFORMATION* ImageFileName;
};

struct _PS_PROTECTION {
    union {
        UCHAR Level;
        struct {
            UCHAR Type : 3;
            UCHAR Audit : 1;
            UCHAR Signer : 4;
        };
    };
};

struct _EPROCESS {
    struct _KPROCESS Pcb;
#if STANDIN_EPROCESS_SHIFT
    UCHAR SpareShift[STANDIN_EPROCESS_SHIFT];
#endif
    struct _EX_PUSH_LOCK ProcessLock;
    void* UniqueProcessId;
    struct _LIST_ENTRY ActiveProcessLinks;
    ULONGLONG RundownProtect;
    union {
        ULONG Flags2;
        struct {
            ULONG JobNotReallyActive : 1;
            ULONG AccountingFolded : 1;
            ULONG NewProcessReported : 1;
            ULONG ExitProcessReported : 1;
            ULONG ReportCommitChanges : 1;
            ULONG LastReportMemory : 1;
            ULONG ForceWakeCharge : 1;
            ULONG CrossSessionCreate : 1;
            ULONG NeedsHandleRundown : 1;
            ULONG RefTraceEnabled : 1;
            ULONG PicoCreated : 1;
            ULONG Spare2Bits : 21;
        };
    };
    union {
        ULONG Flags;
        struct {
            ULONG CreateReported : 1;
            ULONG NoDebugInherit : 1;
            ULONG ProcessExiting : 1;
            ULONG ProcessDelete : 1;
            ULONG ManageExecutableMemoryWrites : 1;
            ULONG VmDeleted : 1;
            ULONG OutswapEnabled : 1;
            ULONG Outswapped : 1;
            ULONG FailFastOnCommitFail : 1;
            ULONG Wow64VaSpace4Gb : 1;
            ULONG AddressSpaceInitialized : 2;
            ULONG SetTimerResolution : 1;
            ULONG BreakOnTermination : 1;
            ULONG DeprioritizeViews : 1;
            ULONG WriteWatch : 1;
            ULONG ProcessInSession : 1;
            ULONG OverrideAddressSpace : 1;
            ULONG HasAddressSpace : 1;
            ULONG LaunchPrefetched : 1;
            ULONG Background : 1;
            ULONG VmTopDown : 1;
            ULONG ImageNotifyDone : 1;
            ULONG PdeUpdateNeeded : 1;
            ULONG VdmAllowed : 1;
            ULONG ProcessRundown : 1;
            ULONG ProcessInserted : 1;
            ULONG DefaultIoPriority : 3;
            ULONG ProcessSelfDelete : 1;
            ULONG SetTimerResolutionLink : 1;
        };
    };
    LARGE_INTEGER CreateTime;
    UCHAR Spare0[0x4a0 - 0x470];
    struct _LIST_ENTRY SessionProcessLinks;
    UCHAR Spare1[0x4b8 - 0x4b0];
    struct _EX_FAST_REF Token;
    UCHAR Spare3[0x520 - 0x4c0];
    void* SectionBaseAddress;
    UCHAR Spare4[0x540 - 0x528];
    void* InheritedFromUniqueProcessId;
    ULONGLONG OwnerProcessId;
    struct _PEB* Peb;
    struct _MM_SESSION_SPACE* Session;
    UCHAR Spare5[0x570 - 0x560];
    struct _HANDLE_TABLE* ObjectTable;
    UCHAR Spare6[0x580 - 0x578];
    struct _EWOW64PROCESS* WoW64Process;
    UCHAR Spare7[0x5a8 - 0x588];
    UCHAR ImageFileName[15];
    UCHAR Spare8[0x5c0 - 0x5b7];
    struct _SE_AUDIT_PROCESS_CREATION_INFO SeAuditProcessCreationInfo;
    UCHAR Spare9[0x5e0 - 0x5c8];
    struct _LIST_ENTRY ThreadListHead;
    volatile ULONG ActiveThreads;
    UCHAR Spare10[0x7c0 - 0x5f4];
    struct _LIST_ENTRY MmProcessLinks;
    UCHAR Spare11[0x7d4 - 0x7d0];
    LONG ExitStatus;
    struct _RTL_AVL_TREE VadRoot;
    UCHAR Spare12[0x840 - 0x7e0];
    LARGE_INTEGER ExitTime;
    UCHAR Spare13[0x87a - 0x848];
    struct _PS_PROTECTION Protection;
    UCHAR Spare14;
    union {
        ULONG Flags3;
        struct {
            ULONG Minimal : 1;
            ULONG ReplacingPageRoot : 1;
            ULONG Crashed : 1;
            ULONG JobVadsAreTracked : 1;
            ULONG Spare3Bits : 28;
        };
    };
    UCHAR Spare15[0x8f8 - 0x880];
    ULONGLONG SequenceNumber;
    UCHAR Spare16[0xa40 - 0x900 - STANDIN_EPROCESS_SHIFT];
};
ATE(UniqueProcessId, 0x440);
ATE(ActiveProcessLinks, 0x448);
ATE(Flags2, 0x460);
ATE(Flags, 0x464);
ATE(CreateTime, 0x468);
ATE(SessionProcessLinks, 0x4a0);
ATE(Token, 0x4b8);
ATE(SectionBaseAddress, 0x520);
ATE(InheritedFromUniqueProcessId, 0x540);
ATE(OwnerProcessId, 0x548);
ATE(Peb, 0x550);
ATE(Session, 0x558);
ATE(ObjectTable, 0x570);
ATE(WoW64Process, 0x580);
ATE(ImageFileName, 0x5a8);
ATE(SeAuditProcessCreationInfo, 0x5c0);
ATE(ThreadListHead, 0x5e0);
ATE(ActiveThreads, 0x5f0);
ATE(MmProcessLinks, 0x7c0);
ATE(ExitStatus, 0x7d4);
ATE(VadRoot, 0x7d8);
ATE(ExitTime, 0x840);
ATE(Protection, 0x87a);
ATE(Flags3, 0x87c);
ATE(SequenceNumber, 0x8f8);
SIZE(struct _EPROCESS, 0xa40);

struct _KAPC_STATE {
    struct _LIST_ENTRY ApcListHead[2];
    struct _KPROCESS* Process;
    union {
        UCHAR InProgressFlags;
        struct {
            UCHAR KernelApcInProgress : 1;
            UCHAR SpecialApcInProgress : 1;
        };
    };
    UCHAR KernelApcPending;
    union {
        UCHAR UserApcPendingAll;
        struct {
            UCHAR SpecialUserApcPending : 1;
            UCHAR UserApcPending : 1;
        };
    };
    UCHAR Spare0[5];
};
AT(struct _KAPC_STATE, Process, 0x20);
SIZE(struct _KAPC_STATE, 0x30);

struct _KTHREAD {
    struct _DISPATCHER_HEADER Header;
    UCHAR Spare0[0x98 - 0x18];
    union {
        struct _KAPC_STATE ApcState;
        struct {
            UCHAR ApcStateFill[43];
            CHAR Priority;
            ULONG UserIdealProcessor;
        };
    };
    UCHAR Spare1[0xf0 - 0xc8];
    void* Teb;
    UCHAR Spare2[0x184 - 0xf8];
    volatile UCHAR State;
    UCHAR Spare3[0x1b4 - 0x185];
    ULONG WaitTime;
    UCHAR Spare4[0x220 - 0x1b8];
    struct _KPROCESS* Process;
    UCHAR Spare5[0x2f8 - 0x228];
    struct _LIST_ENTRY ThreadListEntry;
    UCHAR Spare6[0x430 - 0x308];
};
AT(struct _KTHREAD, ApcState, 0x98);
AT(struct _KTHREAD, Priority, 0xc3);
AT(struct _KTHREAD, Teb, 0xf0);
AT(struct _KTHREAD, State, 0x184);
AT(struct _KTHREAD, WaitTime, 0x1b4);
AT(struct _KTHREAD, Process, 0x220);
AT(struct _KTHREAD, ThreadListEntry, 0x2f8);
SIZE(struct _KTHREAD, 0x430);

struct _ETHREAD {
    struct _KTHREAD Tcb;
    UCHAR Spare0[0x478 - 0x430];
    struct _CLIENT_ID Cid;
    UCHAR Spare1[0x4e8 - 0x488];
    struct _LIST_ENTRY ThreadListEntry;
    UCHAR Spare2[0x898 - 0x4f8];
};
AT(struct _ETHREAD, Cid, 0x478);
AT(struct _ETHREAD, ThreadListEntry, 0x4e8);
SIZE(struct _ETHREAD, 0x898);

struct _HANDLE_TABLE {
    ULONG NextHandleNeedingPool;
    LONG ExtraInfoPages;
    volatile ULONGLONG TableCode;
    struct _EPROCESS* QuotaProcess;
    struct _LIST_ENTRY HandleTableList;
    ULONG UniqueProcessId;
    UCHAR Spare0[0x80 - 0x2c];
};
AT(struct _HANDLE_TABLE, TableCode, 0x8);
AT(struct _HANDLE_TABLE, UniqueProcessId, 0x28);
SIZE(struct _HANDLE_TABLE, 0x80);

union _HANDLE_TABLE_ENTRY {
    volatile LONGLONG VolatileLowValue;
    LONGLONG LowValue;
    struct {
        struct _HANDLE_TABLE_ENTRY_INFO* volatile InfoTable;
        LONGLONG HighValue;
    };
    ULONGLONG RefCountField;
    struct {
        LONGLONG SpareLow0;
        ULONGLONG LeafHandleValue;
    };
    struct {
        LONGLONG SpareLow1;
        union _HANDLE_TABLE_ENTRY* NextFreeHandleEntry;
    };
    struct {
        ULONGLONG Unlocked : 1;
        ULONGLONG RefCnt : 16;
        ULONGLONG Attributes : 3;
        ULONGLONG ObjectPointerBits : 44;
        ULONG GrantedAccessBits : 25;
        ULONG NoRightsUpgrade : 1;
        ULONG Spare1 : 6;
        ULONG Spare2;
    };
};
SIZE(union _HANDLE_TABLE_ENTRY, 0x10);

struct _OBJECT_HEADER {
    LONGLONG PointerCount;
    union {
        LONGLONG HandleCount;
        void* NextToFree;
    };
    struct _EX_PUSH_LOCK Lock;
    UCHAR TypeIndex;
    union {
        UCHAR TraceFlags;
        struct {
            UCHAR DbgRefTrace : 1;
            UCHAR DbgTracePermanent : 1;
        };
    };
    UCHAR InfoMask;
    union {
        UCHAR Flags;
        struct {
            UCHAR NewObject : 1;
            UCHAR KernelObject : 1;
            UCHAR KernelOnlyAccess : 1;
            UCHAR ExclusiveObject : 1;
            UCHAR PermanentObject : 1;
            UCHAR DefaultSecurityQuota : 1;
            UCHAR SingleHandleEntry : 1;
            UCHAR DeletedInline : 1;
        };
    };
    ULONG Reserved;
    union {
        struct _OBJECT_CREATE_INFORMATION* ObjectCreateInfo;
        void* QuotaBlockCharged;
    };
    void* SecurityDescriptor;
    union _QUAD Body;
};
AT(struct _OBJECT_HEADER, TypeIndex, 0x18);
AT(struct _OBJECT_HEADER, InfoMask, 0x1a);
AT(struct _OBJECT_HEADER, Body, 0x30);
SIZE(struct _OBJECT_HEADER, 0x38);

struct _OBJECT_HEADER_CREATOR_INFO {
    struct _LIST_ENTRY TypeList;
    void* CreatorUniqueProcess;
    USHORT CreatorBackTraceIndex;
    USHORT Reserved1;
    ULONG Reserved2;
};
SIZE(struct _OBJECT_HEADER_CREATOR_INFO, 0x20);
struct _OBJECT_HEADER_NAME_INFO {
    struct _OBJECT_DIRECTORY* Directory;
    struct _UNICODE_STRING Name;
    LONG ReferenceCount;
    ULONG Reserved;
};
SIZE(struct _OBJECT_HEADER_NAME_INFO, 0x20);
struct _OBJECT_HEADER_HANDLE_INFO {
    UCHAR Spare0[0x10];
};
struct _OBJECT_HEADER_QUOTA_INFO {
    ULONG PagedPoolCharge;
    ULONG NonPagedPoolCharge;
    ULONG SecurityDescriptorCharge;
    ULONG Reserved1;
    void* SecurityDescriptorQuotaBlock;
    ULONGLONG Reserved2;
};
SIZE(struct _OBJECT_HEADER_QUOTA_INFO, 0x20);
struct _OBJECT_HEADER_PROCESS_INFO {
    struct _EPROCESS* ExclusiveProcess;
    ULONGLONG Reserved;
};
struct _OBJECT_HEADER_AUDIT_INFO {
    void* SecurityDescriptor;
    ULONGLONG Reserved;
};

struct _OBJECT_TYPE {
    struct _LIST_ENTRY TypeList;
    struct _UNICODE_STRING Name;
    void* DefaultObject;
    UCHAR Index;
    UCHAR Spare0[0x2c - 0x29];
    ULONG TotalNumberOfObjects;
    ULONG TotalNumberOfHandles;
    UCHAR Spare1[0xd8 - 0x34];
};
AT(struct _OBJECT_TYPE, Index, 0x28);
AT(struct _OBJECT_TYPE, TotalNumberOfObjects, 0x2c);
AT(struct _OBJECT_TYPE, TotalNumberOfHandles, 0x30);
SIZE(struct _OBJECT_TYPE, 0xd8);

/* Only the head of the session space: the session's ID and its ring of processes. */
struct _MM_SESSION_SPACE {
    volatile LONG ReferenceCount;
    ULONG LongFlags;
    ULONG SessionId;
    LONG ProcessReferenceToSession;
    struct _LIST_ENTRY ProcessList;
};
AT(struct _MM_SESSION_SPACE, SessionId, 0x8);
AT(struct _MM_SESSION_SPACE, ProcessList, 0x10);

struct _POOL_HEADER {
    union {
        struct {
            USHORT PreviousSize : 8;
            USHORT PoolIndex : 8;
            USHORT BlockSize : 8;
            USHORT PoolType : 8;
        };
        ULONG Ulong1;
    };
    ULONG PoolTag;
    union {
        struct _EPROCESS* ProcessBilled;
        struct {
            USHORT AllocatorBackTraceIndex;
            USHORT PoolTagHash;
        };
    };
};
AT(struct _POOL_HEADER, PoolTag, 0x4);
SIZE(struct _POOL_HEADER, 0x10);

struct _KLDR_DATA_TABLE_ENTRY {
    struct _LIST_ENTRY InLoadOrderLinks;
    void* ExceptionTable;
    ULONG ExceptionTableSize;
    void* GpValue;
    struct _NON_PAGED_DEBUG_INFO* NonPagedDebugInfo;
    void* DllBase;
    void* EntryPoint;
    ULONG SizeOfImage;
    struct _UNICODE_STRING FullDllName;
    struct _UNICODE_STRING BaseDllName;
    UCHAR Spare0[0xa0 - 0x68];
};
AT(struct _KLDR_DATA_TABLE_ENTRY, DllBase, 0x30);
AT(struct _KLDR_DATA_TABLE_ENTRY, SizeOfImage, 0x40);
AT(struct _KLDR_DATA_TABLE_ENTRY, FullDllName, 0x48);
AT(struct _KLDR_DATA_TABLE_ENTRY, BaseDllName, 0x58);
SIZE(struct _KLDR_DATA_TABLE_ENTRY, 0xa0);

struct _KPRCB {
    ULONG MxCsr;
    UCHAR LegacyNumber;
    UCHAR ReservedMustBeZero;
    UCHAR InterruptRequest;
    UCHAR IdleHalt;
    struct _KTHREAD* CurrentThread;
    struct _KTHREAD* NextThread;
    struct _KTHREAD* IdleThread;
    UCHAR NestingLevel;
    UCHAR ClockOwner;
    UCHAR PendingTickFlags;
    UCHAR IdleState;
    ULONG Number;
    UCHAR Spare0[0xaf00 - 0x28];
};
AT(struct _KPRCB, IdleThread, 0x18);
AT(struct _KPRCB, Number, 0x24);
SIZE(struct _KPRCB, 0xaf00);

struct _KPCR {
    UCHAR NtTib[0x18];
    struct _KPCR* Self;
    struct _KPRCB* CurrentPrcb;
    UCHAR Spare0[0x180 - 0x28];
    struct _KPRCB Prcb;
};
AT(struct _KPCR, Prcb, 0x180);

struct _MI_PROCESS_STATE {
    UCHAR Spare0[0x18];
    struct _LIST_ENTRY ProcessList;
};
struct _MI_SYSTEM_INFORMATION {
    UCHAR Spare0[0x1550];
    struct _MI_PROCESS_STATE Processes;
};

/* An enumeration with a negative value, as the kernel has (_MODE, _POOL_TYPE's -1 sentinels):
 * clang writes -1 as 4294967295, Microsoft's PDBs as a signed leaf (tests/pdb/msft_shape.py). */
enum _STANDIN_SIGNED { StandinNegative = -1, StandinZero = 0, StandinLargest = 0x7fffffff };

/* The kernel globals: real, linker-placed symbols in the image and the PDB's publics, with C
 * names (undecorated) as the kernel's are, also when this file is compiled as C++. */
#ifdef __cplusplus
extern "C" {
#endif
struct _LIST_ENTRY PsActiveProcessHead;
struct _LIST_ENTRY KiProcessListHead;
struct _LIST_ENTRY HandleTableListHead;
struct _LIST_ENTRY PsLoadedModuleList;
struct _HANDLE_TABLE* PspCidTable;
struct _EPROCESS* PsInitialSystemProcess;
struct _OBJECT_TYPE* PsProcessType;
ULONGLONG KdDebuggerDataBlock[0x368 / 8] = {1};

/* One object of each type, so that every definition is in the PDB. */
struct _EPROCESS StandinProcess;
struct _ETHREAD StandinThread;
struct _MM_SESSION_SPACE StandinSession;
union _HANDLE_TABLE_ENTRY StandinHandleEntry;
struct _OBJECT_HEADER StandinObjectHeader;
struct _OBJECT_HEADER_CREATOR_INFO StandinCreatorInfo;
struct _OBJECT_HEADER_NAME_INFO StandinNameInfo;
struct _OBJECT_HEADER_HANDLE_INFO StandinHandleInfo;
struct _OBJECT_HEADER_QUOTA_INFO StandinQuotaInfo;
struct _OBJECT_HEADER_PROCESS_INFO StandinProcessInfo;
struct _OBJECT_HEADER_AUDIT_INFO StandinAuditInfo;
struct _POOL_HEADER StandinPoolHeader;
struct _KLDR_DATA_TABLE_ENTRY StandinLoaderEntry;
struct _KPCR StandinPcr;
struct _MI_SYSTEM_INFORMATION MiSystemInformation;
enum _STANDIN_SIGNED StandinSigned;
#ifdef __cplusplus
}
#endif
