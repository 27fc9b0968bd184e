#pragma once
// The one way to open a dump: Session::open detects the container (crash dump, triage dump, raw
// physical image), finds the kernel facts (the header's, reconciled with the memory, or found by
// scanning a raw image) and opens the kernel (profile choice, symbols). The cli, the unit tests,
// the fuzz targets and the benchmarks all open dumps here, so they test the path users run.
// Nothing here prints: what a caller should tell the user comes back as messages.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dumpprocs/kernel/kernel_context.hpp"
#include "dumpprocs/kernel/loaded_modules.hpp"
#include "dumpprocs/kernel/raw_discovery.hpp"
#include "dumpprocs/support/expected.hpp"

namespace dumpprocs::dumpfile {
class CrashDump;
class RawImage;
} // namespace dumpprocs::dumpfile

namespace dumpprocs::analysis {

struct OpenOptions {
    bool raw = false;                 // --raw: a raw physical image, without detection
    std::optional<std::uint64_t> dtb; // --dtb: a raw image's page-table root
    bool trust_header = false;        // --trust-header: keep a crash dump's header values
    std::string profile;              // --profile: a built-in row
    std::string symbols;              // --symbols: PDB, ISF or symbol-store folder
    // A symbol path in WinDbg's syntax and where it came from ("--symbol-path",
    // "_NT_SYMBOL_PATH"); empty text: none. The façade never reads the environment itself.
    struct SymbolPathText {
        std::string text, origin;
    } symbol_path;
    bool trust_profile = false; // --trust-profile
    // The compiled-profile cache's folder (kernel/profile_cache.hpp), or empty: every symbol file
    // is parsed (--no-cache). The façade never reads the environment: the caller resolves it
    // (the cli: $XDG_CACHE_HOME/dumpprocs, else ~/.cache/dumpprocs).
    std::filesystem::path profile_cache;
};

// What the session has to tell, in the order it happened; the caller logs or shows them.
struct Message {
    enum class Level { Debug, Info, Warn } level = Level::Warn;
    std::string text;
};

enum class Container {
    CrashDump, // a kernel, complete or bitmap dump: physical memory behind page tables
    Triage,    // a crash dump without physical memory (triage, mini): saved ranges at most
    Raw,       // a raw physical image: no header, physical address = file offset
};

// Not a crash dump or minidump, and shaped like physical memory (whole pages, at least 1 MiB).
bool looksLikeRawImage(const std::filesystem::path& path);

// The header's facts, or, where the memory contradicts them (the header DTB does not reach the
// System process through PsActiveProcessHead), the values found by scanning, with a warning.
kernel::DumpFacts reconcileHeaderWithMemory(const dumpfile::CrashDump& dump,
                                            kernel::DumpFacts header,
                                            std::vector<Message>* messages = nullptr);

class Session {
  public:
    // Opens the container at `path`. A raw image (given as --raw, or detected) is scanned for the
    // kernel facts at once; a crash dump's kernel is opened on the first kernel() call.
    static Expected<std::unique_ptr<Session>> open(const std::filesystem::path& path,
                                                   const OpenOptions& options);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    Container container() const { return container_; }
    const std::filesystem::path& path() const { return path_; }
    const OpenOptions& options() const { return options_; }

    // The kernel, opened once (profile choice, symbols, reconciliation); the error says why it
    // cannot be read (its code is Usage for a bad --profile / --symbols argument).
    Expected<const kernel::KernelContext*> kernel();

    // The physical memory, or nullptr when the input holds none (a triage dump).
    const PhysicalMemory* physicalMemory() const;
    // Why this input can give no kernel views at all (not x64, no memory), or nothing; only for
    // crash dumps (a raw image's reason is kernel()'s error).
    std::optional<Error> kernelImpossible() const;

    // The module list: a triage dump's saved driver list, else PsLoadedModuleList of the kernel.
    // Fails (NotFound) when the triage dump saved none; the kernel's error when it cannot be
    // read.
    Expected<kernel::ModuleList> modules();
    // True when modules() comes from the triage dump's own copy (no kernel needed).
    bool hasSavedDriverList() const;

    // The container's own objects, for the layers that need them (nullptr when another kind).
    const dumpfile::CrashDump* crashDump() const { return dump_.get(); }
    const dumpfile::RawImage* rawImage() const { return raw_.get(); }
    // A raw image's scan results, or nullptr (not a raw image, or the scan found nothing).
    const kernel::Discovery* discovery() const;
    // Why the raw scan found no kernel ("" when it did, or when not a raw image).
    const std::string& discoveryProblem() const { return discovery_problem_; }

    // What happened since the last call: warnings, notes and debug lines, oldest first.
    std::vector<Message> takeMessages();

  private:
    Session() = default;
    Expected<std::unique_ptr<kernel::KernelContext>> openKernel();
    void note(Message::Level level, std::string text);

    Container container_ = Container::CrashDump;
    std::filesystem::path path_;
    OpenOptions options_;
    std::unique_ptr<dumpfile::CrashDump> dump_;
    std::unique_ptr<dumpfile::RawImage> raw_;
    std::optional<kernel::Discovery> discovery_;
    std::string discovery_problem_;
    bool kernel_tried_ = false;
    std::unique_ptr<kernel::KernelContext> kernel_;
    std::optional<Error> kernel_error_;
    std::vector<Message> messages_;
};

// The kernel options the session uses; `damage` names what the input is known to lack.
kernel::KernelOptions kernelOptionsFor(const OpenOptions& options, std::string damage = "");

} // namespace dumpprocs::analysis
