// Reads ntkrnlmp.pdb into a Profile with LLVM's PDB libraries (DebugInfo/MSF, DebugInfo/PDB/Native,
// DebugInfo/CodeView). The file is hostile input: it is size-capped before it is read, every
// llvm::Error and llvm::Expected is checked and consumed (an unchecked one aborts the process),
// type references are bounds-checked against the records actually read, and every walk (type
// nesting, field-list continuations, anonymous members) has a fixed depth.
#include "dumpprocs/kernel/pdb_loader.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include <llvm/ADT/APSInt.h>
#include <llvm/DebugInfo/CodeView/CVTypeVisitor.h>
#include <llvm/DebugInfo/CodeView/SymbolDeserializer.h>
#include <llvm/DebugInfo/CodeView/SymbolRecord.h>
#include <llvm/DebugInfo/CodeView/TypeDeserializer.h>
#include <llvm/DebugInfo/CodeView/TypeRecord.h>
#include <llvm/DebugInfo/CodeView/TypeVisitorCallbacks.h>
#include <llvm/DebugInfo/MSF/MappedBlockStream.h>
#include <llvm/DebugInfo/PDB/Native/DbiStream.h>
#include <llvm/DebugInfo/PDB/Native/InfoStream.h>
#include <llvm/DebugInfo/PDB/Native/PDBFile.h>
#include <llvm/DebugInfo/PDB/Native/RawTypes.h>
#include <llvm/DebugInfo/PDB/Native/SymbolStream.h>
#include <llvm/DebugInfo/PDB/Native/TpiStream.h>
#include <llvm/Object/COFF.h>
#include <llvm/Support/Allocator.h>
#include <llvm/Support/BinaryByteStream.h>
#include <llvm/Support/BinaryStreamReader.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include "dumpprocs/kernel/kernel_image.hpp"
#include "dumpprocs/support/text.hpp"

namespace dumpprocs::kernel {
namespace {

namespace cv = llvm::codeview;
namespace fs = std::filesystem;

// Type descriptors nest (array of array of pointer ...) a few levels in real kernels; an
// anonymous member holds another at most two or three deep; a field list longer than 64 KiB is
// continued through LF_INDEX records, a handful for the largest kernel types (_KPRCB).
constexpr int kMaxTypeDepth = 8;
constexpr int kMaxAnonymousDepth = 6;
constexpr int kMaxContinuations = 256;
// ntkrnlmp.pdb holds about 50,000 publics; a symbol table past this is no kernel's.
constexpr std::size_t kMaxSymbols = 4u << 20;
// ... and about 150,000 type records with about 2 million data members in all field lists. A
// TPI stream of tiny records, or many types naming one huge field list, is refused at these
// bounds instead of costing gigabytes or hours.
constexpr std::size_t kMaxTypeRecords = 4u << 20;
constexpr std::size_t kMaxFieldsRead = 32u << 20;

// A named-stream map holds a handful of names (/names, /LinkInfo, /src/headerblock, ...) and the
// TPI's hash adjusters a few hundred types; LLVM allocates a table's capacity in buckets of 8
// bytes before it reads one entry, so a capacity past this is refused first (8 MiB of buckets).
constexpr std::uint32_t kMaxHashTableCapacity = 1u << 20;
// The smallest type record: a 2-byte length and a 2-byte kind.
constexpr std::uint32_t kMinTypeRecordBytes = 4;
constexpr std::uint32_t kPdbInfoStream = 1, kTpiStream = 2;

// The MSF superblock after the 32-byte magic (the fields LLVM sizes its first allocations by).
constexpr std::size_t kSuperBlockBlockSize = 32, kSuperBlockNumBlocks = 40,
                      kSuperBlockDirectoryBytes = 44, kSuperBlockEnd = 56;

// One message for every llvm::Error: the text, and the error consumed.
std::string message(llvm::Error err) {
    return llvm::toString(std::move(err));
}

// A read the pre-checks below make: whether it failed, the llvm::Error consumed either way (LLVM's
// own reader repeats the read later and reports the failure with its message).
bool failed(llvm::Error err) {
    if (!err)
        return false;
    llvm::consumeError(std::move(err));
    return true;
}

Error pdbError(const fs::path& path, const std::string& what) {
    return Error{ErrorCode::InvalidData, fmt::format("{}: {}", escapeBytes(path.string()), what)};
}

Expected<std::string> readCapped(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
        return makeError(ErrorCode::Io, "{}: is a directory, not a PDB file", path.string());
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::Io, "{}: cannot open the PDB file", path.string());
    // Read in chunks: a device or pipe has no size, and a huge file must fail at the cap.
    std::string data;
    std::vector<char> chunk(1 << 20);
    while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
        data.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
        if (data.size() > kMaxPdbFileSize)
            return makeError(ErrorCode::InvalidData, "{}: larger than {} MiB, not a kernel PDB",
                             path.string(), kMaxPdbFileSize >> 20);
    }
    if (in.bad())
        return makeError(ErrorCode::Io, "{}: cannot read the PDB file", path.string());
    return data;
}

