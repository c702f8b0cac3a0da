// What the generator tests build bundles from besides the plan: the shipped device catalogue,
// its Galapagos board names and the synthetic weights (seed 1) of the example plan's model,
// each made once per test program.
#pragma once

#include <filesystem>

#include "codegen/bundle.h"
#include "graph/encoder.h"
#include "hw/device.h"
#include "hw/galapagos_board.h"
#include "model/synthetic.h"
#include "published_numbering.h"

namespace atl::codegen::test {

inline std::filesystem::path catalogue_dir() {
  return std::filesystem::path(ATOLL_SOURCE_DIR) / "data/devices";
}

inline const hw::Catalogue& catalogue() {
  static const hw::Catalogue c = hw::load_catalogue(catalogue_dir());
  return c;
}

inline const hw::GalapagosBoards& boards() {
  static const hw::GalapagosBoards b = hw::load_galapagos_boards(catalogue_dir());
  return b;
}

inline const model::EncoderWeights& example_weights() {
  static const model::EncoderWeights w =
      model::synthetic_weights(graph::model_config(example_plan().graph), 1);
  return w;
}

inline BundleInputs example_inputs(PlanSource source = {"p.json", "00ff"}) {
  return {catalogue(), boards(), example_weights(), std::move(source)};
}

}  // namespace atl::codegen::test
