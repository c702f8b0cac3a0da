// DSP or AI Engine per matmul: the knob search (knob_search.cpp) offers every linear and attention
// matmul stage on AI Engine tiles as well as on DSPs when the caps budget tiles (Caps::aie > 0),
// and keeps the cheaper option that reaches the rate, as for any knob. This file turns a user's
// request for AI Engines (`atoll map --aie`) into such caps, refusing a cluster whose boards have
// none.
#pragma once

#include "hw/cluster.h"
#include "map/resources.h"

namespace atl::map {

// `caps` with AI Engines allowed (aie = 1 unless the caps already set a share). Throws core::Error
// (invalid_input) naming the first node whose board has no AI Engines.
Caps with_aie(Caps caps, const hw::Cluster& cluster);

}  // namespace atl::map