// An opened MSF file: the bytes stay alive as long as the PDBFile that reads them.
struct OpenPdb {
    llvm::BumpPtrAllocator allocator;
    std::unique_ptr<llvm::pdb::PDBFile> file;
};

std::uint32_t le32(const std::string& data, std::size_t at) {
    std::uint32_t v = 0;
    std::memcpy(&v, data.data() + at, sizeof v);
    return v;
}

// LLVM sizes its free-page map by the superblock's block count before it compares anything with
// the file: a 4 KiB file claiming 2^32 blocks would cost 512 MiB. The sizes must fit the file.
std::optional<std::string> superBlockProblem(const std::string& data) {
    if (data.size() < kSuperBlockEnd)
        return "malformed MSF header: the file ends inside the superblock (56 bytes)";
    const std::uint32_t block_size = le32(data, kSuperBlockBlockSize);
    const std::uint32_t blocks = le32(data, kSuperBlockNumBlocks);
    const std::uint32_t directory = le32(data, kSuperBlockDirectoryBytes);
    if (block_size != 512 && block_size != 1024 && block_size != 2048 && block_size != 4096)
        return fmt::format("malformed MSF header: block size {} at offset {:#x} (512, 1024, 2048 "
                           "or 4096)",
                           block_size, kSuperBlockBlockSize);
    if (std::uint64_t{blocks} * block_size > data.size())
        return fmt::format("malformed MSF header: {} blocks of {} bytes (offset {:#x}) do not fit "
                           "the file's {} bytes",
                           blocks, block_size, kSuperBlockNumBlocks, data.size());
    if (directory > data.size())
        return fmt::format("malformed MSF header: a stream directory of {} bytes (offset {:#x}) "
                           "in a file of {} bytes",
                           directory, kSuperBlockDirectoryBytes, data.size());
    return std::nullopt;
}

// An on-disk hash table (LLVM's HashTable<T>::load reads it): size, capacity, then the bit
// vectors of present and deleted buckets. LLVM resizes its bucket array to the capacity before
// comparing anything with the stream, and then stores each present bucket's entry without
// checking its bit against that capacity, so both are checked here first.
std::optional<std::string> hashTableProblem(llvm::BinaryStreamReader& reader,
                                            std::string_view table) {
    const std::uint64_t at = reader.getOffset();
    std::uint32_t size = 0, capacity = 0, words = 0;
    if (failed(reader.readInteger(size)) || failed(reader.readInteger(capacity)) ||
        failed(reader.readInteger(words)))
        return fmt::format("the {} hash table at stream offset {:#x} is cut short", table, at);
    if (capacity > kMaxHashTableCapacity)
        return fmt::format("the {} hash table at stream offset {:#x} claims {} buckets (at most "
                           "{})",
                           table, at, capacity, kMaxHashTableCapacity);
    for (std::uint32_t w = 0; w < words; ++w) {
        std::uint32_t bits = 0;
        if (failed(reader.readInteger(bits)))
            return fmt::format("the {} hash table at stream offset {:#x} is cut short", table, at);
        // The highest bucket this word marks present must be below the capacity.
        if (std::uint64_t{w} * 32 + std::bit_width(bits) > capacity)
            return fmt::format("the {} hash table at stream offset {:#x} marks a bucket past its "
                               "capacity of {}",
                               table, at, capacity);
    }
    return std::nullopt;
}

// Stream `index` for the pre-checks, or nullptr when the file has none there (the reader that
// needs it says so later with its own message).
std::unique_ptr<llvm::msf::MappedBlockStream> streamOrNull(const llvm::pdb::PDBFile& pdb,
                                                           std::uint32_t index) {
    auto stream = pdb.safelyCreateIndexedStream(index);
    if (!stream) {
        llvm::consumeError(stream.takeError());
        return nullptr;
    }
    return std::move(*stream);
}

// The info stream's header, then the named-stream map: its string buffer and its hash table.
std::optional<std::string> infoStreamProblem(const llvm::pdb::PDBFile& pdb) {
    auto stream = streamOrNull(pdb, kPdbInfoStream);
    if (!stream)
        return std::nullopt; // no info stream: pdbIdOf says so
    llvm::BinaryStreamReader reader(*stream);
    const llvm::pdb::InfoStreamHeader* header = nullptr;
    std::uint32_t names_bytes = 0;
    if (failed(reader.readObject(header)) || failed(reader.readInteger(names_bytes)) ||
        failed(reader.skip(names_bytes)))
        return std::nullopt; // a short stream: LLVM's own reader refuses it with its message
    if (auto problem = hashTableProblem(reader, "named-stream map"))
        return "malformed PDB info stream: " + *problem;
    return std::nullopt;
}

