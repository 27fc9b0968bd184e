// Loads a Volatility 3 ISF symbol table (.json or .json.xz) into a Profile.
#include <lzma.h>

#include <algorithm>
#include <fstream>
#include <istream>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <streambuf>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dumpprocs/kernel/profile.hpp"
#include "dumpprocs/support/text.hpp"

namespace dumpprocs::kernel {
namespace {

using json = nlohmann::json;
// Real ntoskrnl ISF files are under 10 MiB as JSON; the parsed DOM takes several times the text.
// Both the file and its decompressed text are capped, so an xz bomb or --symbols /dev/zero fails
// quickly instead of exhausting memory.
constexpr std::size_t kMaxDecompressed = 64u << 20;

Expected<std::string> readFile(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return makeError(ErrorCode::Io, "{}: is a directory, not a symbol file", path.string());
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::Io, "{}: cannot open the symbol file", path.string());
    if (!std::filesystem::is_regular_file(path, ec)) {
        // A device or pipe (--symbols /dev/zero) has no size: read it in chunks up to the cap.
        std::string data;
        std::vector<char> chunk(1 << 20);
        while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) ||
               in.gcount() > 0) {
            data.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
            if (data.size() > kMaxDecompressed)
                return makeError(ErrorCode::InvalidData,
                                 "{}: larger than {} MiB, not a symbol file", path.string(),
                                 kMaxDecompressed >> 20);
        }
        return data;
    }
    // One read of the whole file (a character iterator costs more than the decompression), after
    // its size is checked: a huge file must fail, not exhaust memory.
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size < 0)
        return makeError(ErrorCode::Io, "{}: cannot size the symbol file", path.string());
    if (static_cast<std::uint64_t>(size) > kMaxDecompressed)
        return makeError(ErrorCode::InvalidData, "{}: larger than {} MiB, not a symbol file",
                         path.string(), kMaxDecompressed >> 20);
    std::string data(static_cast<std::size_t>(size), '\0');
    if (!in.read(data.data(), size))
        return makeError(ErrorCode::Io, "{}: cannot read the symbol file", path.string());
    return data;
}

// Decompresses an .xz file as the JSON parser reads it, 256 KiB at a time: the whole text of a
// large ISF (7 MB) would be new memory to fault in, which costs more than parsing it.
class XzStreamBuf final : public std::streambuf {
  public:
    explicit XzStreamBuf(const std::string& compressed) : out_(256 << 10) {
        ok_ = lzma_stream_decoder(&strm_, UINT64_MAX, 0) == LZMA_OK;
        strm_.next_in = reinterpret_cast<const std::uint8_t*>(compressed.data());
        strm_.avail_in = compressed.size();
        total_in_ = compressed.size();
    }
    ~XzStreamBuf() override { lzma_end(&strm_); }
    XzStreamBuf(const XzStreamBuf&) = delete;
    XzStreamBuf& operator=(const XzStreamBuf&) = delete;

    // Why the stream ended early, or empty when it ended at the end of the xz data.
    std::string problem() const { return problem_; }

  protected:
    int_type underflow() override {
        if (gptr() < egptr())
            return traits_type::to_int_type(*gptr());
        if (!ok_ || finished_)
            return traits_type::eof();
        strm_.next_out = reinterpret_cast<std::uint8_t*>(out_.data());
        strm_.avail_out = out_.size();
        const lzma_ret ret = lzma_code(&strm_, LZMA_FINISH);
        const std::size_t produced = out_.size() - strm_.avail_out;
        produced_ += produced;
        if (ret == LZMA_STREAM_END) {
            finished_ = true;
        } else if (ret != LZMA_OK) {
            problem_ = fmt::format("corrupt xz data (lzma error {} after {} bytes)",
                                   static_cast<int>(ret), total_in_ - strm_.avail_in);
            ok_ = false;
        } else if (produced_ > kMaxDecompressed) {
            problem_ = fmt::format("decompresses to more than {} MiB", kMaxDecompressed >> 20);
            ok_ = false;
        }
        if (ok_ && !finished_ && produced == 0) {
            problem_ = fmt::format("xz data ends early: truncated after {} bytes", total_in_);
            ok_ = false;
        }
        if (!ok_ && problem_.empty())
            problem_ = "cannot start the xz decoder";
        if (!ok_ || produced == 0)
            return traits_type::eof();
        setg(out_.data(), out_.data(), out_.data() + produced);
        return traits_type::to_int_type(*gptr());
    }

