#pragma once
// One small column model for the report tables: named, typed columns and rows of typed cells,
// with one renderer per output format, so that a value is spelled by one rule per format.
//
// Where today's formats disagree on a value, the cell carries that format's own rule (inText,
// inCsv, inJson) rather than the renderers guessing: a list head's name is "<no name>" in text
// and "" in JSON and CSV; an unsaved PID is "?" in text, null in JSON and the raw value in CSV.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dumpprocs::report {

class JsonWriter;

enum class Align { Left, Right };

struct Column {
    std::string title;     // text header; "" = not in the text table
    std::string csv_key;   // CSV header; "" = not in the CSV
    std::string json_key;  // JSON member name; "" = not in the JSON
    std::size_t width = 0; // text: padded to this width (0: as is)
    Align align = Align::Left;
    std::string gap = " "; // text: what separates it from the column before
};

class Cell {
  public:
    enum class Type { Missing, Text, Unsigned, Signed, Hex64, Flag };

    static Cell missing() { return Cell(Type::Missing); }
    static Cell text(std::string value);
    static Cell number(std::uint64_t value);
    static Cell signedNumber(std::int64_t value);
    static Cell hex(std::uint64_t value); // 0x + 16 digits in every format
    static Cell flag(bool value);         // 1/0 in text and CSV, true/false in JSON

    // A format's own spelling of this value, where the formats disagree.
    Cell& inText(std::string spelled);
    Cell& inCsv(std::string spelled);
    Cell& inJson(nlohmann::ordered_json spelled);

    Type type() const { return type_; }
    std::string text() const;
    std::string csv() const; // quoted as CSV needs
    nlohmann::ordered_json json() const;
    void writeJson(JsonWriter& out) const; // json(), written

    Cell(const Cell& other);
    Cell& operator=(const Cell& other);
    Cell(Cell&&) noexcept = default;
    Cell& operator=(Cell&&) noexcept = default;
    ~Cell() = default;

  private:
    // A format's own spellings, which few cells have: kept apart so that a cell is 56 bytes, not
    // 160 (a text table of thousands of rows holds tens of thousands of cells).
    struct Spellings {
        std::optional<std::string> text, csv;
        std::optional<nlohmann::ordered_json> json;
    };
    explicit Cell(Type type) : type_(type) {}
    std::string plain() const;
    Spellings& spellings();
    Type type_;
    std::string string_;
    std::uint64_t unsigned_ = 0; // Unsigned, Hex64, Flag; Signed keeps its bits here
    std::unique_ptr<Spellings> spelled_;
};

struct Table {
    std::vector<Column> columns;
    std::vector<std::vector<Cell>> rows; // one cell per column
    // The order of the JSON members, as column indices, where it differs from the columns'
    // (the JSON shapes are documented and older than this model); empty: the columns' order.
    std::vector<std::size_t> json_order;
    // The columns of the text table, as column indices in the order shown (a column needs a title
    // to be shown); empty: every column that has a title, in the columns' order.
    std::vector<std::size_t> text_order;

    void add(std::vector<Cell> row) { rows.push_back(std::move(row)); }
};

// The header line and one line per row, each column padded to its width after its gap.
std::string renderTextHeader(const Table& table);
std::string renderTextRow(const Table& table, const std::vector<Cell>& row);
std::string renderText(const Table& table);
// The header line of the CSV keys, then one line per row.
std::string renderCsvHeader(const Table& table);
std::string renderCsvRow(const Table& table, const std::vector<Cell>& row);
std::string renderCsv(const Table& table);
// One object per row, the columns that have a JSON key in column order.
nlohmann::ordered_json renderJsonRow(const Table& table, const std::vector<Cell>& row);
nlohmann::ordered_json renderJson(const Table& table);
// renderJsonRow's members, written into the object `out` is in (the caller begins and ends it).
void writeJsonMembers(JsonWriter& out, const Table& table, const std::vector<Cell>& row);

} // namespace dumpprocs::report