// LLVM caches one entry per type index from TypeIndexBegin to TypeIndexEnd, sized by the header
// alone: the count must fit the type-record bytes that back it (the header's claim, cut to what
// the stream holds), and wrap-around is refused.
std::optional<std::string> tpiStreamProblem(const llvm::pdb::PDBFile& pdb) {
    auto stream = streamOrNull(pdb, kTpiStream);
    if (!stream)
        return std::nullopt; // no TPI stream: readTypes says so
    llvm::BinaryStreamReader reader(*stream);
    const llvm::pdb::TpiStreamHeader* header = nullptr;
    if (failed(reader.readObject(header)))
        return std::nullopt;
    const std::uint32_t begin = header->TypeIndexBegin, end = header->TypeIndexEnd;
    if (end < begin)
        return fmt::format("malformed TPI stream: type indices end ({:#x}) before they begin "
                           "({:#x})",
                           end, begin);
    const std::uint64_t count = end - begin;
    const std::uint64_t record_bytes =
        std::min<std::uint64_t>(header->TypeRecordBytes, reader.bytesRemaining());
    if (count > kMaxTypeRecords || count > record_bytes / kMinTypeRecordBytes)
        return fmt::format("malformed TPI stream: {} type indices in {} bytes of type records",
                           count, record_bytes);
    if (header->HashStreamIndex == llvm::pdb::kInvalidStreamIndex ||
        header->HashAdjBuffer.Length == 0)
        return std::nullopt;
    auto hashes = streamOrNull(pdb, header->HashStreamIndex);
    if (!hashes)
        return std::nullopt; // LLVM refuses the index with its message
    llvm::BinaryStreamReader hash_reader(*hashes);
    if (failed(hash_reader.skip(static_cast<std::uint32_t>(header->HashAdjBuffer.Off))))
        return std::nullopt;
    if (auto problem = hashTableProblem(hash_reader, "TPI hash-adjuster"))
        return "malformed TPI stream: " + *problem;
    return std::nullopt;
}

Expected<std::unique_ptr<OpenPdb>> openPdbBytes(std::string data, const fs::path& path) {
    if (data.size() > kMaxPdbFileSize)
        return pdbError(path,
                        fmt::format("larger than {} MiB, not a kernel PDB", kMaxPdbFileSize >> 20));
    if (data.size() < kMsf7Magic.size() ||
        std::string_view(data).substr(0, kMsf7Magic.size()) != kMsf7Magic)
        return pdbError(path, "not a PDB file (no MSF 7.00 signature at offset 0)");
    if (auto problem = superBlockProblem(data))
        return pdbError(path, *problem);
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(data, path.string());
    data.clear();
    data.shrink_to_fit();
    auto stream =
        std::make_unique<llvm::MemoryBufferByteStream>(std::move(buffer), llvm::support::little);
    auto open = std::make_unique<OpenPdb>();
    open->file =
        std::make_unique<llvm::pdb::PDBFile>(path.string(), std::move(stream), open->allocator);
    if (auto err = open->file->parseFileHeaders())
        return pdbError(path, "malformed MSF header: " + message(std::move(err)));
    if (auto err = open->file->parseStreamData())
        return pdbError(path, "malformed MSF stream directory: " + message(std::move(err)));
    if (auto problem = infoStreamProblem(*open->file))
        return pdbError(path, *problem);
    if (auto problem = tpiStreamProblem(*open->file))
        return pdbError(path, *problem);
    return open;
}

Expected<std::unique_ptr<OpenPdb>> openPdb(const fs::path& path) {
    DP_TRY(std::string data, readCapped(path));
    return openPdbBytes(std::move(data), path);
}

std::string guidText(const cv::GUID& guid) {
    std::uint8_t bytes[16];
    std::memcpy(bytes, guid.Guid, sizeof bytes);
    return formatPdbGuid(bytes);
}

// The GUID of the info stream and the age the executable's RSDS record repeats: the DBI stream's
// (the info stream's own age can be larger after the PDB was rewritten, e.g. by a symbol
// stripper), or the info stream's when there is no DBI stream.
Expected<PdbId> pdbIdOf(llvm::pdb::PDBFile& pdb, const fs::path& path) {
    if (!pdb.hasPDBInfoStream())
        return pdbError(path, "no PDB info stream (stream 1)");
    auto info = pdb.getPDBInfoStream();
    if (!info)
        return pdbError(path, "malformed PDB info stream: " + message(info.takeError()));
    PdbId id{guidText(info->getGuid()), info->getAge()};
    if (pdb.hasPDBDbiStream()) {
        auto dbi = pdb.getPDBDbiStream();
        if (!dbi)
            return pdbError(path, "malformed DBI stream: " + message(dbi.takeError()));
        id.age = dbi->getAge();
    }
    return id;
}

// A name from the file as the profile keeps it: valid UTF-8 (what Microsoft's files hold, and
// what every JSON renderer needs), any other byte as \xNN. Found by fuzz_pdb: a member name with
// a stray byte made --export-isf and --show-profile --format json throw.
std::string nameText(llvm::StringRef name) {
    return toValidUtf8(std::string_view(name.data(), name.size()));
}

// Thrown inside the type walk for what makes the file unusable; caught at the top.
struct BadPdb {
    std::string what;
};

struct Field {
    std::string name;
    std::uint64_t offset = 0;
    cv::TypeIndex type;
};

// An enumerator as its record holds it: the value in at most 64 bits (LLVM reads the numeric
// leaf, signed or not, as an APSInt).
struct Enumerator {
    std::string name;
    llvm::APSInt value;
};

