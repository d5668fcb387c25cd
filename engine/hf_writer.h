// Writes a model as a Hugging Face folder, the way a trainer saves one:
// config.json and the tensor names from the architecture's table entry
// (hf_architectures.h, each tensor put back in its stored layout,
// hf_tensor_layout.h: Q/K rows in rotate-half order, Qwen3.5's value heads
// grouped, its norm weights as w and its decay rates as A_log; a value with
// no exact stored form is refused), model.safetensors,
// generation_config.json, and a
// tokenizer: tokenizer.json + tokenizer_config.json written from a
// SentencePiece-style vocabulary (BPE with byte fallback, merges extracted
// from the pieces and their scores as transformers' converter does), or
// copied from an existing tokenizer.json.
//
// Loading the folder back (hf_model.h) gives the same bytes in every tensor.
#ifndef DOOMSCOPE_ENGINE_HF_WRITER_H_
#define DOOMSCOPE_ENGINE_HF_WRITER_H_

#include <string>

#include "absl/status/status.h"
#include "engine/model_weights.h"
#include "engine/tokenizer.h"

namespace doomscope::engine {

struct HfWriteOptions {
  // The tokenizer: a tokenizer.json to copy (with the tokenizer_config.json
  // beside it, when there is one); empty: written from `vocab`.
  std::string tokenizer_json;
  const TokenizerVocab* vocab = nullptr;
};

// Writes into folder `dir` (created if needed; files of the same names are
// replaced, each atomically). Weights must be F32, F16 or BF16 (safetensors
// has no Q8_0).
absl::Status WriteHfFolder(const ModelWeights& weights, const HfWriteOptions& options, const std::string& dir);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_WRITER_H_
