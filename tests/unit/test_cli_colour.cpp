// Where the CLI puts colour: --color, NO_COLOR (no-color.org) and the terminal (issue 17).
#include <catch2/catch.hpp>

#include "dumpprocs/cli/app.hpp"

using dumpprocs::cli::chooseColour;

TEST_CASE("auto colours text on a terminal, unless NO_COLOR is set and not empty",
          "[cli][colour]") {
    CHECK(chooseColour("auto", nullptr, true, true).tables);
    CHECK(chooseColour("auto", "", true, true).tables); // set but empty: as if not set
    CHECK_FALSE(chooseColour("auto", "1", true, true).tables);
    CHECK_FALSE(chooseColour("auto", "0", true, true).tables);      // any non-empty value
    CHECK_FALSE(chooseColour("auto", nullptr, false, true).tables); // not a terminal
    CHECK_FALSE(chooseColour("auto", nullptr, true, false).tables); // JSON or CSV
    CHECK(chooseColour("auto", nullptr, false, false).diagnostics);
    CHECK(chooseColour("auto", "", false, false).diagnostics);
    CHECK_FALSE(chooseColour("auto", "1", false, false).diagnostics);
}

TEST_CASE("colour: always wins over NO_COLOR; never wins over everything", "[cli][colour]") {
    CHECK(chooseColour("always", "1", false, false).tables);
    CHECK(chooseColour("always", "1", false, false).diagnostics);
    CHECK_FALSE(chooseColour("never", nullptr, true, true).tables);
    CHECK_FALSE(chooseColour("never", nullptr, true, true).diagnostics);
}