// Collects the data members (or an enum's enumerators) of one field list record and where it
// continues.
class FieldCollector final : public cv::TypeVisitorCallbacks {
  public:
    FieldCollector(std::vector<Field>& fields, std::vector<Enumerator>& enumerators)
        : fields_(fields), enumerators_(enumerators) {}
    llvm::Error visitKnownMember(cv::CVMemberRecord&, cv::DataMemberRecord& r) override {
        fields_.push_back(Field{nameText(r.getName()), r.getFieldOffset(), r.getType()});
        return llvm::Error::success();
    }
    llvm::Error visitKnownMember(cv::CVMemberRecord&, cv::EnumeratorRecord& r) override {
        enumerators_.push_back(Enumerator{nameText(r.getName()), r.getValue()});
        return llvm::Error::success();
    }
    llvm::Error visitKnownMember(cv::CVMemberRecord&, cv::ListContinuationRecord& r) override {
        continuation_ = r.getContinuationIndex();
        return llvm::Error::success();
    }
    std::optional<cv::TypeIndex> continuation() const { return continuation_; }

  private:
    std::vector<Field>& fields_;
    std::vector<Enumerator>& enumerators_;
    std::optional<cv::TypeIndex> continuation_;
};

bool isAggregate(cv::TypeLeafKind k) {
    return k == cv::LF_STRUCTURE || k == cv::LF_CLASS || k == cv::LF_UNION;
}

// Names compilers give types that have none: MSVC's "<unnamed-tag>" / "<anonymous-tag>",
// clang's "Outer::<unnamed-tag>" and, in C++, "Outer::<unnamed-type-u>" for the type of member u.
bool isUnnamedTag(llvm::StringRef name) {
    return name.empty() || name.contains("<unnamed-") || name.contains("<anonymous-") ||
           name.startswith("__unnamed");
}

struct BaseType {
    const char* name;
    std::uint32_t size;
    bool is_signed;
};

// The simple (built-in) CodeView types, with the names Volatility's ISF files use for them.
std::optional<BaseType> baseType(cv::SimpleTypeKind kind) {
    using K = cv::SimpleTypeKind;
    switch (kind) {
    case K::Void:
        return BaseType{"void", 0, false};
    case K::SignedCharacter:
    case K::NarrowCharacter:
    case K::SByte:
        return BaseType{"char", 1, true};
    case K::UnsignedCharacter:
    case K::Byte:
        return BaseType{"unsigned char", 1, false};
    case K::WideCharacter:
    case K::Character16:
        return BaseType{"wchar", 2, false};
    case K::Character32:
        return BaseType{"unsigned long", 4, false};
    case K::Int16Short:
    case K::Int16:
        return BaseType{"short", 2, true};
    case K::UInt16Short:
    case K::UInt16:
        return BaseType{"unsigned short", 2, false};
    case K::Int32Long:
        return BaseType{"long", 4, true};
    case K::UInt32Long:
        return BaseType{"unsigned long", 4, false};
    case K::Int32:
        return BaseType{"int", 4, true};
    case K::UInt32:
        return BaseType{"unsigned int", 4, false};
    case K::HResult:
        return BaseType{"long", 4, true};
    case K::Int64Quad:
    case K::Int64:
        return BaseType{"long long", 8, true};
    case K::UInt64Quad:
    case K::UInt64:
        return BaseType{"unsigned long long", 8, false};
    case K::Boolean8:
        return BaseType{"bool", 1, false};
    case K::Boolean16:
        return BaseType{"unsigned short", 2, false};
    case K::Boolean32:
        return BaseType{"unsigned long", 4, false};
    case K::Boolean64:
        return BaseType{"unsigned long long", 8, false};
    case K::Float32:
        return BaseType{"float", 4, true};
    case K::Float64:
        return BaseType{"double", 8, true};
    default:
        return std::nullopt;
    }
}

// The TPI stream's records, indexed, with forward references resolved to definitions.
class TypeTable {
  public:
    explicit TypeTable(const cv::CVTypeArray& records) {
        bool had_error = false;
        for (auto it = records.begin(&had_error); it != records.end(); ++it) {
            if (records_.size() >= kMaxTypeRecords)
                throw BadPdb{fmt::format("TPI stream: more than {} type records, not a kernel PDB",
                                         kMaxTypeRecords)};
            records_.push_back(*it);
        }
        if (had_error)
            throw BadPdb{fmt::format("malformed TPI stream: record {} cannot be read",
                                     records_.size() + cv::TypeIndex::FirstNonSimpleIndex)};
        for (std::size_t i = 0; i < records_.size(); ++i) {
            if (!isAggregate(records_[i].kind()))
                continue;
            auto rec = deserialize<cv::ClassRecord, cv::UnionRecord>(records_[i]);
            if (!rec || rec->isForwardRef())
                continue;
            definitions_.try_emplace(key(*rec), indexAt(i));
        }
    }

    std::size_t size() const { return records_.size(); }
    cv::TypeIndex indexAt(std::size_t i) const {
        return cv::TypeIndex::fromArrayIndex(static_cast<std::uint32_t>(i));
    }