  private:
    lzma_stream strm_ = LZMA_STREAM_INIT;
    std::vector<char> out_;
    std::size_t total_in_ = 0, produced_ = 0;
    bool ok_ = false, finished_ = false;
    std::string problem_;
};

// A symbol file that says something impossible (a negative offset, a size past 32 bits, an array
// whose size overflows): the message names the type and member.
class BadIsf : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Nested array subtypes deeper than this are no kernel type (real ones nest two deep).
constexpr int kMaxTypeDepth = 8;

// `obj[key]` without the undefined behaviour of a const operator[] on a missing key.
const json& child(const json& obj, const char* key) {
    static const json missing;
    if (!obj.is_object())
        return missing;
    auto it = obj.find(key);
    return it == obj.end() ? missing : *it;
}

// A non-negative integer field no larger than `max`, or `fallback` when absent; anything else
// (negative, fractional, a string, too large) is an error naming `where`, never a wrapped value.
std::uint64_t uintField(const json& obj, const char* key, std::uint64_t fallback, std::uint64_t max,
                        const std::string& where) {
    const json& v = child(obj, key);
    if (v.is_null())
        return fallback;
    if (!v.is_number_integer())
        throw BadIsf(fmt::format("{}: {} {} is not an integer", where, key, v.dump()));
    if (!v.is_number_unsigned() && v.get<std::int64_t>() < 0)
        throw BadIsf(fmt::format("{}: {} {} is negative", where, key, v.get<std::int64_t>()));
    const std::uint64_t value = v.get<std::uint64_t>();
    if (value > max)
        throw BadIsf(
            fmt::format("{}: {} {:#x} is too large (at most {:#x})", where, key, value, max));
    return value;
}

constexpr std::uint64_t kU32 = 0xFFFFFFFFu;

std::uint32_t baseSize(const json& isf, const std::string& name, const std::string& where) {
    const json& base = child(child(isf, "base_types"), name.c_str());
    return static_cast<std::uint32_t>(uintField(base, "size", 0, 16, where));
}

bool signedBase(const json& isf, const std::string& name) {
    const json& base = child(child(isf, "base_types"), name.c_str());
    return base.is_object() && base.value("signed", false);
}

// Fills kind/size/type_name/count/bits of `m` from an ISF type descriptor; `where` names the
// member in errors.
void describe(const json& isf, const json& ty, MemberInfo& m, const std::string& where,
              int depth = 0) {
    if (depth > kMaxTypeDepth)
        throw BadIsf(fmt::format("{}: type nested more than {} deep", where, kMaxTypeDepth));
    if (!ty.is_object())
        throw BadIsf(fmt::format("{}: type {} is not an object", where, ty.dump()));
    const std::string kind = ty.value("kind", "");
    if (kind == "pointer") {
        m.kind = MemberKind::Pointer;
        m.size = 8;
        const json& sub = child(ty, "subtype");
        m.type_name = sub.is_object() ? sub.value("name", "void") : "void";
    } else if (kind == "bitfield") {
        m.kind = MemberKind::Bitfield;
        m.bit_position = static_cast<std::uint8_t>(uintField(ty, "bit_position", 0, 255, where));
        m.bit_length = static_cast<std::uint8_t>(uintField(ty, "bit_length", 1, 255, where));
        const json& container = child(ty, "type");
        m.type_name = container.is_object() ? container.value("name", "") : "";
        m.size = baseSize(isf, m.type_name, where);
    } else if (kind == "base") {
        m.type_name = ty.value("name", "");
        m.size = baseSize(isf, m.type_name, where);
        m.kind = signedBase(isf, m.type_name) ? MemberKind::Signed : MemberKind::Unsigned;
    } else if (kind == "struct" || kind == "union" || kind == "class") {
        m.kind = MemberKind::Struct;
        m.type_name = ty.value("name", "");
        const json& type = child(child(isf, "user_types"), m.type_name.c_str());
        m.size = static_cast<std::uint32_t>(uintField(type, "size", 0, kU32, where));
    } else if (kind == "enum") {
        m.kind = MemberKind::Enum;
        m.type_name = ty.value("name", "");
        const json& e = child(child(isf, "enums"), m.type_name.c_str());
        m.size = static_cast<std::uint32_t>(uintField(e, "size", 4, 16, where));
    } else if (kind == "array") {
        MemberInfo element;
        describe(isf, child(ty, "subtype"), element, where, depth + 1);
        m.count = static_cast<std::uint32_t>(uintField(ty, "count", 0, kU32, where));
        m.type_name = element.type_name;
        const bool text =
            (element.kind == MemberKind::Unsigned || element.kind == MemberKind::Signed) &&
            element.size == 1;
        m.kind = text ? MemberKind::CharArray : MemberKind::Array;
        const std::uint64_t total = std::uint64_t{element.size} * m.count;
        if (total > kU32)
            throw BadIsf(fmt::format("{}: array of {} x {} bytes is larger than 4 GiB", where,
                                     m.count, element.size));
        m.size = static_cast<std::uint32_t>(total);
    }
}

