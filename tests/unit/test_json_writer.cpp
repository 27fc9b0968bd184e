#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dumpprocs/report/json_writer.hpp"
#include "dumpprocs/report/table.hpp"

using dumpprocs::report::JsonWriter;
using json = nlohmann::ordered_json;

namespace {

// What the writer prints for `value` written through json(), and, when `by_parts`, written member
// by member and element by element through the writer's own calls.
std::string written(const json& value, bool by_parts) {
    std::string out;
    {
        JsonWriter w([&out](std::string_view text) { out += text; });
        if (!by_parts) {
            w.json(value);
            w.flush();
            return out;
        }
        auto write = [&w](auto& self, const json& v) -> void {
            if (v.is_object()) {
                w.beginObject();
                for (const auto& [k, m] : v.items()) {
                    w.key(k);
                    self(self, m);
                }
                w.endObject();
            } else if (v.is_array()) {
                w.beginArray();
                for (const auto& e : v)
                    self(self, e);
                w.endArray();
            } else if (v.is_string()) {
                w.string(v.get<std::string>());
            } else if (v.is_boolean()) {
                w.boolean(v.get<bool>());
            } else if (v.is_number_unsigned()) {
                w.number(v.get<std::uint64_t>());
            } else if (v.is_number_integer()) {
                w.signedNumber(v.get<std::int64_t>());
            } else if (v.is_null()) {
                w.null();
            } else {
                w.json(v);
            }
        };
        write(write, value);
    }
    return out;
}

} // namespace

TEST_CASE("JsonWriter prints what nlohmann's dump(2) prints", "[report]") {
    json doc;
    doc["processes"] = json::array();
    for (int i = 0; i < 3; ++i) {
        json row;
        row["eprocess"] = "0xffffe00011020060";
        row["pid"] = static_cast<std::uint64_t>(4 + i);
        row["delta"] = -i - 1;
        row["name"] = i == 0 ? std::string("quote\" back\\ \b\f\n\r\t \x01\x1f\x7f end")
                             : std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
        row["flag"] = i % 2 == 0;
        row["none"] = nullptr;
        row["in"] = {{"active", true}, {"mm", false}};
        row["evidence"] = json::array();
        row["empty_object"] = json::object();
        row["ratio"] = 0.1 * (i + 1);
        row["big"] = 1e300;
        row["nested"] = json::array({json::array(), json::array({1, 2}), json::object()});
        doc["processes"].push_back(row);
    }
    doc["views"] = json::object();
    doc["summary"] = {{"shown", 3U}, {"total", 3U}};
    doc["text"] = "";
    const std::string expected = doc.dump(2);
    CHECK(written(doc, false) == expected);
    CHECK(written(doc, true) == expected);
    // Top-level scalars and empty containers.
    for (const json& v : {json(nullptr), json(true), json(std::uint64_t{18446744073709551615U}),
                          json(std::int64_t{-9223372036854775807LL - 1}), json("x"), json::array(),
                          json::object(), json(2.5)}) {
        CHECK(written(v, false) == v.dump(2));
        CHECK(written(v, true) == v.dump(2));
    }
}

TEST_CASE("JsonWriter rejects invalid UTF-8 as dump() does", "[report]") {
    std::string out;
    JsonWriter w([&out](std::string_view text) { out += text; });
    CHECK_THROWS_AS(w.string("bad \xff byte"), nlohmann::json::type_error);
    CHECK_THROWS_AS(json("bad \xff byte").dump(2), nlohmann::json::type_error);
}

TEST_CASE("JsonWriter hands big output over in pieces, in order", "[report]") {
    std::string out;
    std::size_t pieces = 0;
    json doc = json::array();
    {
        JsonWriter w([&](std::string_view text) {
            out += text;
            ++pieces;
        });
        w.beginArray();
        for (std::uint64_t i = 0; i < 50000; ++i) {
            w.number(i);
            doc.push_back(i);
        }
        w.endArray();
    }
    CHECK(pieces > 1);
    CHECK(out == doc.dump(2));
}

TEST_CASE("JsonWriter writes members another writer rendered at its depth", "[report]") {
    json doc = {{"views", {{"active", {{"entries", json::array()}}}}}};
    json entry = {{"index", 1U}, {"eprocess", "0xffffe00011020060"}, {"name", "a\tb"}};
    doc["views"]["active"]["entries"].push_back(entry);
    doc["views"]["active"]["entries"].push_back(entry);
    std::string out;
    {
        JsonWriter w([&out](std::string_view text) { out += text; });
        std::string rendered;
        w.beginObject();
        w.key("views");
        w.beginObject();
        w.key("active");
        w.beginObject();
        w.key("entries");
        w.beginArray();
        for (int i = 0; i < 2; ++i) {
            w.beginObject();
            w.key("index");
            w.number(1);
            if (rendered.empty()) {
                JsonWriter part([&rendered](std::string_view text) { rendered += text; },
                                w.depth());
                part.key("eprocess");
                part.string("0xffffe00011020060");
                part.key("name");
                part.string("a\tb");
            }
            w.members(rendered);
            w.endObject();
        }
        w.endArray();
        w.endObject();
        w.endObject();
        w.endObject();
    }
    CHECK(out == doc.dump(2));
}

TEST_CASE("A cell written by the JsonWriter reads as its json()", "[report]") {
    using dumpprocs::report::Cell;
    const std::vector<Cell> cells = {Cell::missing(),
                                     Cell::text("a \"b\"\n"),
                                     Cell::number(0),
                                     Cell::number(~std::uint64_t{0}),
                                     Cell::signedNumber(-5),
                                     Cell::hex(0),
                                     Cell::hex(0xfffffa8006d0f740ULL),
                                     Cell::hex(~std::uint64_t{0}),
                                     Cell::flag(true),
                                     Cell::flag(false),
                                     Cell::missing().inJson(json{{"active", true}}),
                                     Cell::text("x").inJson(json::array({"e1", "e2"}))};
    for (const Cell& c : cells) {
        std::string out;
        {
            JsonWriter w([&out](std::string_view text) { out += text; });
            c.writeJson(w);
        }
        CHECK(out == c.json().dump(2));
    }
}
