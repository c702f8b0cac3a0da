// The name the Galapagos middleware gives a catalogue board: the optional `galapagos.board` of
// data/devices/<board>.yaml, the one table from atoll's catalogue names ("sidewinder-100") to
// the names a Galapagos map file's <board> and `galapagos-update-board` take ("sidewinder").
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace atl::hw {

// Catalogue name -> Galapagos board name, one entry per *.yaml under `catalogue_dir`; the name is
// empty for a board Galapagos does not know. Errors name the file and the field.
using GalapagosBoards = std::map<std::string, std::string>;
GalapagosBoards load_galapagos_boards(const std::filesystem::path& catalogue_dir);

}  // namespace atl::hw