// Builds the DOM of an ISF file except for what the profile never uses: the symbols (43,000 in a
// Windows 11 table, the largest part of the file) go straight into a name -> address map, and
// the enums' constants are skipped (only their sizes matter). That halves the loading time.
class IsfSaxHandler {
  public:
    using string_t = json::string_t;

    IsfSaxHandler(json& root, std::map<std::string, std::uint64_t, std::less<>>& symbols)
        : dom_(root, true), symbols_(symbols) {}

    bool null() {
        return value([&] { return dom_.null(); });
    }
    bool boolean(bool v) {
        return value([&] { return dom_.boolean(v); });
    }
    bool number_integer(json::number_integer_t v) {
        if (inSymbolAddress() && v >= 0)
            symbols_.insert_or_assign(symbol_, static_cast<std::uint64_t>(v));
        return value([&] { return dom_.number_integer(v); });
    }
    bool number_unsigned(json::number_unsigned_t v) {
        if (inSymbolAddress())
            symbols_.insert_or_assign(symbol_, static_cast<std::uint64_t>(v));
        return value([&] { return dom_.number_unsigned(v); });
    }
    bool number_float(json::number_float_t v, const string_t& text) {
        return value([&] { return dom_.number_float(v, text); });
    }
    bool string(string_t& v) {
        return value([&] { return dom_.string(v); });
    }
    bool binary(json::binary_t& v) {
        return value([&] { return dom_.binary(v); });
    }
    bool start_object(std::size_t n) {
        ++depth_;
        return forwarded() ? dom_.start_object(n) : true;
    }
    bool end_object() {
        const bool forward = forwarded();
        --depth_;
        endContainer();
        return forward ? dom_.end_object() : true;
    }
    bool start_array(std::size_t n) {
        ++depth_;
        return forwarded() ? dom_.start_array(n) : true;
    }
    bool end_array() {
        const bool forward = forwarded();
        --depth_;
        endContainer();
        return forward ? dom_.end_array() : true;
    }
    bool key(string_t& k) {
        if (forwarded())
            onKey(k);
        else if (in_symbols_ && depth_ == 2)
            symbol_ = k;
        else if (in_symbols_ && depth_ == 3)
            address_key_ = k == "address";
        return forwarded() ? dom_.key(k) : true;
    }
    bool parse_error(std::size_t position, const std::string& token,
                     const nlohmann::detail::exception& e) {
        return dom_.parse_error(position, token, e);
    }

  private:
    // Depth: the number of open objects and arrays (1 inside the root object).
    void onKey(const string_t& k) {
        if (depth_ == 1) {
            top_key_ = k;
            in_symbols_ = k == "symbols";
        } else if (depth_ == 3 && top_key_ == "enums" && k == "constants") {
            skip_depth_ = depth_; // the value that follows, whatever its size
        }
    }
    bool forwarded() const { return !in_symbols_ && skip_depth_ == 0; }
    bool inSymbolAddress() const { return in_symbols_ && depth_ == 3 && address_key_; }
    template <typename F> bool value(F&& forward) {
        if (in_symbols_ && depth_ == 1) {
            in_symbols_ = false; // "symbols" held a scalar, not an object: no symbols
            return true;
        }
        if (forwarded())
            return forward();
        if (skip_depth_ != 0 && depth_ == skip_depth_)
            skip_depth_ = 0; // a skipped scalar
        return true;
    }
    void endContainer() {
        if (skip_depth_ != 0 && depth_ == skip_depth_)
            skip_depth_ = 0;
        if (in_symbols_ && depth_ == 1)
            in_symbols_ = false;
    }

