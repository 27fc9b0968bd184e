#pragma once
// Writes a Profile as a Volatility 3 ISF symbol table (schema 6.2.0): what `--export-isf` makes of
// a PDB, so that Volatility users (and `--symbols`) can use what dumpprocs read from it offline.

#include <string>

#include "dumpprocs/kernel/profile.hpp"

namespace dumpprocs::kernel {

// The ISF text (JSON, one object): metadata (producer, the PDB's GUID and age), base_types,
// user_types (every type and member, bitfields, arrays, pointers), enums (size, base type and
// constants as the PDB gives them; an enum only members name, from a profile without enums: its
// size alone) and symbols (RVAs). Unions are written as structs: the profile does
// not tell them apart, and every member carries its own offset either way.
std::string exportIsf(const Profile& profile);

} // namespace dumpprocs::kernel
