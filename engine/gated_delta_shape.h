// The Gated DeltaNet layer's shape read from a model config. Its own header so
// that readers (gguf_model.cc validating tensor shapes) and the KV cache
// (sizing the per-sequence state) use it without the compute path
// (forward_gated_delta.cc), which the fuzz targets' readers library leaves out.
#ifndef DOOMSCOPE_ENGINE_GATED_DELTA_SHAPE_H_
#define DOOMSCOPE_ENGINE_GATED_DELTA_SHAPE_H_

#include "engine/gated_delta_rule.h"
#include "engine/model_weights.h"

namespace doomscope::engine {

inline GatedDeltaShape GatedDeltaShapeOf(const ModelConfig& config) {
  const DeltaNetConfig& d = config.delta_net;
  GatedDeltaShape shape;
  shape.num_k_heads = d.num_k_heads;
  shape.num_v_heads = d.num_v_heads;
  shape.head_k_dim = d.head_k_dim;
  shape.head_v_dim = d.head_v_dim;
  shape.conv_kernel = d.conv_kernel;
  shape.key_head_order = d.tiled_key_heads ? KeyHeadOrder::kTiled : KeyHeadOrder::kGrouped;
  return shape;
}

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_GATED_DELTA_SHAPE_H_
