#pragma once
// The command-line front end: parses arguments, runs the requested mode, maps results to exit
// codes (exit_codes.hpp).

#include <string>

#include "dumpprocs/cli/exit_codes.hpp"

namespace dumpprocs::cli {

int run(int argc, char** argv);

// Where colour goes, from --color (auto, always, never), the NO_COLOR environment variable's value
// (nullptr: not set) and whether standard output is a terminal and the output is text.
// NO_COLOR set and not empty (no-color.org) means none unless --color always asks for it.
struct ColourChoice {
    bool tables = false;      // the verdicts in text tables on standard output
    bool diagnostics = false; // the logger's levels on standard error (when it is a terminal)
};
ColourChoice chooseColour(const std::string& color, const char* no_color, bool stdout_is_terminal,
                          bool text_output);

} // namespace dumpprocs::cli
