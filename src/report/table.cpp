#include "dumpprocs/report/table.hpp"

#include <fmt/format.h>

#include "dumpprocs/report/format.hpp"
#include "dumpprocs/report/json_writer.hpp"

namespace dumpprocs::report {

Cell Cell::text(std::string value) {
    Cell c(Type::Text);
    c.string_ = std::move(value);
    return c;
}

Cell Cell::number(std::uint64_t value) {
    Cell c(Type::Unsigned);
    c.unsigned_ = value;
    return c;
}

Cell Cell::signedNumber(std::int64_t value) {
    Cell c(Type::Signed);
    c.unsigned_ = static_cast<std::uint64_t>(value);
    return c;
}

Cell::Cell(const Cell& other)
    : type_(other.type_), string_(other.string_), unsigned_(other.unsigned_),
      spelled_(other.spelled_ ? std::make_unique<Spellings>(*other.spelled_) : nullptr) {}

Cell& Cell::operator=(const Cell& other) {
    if (this != &other)
        *this = Cell(other);
    return *this;
}

Cell::Spellings& Cell::spellings() {
    if (!spelled_)
        spelled_ = std::make_unique<Spellings>();
    return *spelled_;
}

Cell Cell::hex(std::uint64_t value) {
    Cell c(Type::Hex64);
    c.unsigned_ = value;
    return c;
}

Cell Cell::flag(bool value) {
    Cell c(Type::Flag);
    c.unsigned_ = value ? 1 : 0;
    return c;
}

Cell& Cell::inText(std::string spelled) {
    spellings().text = std::move(spelled);
    return *this;
}

Cell& Cell::inCsv(std::string spelled) {
    spellings().csv = std::move(spelled);
    return *this;
}

Cell& Cell::inJson(nlohmann::ordered_json spelled) {
    spellings().json = std::move(spelled);
    return *this;
}

std::string Cell::text() const {
    return spelled_ && spelled_->text ? *spelled_->text : plain();
}

// The spelling of the value's type, before any format's own rule.
std::string Cell::plain() const {
    switch (type_) {
    case Type::Missing:
        return "?";
    case Type::Text:
        return string_;
    case Type::Unsigned:
    case Type::Flag:
        return std::to_string(unsigned_);
    case Type::Signed:
        return std::to_string(static_cast<std::int64_t>(unsigned_));
    case Type::Hex64:
        return hex64(unsigned_);
    }
    return "";
}

std::string Cell::csv() const {
    if (spelled_ && spelled_->csv)
        return csvField(*spelled_->csv);
    switch (type_) {
    case Type::Missing:
        return "";
    case Type::Text:
        return csvField(string_);
    default:
        return plain();
    }
}

nlohmann::ordered_json Cell::json() const {
    using json = nlohmann::ordered_json;
    if (spelled_ && spelled_->json)
        return *spelled_->json;
    switch (type_) {
    case Type::Missing:
        return json(nullptr);
    case Type::Text:
        return json(string_);
    case Type::Unsigned:
        return json(unsigned_);
    case Type::Signed:
        return json(static_cast<std::int64_t>(unsigned_));
    case Type::Hex64:
        return json(hex64(unsigned_));
    case Type::Flag:
        return json(unsigned_ != 0);
    }
    return json(nullptr);
}

void Cell::writeJson(JsonWriter& out) const {
    if (spelled_ && spelled_->json) {
        out.json(*spelled_->json);
        return;
    }
    switch (type_) {
    case Type::Missing:
        out.null();
        return;
    case Type::Text:
        out.string(string_);
        return;
    case Type::Unsigned:
        out.number(unsigned_);
        return;
    case Type::Signed:
        out.signedNumber(static_cast<std::int64_t>(unsigned_));
        return;
    case Type::Hex64: {
        // hex64's spelling, without a string per address.
        static constexpr char kDigits[] = "0123456789abcdef";
        char spelled[18] = {'0', 'x'};
        std::uint64_t v = unsigned_;
        for (std::size_t i = 17; i >= 2; --i, v >>= 4)
            spelled[i] = kDigits[v & 0xF];
        out.string(std::string_view(spelled, sizeof spelled));
        return;
    }
    case Type::Flag:
        out.boolean(unsigned_ != 0);
        return;
    }
    out.null();
}

namespace {

std::string padded(const Column& c, const std::string& value) {
    if (c.width == 0)
        return value;
    return c.align == Align::Right ? fmt::format("{:>{}}", value, c.width)
                                   : fmt::format("{:<{}}", value, c.width);
}

template <typename Spell> std::string textLine(const Table& t, Spell spell) {
    std::string out;
    bool first = true;
    std::vector<std::size_t> order = t.text_order;
    if (order.empty())
        for (std::size_t i = 0; i < t.columns.size(); ++i)
            order.push_back(i);
    for (std::size_t i : order) {
        const Column& c = t.columns.at(i);
        if (c.title.empty())
            continue;
        if (!first)
            out += c.gap;
        out += padded(c, spell(i));
        first = false;
    }
    // A padded last column leaves no trailing blanks.
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out + "\n";
}

} // namespace

std::string renderTextHeader(const Table& t) {
    return textLine(t, [&t](std::size_t i) { return t.columns[i].title; });
}

std::string renderTextRow(const Table& t, const std::vector<Cell>& row) {
    return textLine(t, [&row](std::size_t i) { return row.at(i).text(); });
}

std::string renderText(const Table& t) {
    std::string out = renderTextHeader(t);
    for (const auto& row : t.rows)
        out += renderTextRow(t, row);
    return out;
}

std::string renderCsvHeader(const Table& t) {
    std::string out;
    for (const auto& c : t.columns)
        if (!c.csv_key.empty())
            out.append(out.empty() ? "" : ",").append(c.csv_key);
    return out + "\n";
}

std::string renderCsvRow(const Table& t, const std::vector<Cell>& row) {
    std::string out;
    bool first = true;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        if (t.columns[i].csv_key.empty())
            continue;
        if (!first)
            out += ',';
        out += row.at(i).csv();
        first = false;
    }
    return out + "\n";
}

std::string renderCsv(const Table& t) {
    std::string out = renderCsvHeader(t);
    for (const auto& row : t.rows)
        out += renderCsvRow(t, row);
    return out;
}

namespace {

// Calls `visit(index)` for each column with a JSON key, in the table's JSON order.
template <typename Visit> void forEachJsonColumn(const Table& t, Visit visit) {
    auto add = [&](std::size_t i) {
        if (!t.columns.at(i).json_key.empty())
            visit(i);
    };
    if (!t.json_order.empty())
        for (std::size_t i : t.json_order)
            add(i);
    else
        for (std::size_t i = 0; i < t.columns.size(); ++i)
            add(i);
}

} // namespace

nlohmann::ordered_json renderJsonRow(const Table& t, const std::vector<Cell>& row) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    forEachJsonColumn(t, [&](std::size_t i) { j[t.columns[i].json_key] = row.at(i).json(); });
    return j;
}

void writeJsonMembers(JsonWriter& out, const Table& t, const std::vector<Cell>& row) {
    forEachJsonColumn(t, [&](std::size_t i) {
        out.key(t.columns[i].json_key);
        row.at(i).writeJson(out);
    });
}

nlohmann::ordered_json renderJson(const Table& t) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& row : t.rows)
        arr.push_back(renderJsonRow(t, row));
    return arr;
}

} // namespace dumpprocs::report
