// --dtype: converting a loaded model's weight matrices to one element type
// on load, whatever the file stored (a BF16 folder run as Q8_0, an F32
// llama2.c file as F16, ...). The token embedding, the classifier and every
// layer's projection matrices are converted; norm gains stay as stored (the
// forward pass reads them once into float32). A Q8_0 target needs rows of a
// multiple of 32 values: other matrices become F16, as synth-model writes
// them. Conversions go through float32 (exact from F16/BF16), row by row on
// all cores; tied embeddings stay shared.
#ifndef DOOMSCOPE_ENGINE_CONVERT_DTYPE_H_
#define DOOMSCOPE_ENGINE_CONVERT_DTYPE_H_

#include "engine/model_weights.h"

namespace doomscope::engine {

// Converts in place; the new storage keeps the old one alive for the
// tensors still viewed there. Matrices already of the target type stay views.
void ConvertMatrices(DType target, ModelWeights* weights);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_CONVERT_DTYPE_H_