    const cv::CVType& record(cv::TypeIndex ti) const {
        if (ti.isSimple() || ti.toArrayIndex() >= records_.size())
            throw BadPdb{fmt::format("type index {:#x} is not in the TPI stream ({} records)",
                                     ti.getIndex(), records_.size())};
        return records_[ti.toArrayIndex()];
    }

    // A struct, class or union record (its TagRecord part), LF_CLASS/LF_STRUCTURE and LF_UNION
    // deserialised alike; nullopt when the record is of another kind.
    template <typename Class, typename Union>
    std::optional<cv::TagRecord> deserialize(const cv::CVType& t) const {
        if (t.kind() == cv::LF_UNION) {
            Union u(cv::TypeRecordKind::Union);
            check(cv::TypeDeserializer::deserializeAs(const_cast<cv::CVType&>(t), u), "union");
            return cv::TagRecord(u);
        }
        if (t.kind() == cv::LF_STRUCTURE || t.kind() == cv::LF_CLASS) {
            Class c(static_cast<cv::TypeRecordKind>(t.kind()));
            check(cv::TypeDeserializer::deserializeAs(const_cast<cv::CVType&>(t), c), "struct");
            return cv::TagRecord(c);
        }
        return std::nullopt;
    }

    std::optional<cv::TagRecord> aggregate(cv::TypeIndex ti) const {
        return deserialize<cv::ClassRecord, cv::UnionRecord>(record(ti));
    }

    // The definition of a struct/union a forward reference names (by its unique name when it
    // has one, as Microsoft's files do; by name otherwise), or the index itself.
    cv::TypeIndex definitionOf(cv::TypeIndex ti) const {
        auto rec = aggregate(ti);
        if (!rec || !rec->isForwardRef())
            return ti;
        auto it = definitions_.find(key(*rec));
        return it == definitions_.end() ? ti : it->second;
    }

    // Size of an aggregate (its definition's), 0 when only a forward reference exists.
    std::uint64_t aggregateSize(cv::TypeIndex ti) const {
        const cv::TypeIndex def = definitionOf(ti);
        const cv::CVType& t = record(def);
        if (t.kind() == cv::LF_UNION) {
            cv::UnionRecord u(cv::TypeRecordKind::Union);
            check(cv::TypeDeserializer::deserializeAs(const_cast<cv::CVType&>(t), u), "union");
            return u.isForwardRef() ? 0 : u.getSize();
        }
        cv::ClassRecord c(static_cast<cv::TypeRecordKind>(t.kind()));
        check(cv::TypeDeserializer::deserializeAs(const_cast<cv::CVType&>(t), c), "struct");
        return c.isForwardRef() ? 0 : c.getSize();
    }

    std::vector<Field> fields(cv::TypeIndex field_list) const {
        std::vector<Field> out;
        std::vector<Enumerator> enumerators;
        walkFieldList(field_list, out, enumerators);
        return out;
    }

    std::vector<Enumerator> enumerators(cv::TypeIndex field_list) const {
        std::vector<Field> fields;
        std::vector<Enumerator> out;
        walkFieldList(field_list, fields, out);
        return out;
    }

    template <typename R>
    R as(const cv::CVType& t, cv::TypeRecordKind kind, const char* what) const {
        R r(kind);
        check(cv::TypeDeserializer::deserializeAs(const_cast<cv::CVType&>(t), r), what);
        return r;
    }

    void check(llvm::Error err, const char* what) const {
        if (err)
            throw BadPdb{fmt::format("malformed {} record: {}", what, message(std::move(err)))};
    }

  private:
    // Every record of a field list and its LF_INDEX continuations, within the loader's bounds.
    void walkFieldList(cv::TypeIndex field_list, std::vector<Field>& out,
                       std::vector<Enumerator>& enumerators) const {
        std::set<std::uint32_t> seen;
        std::optional<cv::TypeIndex> next = field_list;
        for (int n = 0; next && !next->isNoneType(); ++n) {
            if (n > kMaxContinuations || !seen.insert(next->getIndex()).second)
                throw BadPdb{fmt::format("field list {:#x} continues in a loop or more than {} "
                                         "times",
                                         field_list.getIndex(), kMaxContinuations)};
            const cv::CVType& t = record(*next);
            if (t.kind() != cv::LF_FIELDLIST)
                throw BadPdb{fmt::format("type {:#x} is not a field list", next->getIndex())};
            cv::FieldListRecord list(cv::TypeRecordKind::FieldList);
            check(cv::TypeDeserializer::deserializeAs(const_cast<cv::CVType&>(t), list),
                  "field list");
            const std::size_t before = out.size() + enumerators.size();
            FieldCollector collector(out, enumerators);
            check(cv::visitMemberRecordStream(list.Data, collector), "field list");
            next = collector.continuation();
            fields_read_ += out.size() + enumerators.size() - before;
            if (fields_read_ > kMaxFieldsRead)
                throw BadPdb{fmt::format("TPI stream: more than {} members read in all field "
                                         "lists (types that share huge field lists), not a "
                                         "kernel PDB",
                                         kMaxFieldsRead)};
        }
    }

