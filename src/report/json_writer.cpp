#include "dumpprocs/report/json_writer.hpp"

#include <array>
#include <charconv>

namespace dumpprocs::report {
namespace {

constexpr std::size_t kIndent = 2; // dump(2)
// The bytes a string cannot hold as they are: control characters, '"', '\\' and every byte of
// a multi-byte UTF-8 sequence (those go through nlohmann).
constexpr auto kSpecial = [] {
    std::array<bool, 256> special{};
    for (std::size_t c = 0; c < 256; ++c)
        special[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
    return special;
}();
constexpr std::size_t kFlushAt = std::size_t{1} << 16; // bytes buffered before a write

} // namespace

JsonWriter::JsonWriter(Write write, std::size_t depth)
    : write_(std::move(write)), stack_(depth, Frame{true, false}) {
    buffer_.reserve(depth ? 256 : kFlushAt + 4096);
}

JsonWriter::~JsonWriter() {
    flush();
}

void JsonWriter::flush() {
    if (!buffer_.empty())
        write_(buffer_);
    buffer_.clear();
}

void JsonWriter::maybeFlush() {
    if (buffer_.size() >= kFlushAt)
        flush();
}

void JsonWriter::newline() {
    buffer_ += '\n';
    buffer_.append(stack_.size() * kIndent, ' ');
}

// The separator and indent before a value: in an array before each element; in an object the
// member's name wrote them.
void JsonWriter::beforeValue() {
    maybeFlush();
    if (stack_.empty() || stack_.back().object)
        return;
    if (!stack_.back().empty)
        buffer_ += ',';
    stack_.back().empty = false;
    newline();
}

void JsonWriter::key(std::string_view name) {
    maybeFlush();
    if (!stack_.back().empty)
        buffer_ += ',';
    stack_.back().empty = false;
    newline();
    quoted(name);
    buffer_ += ": ";
}

void JsonWriter::beginObject() {
    beforeValue();
    buffer_ += '{';
    stack_.push_back({true, true});
}

void JsonWriter::endObject() {
    const bool empty = stack_.back().empty;
    stack_.pop_back();
    if (!empty)
        newline();
    buffer_ += '}';
    maybeFlush();
}

void JsonWriter::beginArray() {
    beforeValue();
    buffer_ += '[';
    stack_.push_back({false, true});
}

void JsonWriter::endArray() {
    const bool empty = stack_.back().empty;
    stack_.pop_back();
    if (!empty)
        newline();
    buffer_ += ']';
    maybeFlush();
}

// As dump() escapes with ensure_ascii off. A string with a byte above 0x7F goes through nlohmann
// itself, which checks the UTF-8 (and throws on invalid UTF-8, as the document's dump() would).
void JsonWriter::quoted(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    const std::size_t start = buffer_.size();
    buffer_ += '"';
    std::size_t run = 0; // the start of the bytes not yet copied
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!kSpecial[c])
            continue;
        if (c >= 0x80) {
            buffer_.resize(start);
            buffer_ += nlohmann::ordered_json(std::string(text)).dump();
            return;
        }
        buffer_.append(text.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            buffer_ += "\\\"";
            break;
        case '\\':
            buffer_ += "\\\\";
            break;
        case '\b':
            buffer_ += "\\b";
            break;
        case '\f':
            buffer_ += "\\f";
            break;
        case '\n':
            buffer_ += "\\n";
            break;
        case '\r':
            buffer_ += "\\r";
            break;
        case '\t':
            buffer_ += "\\t";
            break;
        default:
            buffer_ += "\\u00";
            buffer_ += kHex[c >> 4];
            buffer_ += kHex[c & 0xF];
        }
    }
    buffer_.append(text.data() + run, text.size() - run);
    buffer_ += '"';
}

void JsonWriter::string(std::string_view value) {
    beforeValue();
    quoted(value);
}

void JsonWriter::number(std::uint64_t value) {
    beforeValue();
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    buffer_.append(digits, end);
}

void JsonWriter::signedNumber(std::int64_t value) {
    beforeValue();
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    buffer_.append(digits, end);
}

void JsonWriter::boolean(bool value) {
    beforeValue();
    buffer_ += value ? "true" : "false";
}

void JsonWriter::null() {
    beforeValue();
    buffer_ += "null";
}

void JsonWriter::raw(std::string_view text) {
    buffer_ += text;
    maybeFlush();
}

void JsonWriter::members(std::string_view rendered) {
    if (rendered.empty())
        return;
    // Rendered after other members, it starts with their separator.
    if (stack_.back().empty && rendered.front() == ',')
        rendered.remove_prefix(1);
    stack_.back().empty = false;
    buffer_ += rendered;
    maybeFlush();
}

void JsonWriter::json(const nlohmann::ordered_json& value) {
    using value_t = nlohmann::ordered_json::value_t;
    switch (value.type()) {
    case value_t::object:
        beginObject();
        for (const auto& [name, member] : value.items()) {
            key(name);
            json(member);
        }
        endObject();
        return;
    case value_t::array:
        beginArray();
        for (const auto& element : value)
            json(element);
        endArray();
        return;
    case value_t::string:
        string(value.get_ref<const std::string&>());
        return;
    case value_t::boolean:
        boolean(value.get<bool>());
        return;
    case value_t::number_unsigned:
        number(value.get<std::uint64_t>());
        return;
    case value_t::number_integer:
        signedNumber(value.get<std::int64_t>());
        return;
    case value_t::null:
        null();
        return;
    default: // a double (and the types the reports never hold): nlohmann's own spelling
        beforeValue();
        buffer_ += value.dump();
        return;
    }
}

} // namespace dumpprocs::report