    nlohmann::detail::json_sax_dom_parser<json> dom_;
    std::map<std::string, std::uint64_t, std::less<>>& symbols_;
    std::size_t depth_ = 0, skip_depth_ = 0;
    std::string top_key_, symbol_;
    bool in_symbols_ = false, address_key_ = false;
};

Expected<Profile> fromJson(const json& isf, const std::filesystem::path& path,
                           std::map<std::string, std::uint64_t, std::less<>> symbols) {
    if (!isf.is_object() || !isf.contains("user_types") || !isf["user_types"].is_object())
        return makeError(ErrorCode::InvalidData, "{}: not an ISF symbol table (no user_types)",
                         path.string());
    if (!isf.contains("base_types"))
        return makeError(ErrorCode::InvalidData, "{}: not an ISF symbol table (no base_types)",
                         path.string());
    Profile p;
    p.symbols = std::move(symbols);
    // Reports print these, JSON too: a file name is bytes, not necessarily UTF-8.
    p.name = escapeBytes(path.filename().string());
    p.source = ProfileSource::Isf;
    p.data_source = "ISF " + escapeBytes(path.string());
    for (const auto& [tname, t] : isf["user_types"].items()) {
        if (!t.contains("size") || !t.contains("fields"))
            return makeError(ErrorCode::InvalidData, "{}: type {} has no size or no fields",
                             path.string(), tname);
        TypeInfo type;
        type.name = tname;
        type.size =
            static_cast<std::uint32_t>(uintField(t, "size", 0, kU32, "sizeof(" + tname + ")"));
        if (!t["fields"].is_object())
            throw BadIsf(fmt::format("type {}: fields is not an object", tname));
        for (const auto& [mname, f] : t["fields"].items()) {
            const std::string where = tname + "." + mname;
            MemberInfo m;
            m.name = mname;
            m.offset = static_cast<std::uint32_t>(uintField(f, "offset", 0, kU32, where));
            describe(isf, child(f, "type"), m, where);
            type.members.push_back(std::move(m));
        }
        std::sort(type.members.begin(), type.members.end(), [](const auto& a, const auto& b) {
            return a.offset != b.offset ? a.offset < b.offset : a.bit_position < b.bit_position;
        });
        p.types.emplace(tname, std::move(type));
    }
    if (auto pdb = isf.value("/metadata/windows/pdb"_json_pointer, json()); pdb.is_object())
        p.pdb_ids.push_back(PdbId{pdb.value("GUID", ""), pdb.value("age", 0u)});
    p.handle_era = detectHandleEra(p);
    return p;
}

} // namespace

Expected<Profile> loadIsfProfile(const std::filesystem::path& path) {
    DP_TRY(const std::string data, readFile(path));
    const bool xz = data.size() >= 6 && data.compare(0, 6,
                                                     "\xFD"
                                                     "7zXZ\0",
                                                     6) == 0;
    json isf;
    std::map<std::string, std::uint64_t, std::less<>> symbols;
    std::optional<XzStreamBuf> xz_text;
    try {
        IsfSaxHandler handler(isf, symbols);
        if (xz) {
            std::istream text(&xz_text.emplace(data));
            json::sax_parse(text, &handler);
        } else {
            json::sax_parse(data, &handler);
        }
    } catch (const json::exception& e) { // the DOM builder rethrows parse errors sliced
        if (xz_text && !xz_text->problem().empty())
            return makeError(ErrorCode::InvalidData, "{}: {}", path.string(), xz_text->problem());
        return makeError(ErrorCode::InvalidData, "{}: not JSON: {}", path.string(), e.what());
    }
    if (xz_text && !xz_text->problem().empty())
        return makeError(ErrorCode::InvalidData, "{}: {}", path.string(), xz_text->problem());
    try {
        return fromJson(isf, path, std::move(symbols));
    } catch (const BadIsf& e) {
        return makeError(ErrorCode::InvalidData, "{}: malformed ISF: {}", path.string(), e.what());
    } catch (const json::exception& e) {
        return makeError(ErrorCode::InvalidData, "{}: malformed ISF: {}", path.string(), e.what());
    }
}

} // namespace dumpprocs::kernel