    static std::string key(const cv::TagRecord& r) {
        return r.hasUniqueName() ? "u:" + r.getUniqueName().str() : "n:" + r.getName().str();
    }

    std::vector<cv::CVType> records_;
    std::unordered_map<std::string, cv::TypeIndex> definitions_;
    mutable std::size_t fields_read_ = 0; // a work budget over every fields() call
};

// Describes what a member's type index is, as the Profile's MemberInfo says it.
class Describer {
  public:
    explicit Describer(const TypeTable& types) : types_(types) {}

    void describe(cv::TypeIndex ti, MemberInfo& m, int depth = 0) const {
        if (depth > kMaxTypeDepth)
            throw BadPdb{
                fmt::format("member {}: type nested more than {} deep", m.name, kMaxTypeDepth)};
        if (ti.isSimple()) {
            describeSimple(ti, m);
            return;
        }
        const cv::CVType& t = types_.record(ti);
        switch (t.kind()) {
        case cv::LF_MODIFIER: {
            auto r = types_.as<cv::ModifierRecord>(t, cv::TypeRecordKind::Modifier, "modifier");
            describe(r.getModifiedType(), m, depth + 1);
            return;
        }
        case cv::LF_POINTER: {
            auto r = types_.as<cv::PointerRecord>(t, cv::TypeRecordKind::Pointer, "pointer");
            m.kind = MemberKind::Pointer;
            m.size = r.getSize() != 0 ? r.getSize() : 8;
            m.type_name = targetName(r.getReferentType(), depth + 1);
            return;
        }
        case cv::LF_BITFIELD: {
            auto r = types_.as<cv::BitFieldRecord>(t, cv::TypeRecordKind::BitField, "bitfield");
            MemberInfo container;
            describe(r.getType(), container, depth + 1);
            m.kind = MemberKind::Bitfield;
            m.size = container.size;
            m.type_name = container.type_name;
            m.bit_position = r.getBitOffset();
            m.bit_length = r.getBitSize();
            return;
        }
        case cv::LF_ARRAY: {
            auto r = types_.as<cv::ArrayRecord>(t, cv::TypeRecordKind::Array, "array");
            MemberInfo element;
            element.name = m.name;
            describe(r.getElementType(), element, depth + 1);
            if (r.getSize() > 0xFFFFFFFFu)
                throw BadPdb{fmt::format("member {}: array of {:#x} bytes is larger than 4 GiB",
                                         m.name, r.getSize())};
            m.size = static_cast<std::uint32_t>(r.getSize());
            m.count = element.size == 0 ? 0 : m.size / element.size;
            m.type_name = element.type_name;
            const bool text =
                (element.kind == MemberKind::Unsigned || element.kind == MemberKind::Signed) &&
                element.size == 1;
            m.kind = text ? MemberKind::CharArray : MemberKind::Array;
            return;
        }
        case cv::LF_STRUCTURE:
        case cv::LF_CLASS:
        case cv::LF_UNION: {
            auto rec = types_.aggregate(ti);
            m.kind = MemberKind::Struct;
            m.type_name = nameText(rec->getName());
            const std::uint64_t size = types_.aggregateSize(ti);
            if (size > 0xFFFFFFFFu)
                throw BadPdb{
                    fmt::format("type {}: sizeof {:#x} is larger than 4 GiB", m.type_name, size)};
            m.size = static_cast<std::uint32_t>(size);
            return;
        }
        case cv::LF_ENUM: {
            auto r = types_.as<cv::EnumRecord>(t, cv::TypeRecordKind::Enum, "enum");
            MemberInfo underlying;
            if (!r.getUnderlyingType().isNoneType())
                describe(r.getUnderlyingType(), underlying, depth + 1);
            m.kind = MemberKind::Enum;
            m.type_name = nameText(r.getName());
            m.size = underlying.size != 0 ? underlying.size : 4;
            return;
        }
        default:
            // Procedures and other records no member of a kernel object is: shown by name only.
            m.kind = MemberKind::Unsigned;
            m.size = 0;
            m.type_name = "<unknown>";
            return;
        }
    }

  private:
    void describeSimple(cv::TypeIndex ti, MemberInfo& m) const {
        auto base = baseType(ti.getSimpleKind());
        if (ti.getSimpleMode() != cv::SimpleTypeMode::Direct) {
            m.kind = MemberKind::Pointer;
            m.size = 8;
            m.type_name = base ? base->name : "void";
            return;
        }
        if (!base) {
            m.kind = MemberKind::Unsigned;
            m.size = 0;
            m.type_name = "<unknown>";
            return;
        }
        m.kind = base->is_signed ? MemberKind::Signed : MemberKind::Unsigned;
        m.size = base->size;
        m.type_name = base->name;
    }

    // The name a pointer's target goes by ("_KTHREAD", "void", "unsigned char").
    std::string targetName(cv::TypeIndex ti, int depth) const {
        if (ti.isSimple()) {
            auto base = baseType(ti.getSimpleKind());
            return base ? base->name : "void";
        }
        MemberInfo target;
        describe(ti, target, depth);
        return target.kind == MemberKind::Pointer || target.type_name == "<unknown>"
                   ? "void"
                   : target.type_name;
    }

