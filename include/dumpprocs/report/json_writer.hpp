#pragma once
// A JSON writer that streams: values are written as they come, to a callback, in 64 KiB pieces,
// instead of building a document first. Its output is byte for byte what nlohmann's dump(2) of
// the same document prints (two-space indents, "key": value, empty containers as {} and [],
// strings escaped as dump() escapes them with ensure_ascii off: \" \\ \b \f \n \r \t, other
// control characters as \u00xx, UTF-8 kept as is and invalid UTF-8 an error).
//
// The caller names the members in the order it writes them and names each member once (an
// nlohmann object would keep one of two members of the same name; this writer writes both).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dumpprocs::report {

class JsonWriter {
  public:
    using Write = std::function<void(std::string_view)>;

    // `depth`: the writer starts inside that many objects that have members already, to render
    // members for members() of a writer at that depth.
    explicit JsonWriter(Write write, std::size_t depth = 0);
    ~JsonWriter(); // writes what is left
    JsonWriter(const JsonWriter&) = delete;
    JsonWriter& operator=(const JsonWriter&) = delete;

    void beginObject();
    void endObject();
    void beginArray();
    void endArray();
    // A member's name; its value is the next value written.
    void key(std::string_view name);

    void string(std::string_view value);
    void number(std::uint64_t value);
    void signedNumber(std::int64_t value);
    void boolean(bool value);
    void null();
    // A whole value, printed as dump(2) prints it at this depth.
    void json(const nlohmann::ordered_json& value);
    // Text written as is, outside the JSON (e.g. the newline after the document).
    void raw(std::string_view text);
    // Members another writer rendered at this depth (one made with depth()), into the object
    // this writer is in: the same members written again without spelling them again.
    void members(std::string_view rendered);
    std::size_t depth() const { return stack_.size(); }

    // Hands what is buffered to the callback.
    void flush();

  private:
    struct Frame {
        bool object;
        bool empty;
    };
    void beforeValue();
    void newline();
    void quoted(std::string_view text);
    void maybeFlush();

    Write write_;
    std::string buffer_;
    std::vector<Frame> stack_;
};

} // namespace dumpprocs::report