    const TypeTable& types_;
};

// The members of one struct/union, with the members of anonymous (unnamed, unnamed-type)
// struct/union members brought up to it at their offsets, as Microsoft's own records and
// Volatility's ISF files show them.
void collectMembers(const TypeTable& types, const Describer& describer, cv::TypeIndex field_list,
                    std::uint64_t base, std::vector<MemberInfo>& out, const std::string& owner,
                    int depth) {
    if (depth > kMaxAnonymousDepth)
        throw BadPdb{fmt::format("type {}: anonymous members nested more than {} deep", owner,
                                 kMaxAnonymousDepth)};
    for (const Field& f : types.fields(field_list)) {
        const std::uint64_t offset = base + f.offset;
        if (offset > 0xFFFFFFFFu)
            throw BadPdb{
                fmt::format("{}.{}: offset {:#x} is larger than 4 GiB", owner, f.name, offset)};
        if (f.name.empty() && !f.type.isSimple()) {
            if (auto rec = types.aggregate(types.definitionOf(f.type));
                rec && !rec->isForwardRef() && isUnnamedTag(rec->getName())) {
                collectMembers(types, describer, rec->getFieldList(), offset, out, owner,
                               depth + 1);
                continue;
            }
        }
        if (f.name.empty())
            continue;
        MemberInfo m;
        m.name = f.name;
        m.offset = static_cast<std::uint32_t>(offset);
        describer.describe(f.type, m);
        out.push_back(std::move(m));
    }
}

// An enumerator's value as the enum's underlying type reads it: the leaf's bits cut to the
// type's size, sign-extended for a signed type. clang writes int's -1 as the unsigned leaf
// 4294967295, Microsoft's compiler as a signed leaf: both give -1.
std::int64_t enumeratorValue(const llvm::APSInt& value, std::uint32_t size, bool is_signed) {
    std::uint64_t raw = value.extOrTrunc(64).getZExtValue();
    if (size > 0 && size < 8) {
        const std::uint64_t mask = (std::uint64_t{1} << (size * 8)) - 1;
        raw &= mask;
        if (is_signed && (raw >> (size * 8 - 1)) != 0)
            raw |= ~mask;
    }
    return static_cast<std::int64_t>(raw);
}

// A named, defined enum: its underlying type's size and signedness, and its constants.
void readEnum(const TypeTable& types, const Describer& describer, cv::TypeIndex ti, Profile& p) {
    auto rec = types.as<cv::EnumRecord>(types.record(ti), cv::TypeRecordKind::Enum, "enum");
    if (rec.isForwardRef() || isUnnamedTag(rec.getName()))
        return;
    EnumInfo info;
    info.name = nameText(rec.getName());
    if (p.enums.count(info.name))
        return; // the first definition of a name wins, as for the structs
    MemberInfo underlying;
    if (!rec.getUnderlyingType().isNoneType())
        describer.describe(rec.getUnderlyingType(), underlying);
    info.size = underlying.size != 0 ? underlying.size : 4;
    info.is_signed = underlying.kind == MemberKind::Signed;
    // No view reads an enum constant (they serve --export-isf), so an enum whose field list
    // cannot be read keeps its size without constants rather than costing the whole PDB, and a
    // constant wider than 64 bits (an LF_OCTWORD leaf) is left out.
    std::vector<Enumerator> enumerators;
    try {
        enumerators = types.enumerators(rec.getFieldList());
    } catch (const BadPdb&) {
        enumerators.clear();
    }
    for (const Enumerator& e : enumerators)
        if (e.value.isSigned() ? e.value.getMinSignedBits() <= 64 : e.value.getActiveBits() <= 64)
            info.constants.emplace_back(e.name,
                                        enumeratorValue(e.value, info.size, info.is_signed));
    p.enums.emplace(info.name, std::move(info));
}

void readTypes(llvm::pdb::PDBFile& pdb, Profile& p) {
    if (!pdb.hasPDBTpiStream())
        throw BadPdb{"no TPI stream (stream 2): the PDB holds no types"};
    auto tpi = pdb.getPDBTpiStream();
    if (!tpi)
        throw BadPdb{"malformed TPI stream: " + message(tpi.takeError())};
    const TypeTable types(tpi->typeArray());
    const Describer describer(types);
    for (std::size_t i = 0; i < types.size(); ++i) {
        const cv::TypeIndex ti = types.indexAt(i);
        if (types.record(ti).kind() == cv::LF_ENUM) {
            readEnum(types, describer, ti, p);
            continue;
        }
        if (!isAggregate(types.record(ti).kind()))
            continue;
        auto rec = types.aggregate(ti);
        // Unnamed types ("_EPROCESS::<unnamed-tag>") are no type of their own: their members
        // are flattened into the named type that holds them.
        if (!rec || rec->isForwardRef() || isUnnamedTag(rec->getName()))
            continue;
        const std::string name = nameText(rec->getName());
        if (p.types.count(name))
            continue; // the first definition of a name wins, as in Microsoft's own name lookup
        TypeInfo type;
        type.name = name;
        const std::uint64_t size = types.aggregateSize(ti);
        if (size > 0xFFFFFFFFu)
            throw BadPdb{fmt::format("type {}: sizeof {:#x} is larger than 4 GiB", name, size)};
        type.size = static_cast<std::uint32_t>(size);
        collectMembers(types, describer, rec->getFieldList(), 0, type.members, name, 0);
        std::stable_sort(
            type.members.begin(), type.members.end(), [](const auto& a, const auto& b) {
                return a.offset != b.offset ? a.offset < b.offset : a.bit_position < b.bit_position;
            });
        p.types.emplace(name, std::move(type));
    }
}

// Publics (S_PUB32) first, as Microsoft's stripped and full PDBs both carry them; global data
// (S_GDATA32 / S_LDATA32) only for names the publics lack. Section:offset becomes an RVA through
// the image's section headers, which the DBI stream keeps.
void readSymbols(llvm::pdb::PDBFile& pdb, Profile& p) {
    if (!pdb.hasPDBDbiStream() || !pdb.hasPDBSymbolStream())
        return;
    auto dbi = pdb.getPDBDbiStream();
    if (!dbi)
        throw BadPdb{"malformed DBI stream: " + message(dbi.takeError())};
    std::vector<std::uint32_t> section_rvas;
    for (const llvm::object::coff_section& s : dbi->getSectionHeaders())
        section_rvas.push_back(s.VirtualAddress);
    auto symbols = pdb.getPDBSymbolStream();
    if (!symbols)
        throw BadPdb{"malformed symbol record stream: " + message(symbols.takeError())};
    auto rvaOf = [&](std::uint16_t segment, std::uint32_t offset) -> std::optional<std::uint64_t> {
        if (segment == 0 || segment > section_rvas.size())
            return std::nullopt;
        return std::uint64_t{section_rvas[segment - 1u]} + offset;
    };
    std::map<std::string, std::uint64_t, std::less<>> data;
    bool had_error = false;
    const cv::CVSymbolArray& records = symbols->getSymbolArray();
    std::size_t n = 0;
    for (auto it = records.begin(&had_error); it != records.end(); ++it) {
        if (++n > kMaxSymbols)
            throw BadPdb{fmt::format("more than {} global symbols: not a kernel PDB", kMaxSymbols)};
        cv::CVSymbol sym = *it;
        if (sym.kind() == cv::S_PUB32) {
            cv::PublicSym32 pub(cv::SymbolRecordKind::PublicSym32);
            if (auto err = cv::SymbolDeserializer::deserializeAs(sym, pub))
                throw BadPdb{"malformed public symbol: " + message(std::move(err))};
            if (auto rva = rvaOf(pub.Segment, pub.Offset))
                p.symbols.insert_or_assign(nameText(pub.Name), *rva);
        } else if (sym.kind() == cv::S_GDATA32 || sym.kind() == cv::S_LDATA32) {
            cv::DataSym d(static_cast<cv::SymbolRecordKind>(sym.kind()));
            if (auto err = cv::SymbolDeserializer::deserializeAs(sym, d))
                throw BadPdb{"malformed data symbol: " + message(std::move(err))};
            if (auto rva = rvaOf(d.Segment, d.DataOffset))
                data.try_emplace(nameText(d.Name), *rva);
        }
    }
    if (had_error)
        throw BadPdb{fmt::format("malformed symbol record stream: record {} cannot be read", n)};
    for (auto& [name, rva] : data)
        p.symbols.try_emplace(name, rva);
}

} // namespace

bool isPdbFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    char head[kMsf7Magic.size()];
    if (!in || !in.read(head, sizeof head))
        return false;
    return std::string_view(head, sizeof head) == kMsf7Magic;
}

Expected<PdbId> readPdbId(const fs::path& path) {
    DP_TRY(auto open, openPdb(path));
    return pdbIdOf(*open->file, path);
}

namespace {

Expected<Profile> profileOf(OpenPdb& open, const fs::path& path) {
    DP_TRY(const PdbId id, pdbIdOf(*open.file, path));
    Profile p;
    p.name = escapeBytes(path.filename().string());
    // A symbol file like an ISF (the checks treat both alike); --show-profile names it "pdb".
    p.source = ProfileSource::Pdb;
    p.data_source = fmt::format("PDB {} ({}-{})", escapeBytes(path.string()), id.guid, id.age);
    p.pdb_ids.push_back(id);
    try {
        readTypes(*open.file, p);
        readSymbols(*open.file, p);
    } catch (const BadPdb& e) {
        return pdbError(path, e.what);
    }
    p.handle_era = detectHandleEra(p);
    return p;
}

} // namespace

Expected<Profile> loadPdbProfile(const fs::path& path) {
    DP_TRY(auto open, openPdb(path));
    return profileOf(*open, path);
}

Expected<Profile> loadPdbProfileFromBytes(std::string bytes, const fs::path& name) {
    DP_TRY(auto open, openPdbBytes(std::move(bytes), name));
    return profileOf(*open, name);
}

} // namespace dumpprocs::kernel
