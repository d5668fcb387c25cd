// One way to open any checkpoint, by what the path is:
//   - a folder with config.json: a Hugging Face model folder (hf_model.h);
//   - a file starting with the magic "GGUF": a GGUF file;
//   - any other file: a llama2.c legacy checkpoint (7 int32 header).
// Each is validated completely before use. A folder without config.json, a
// lone safetensors file or config.json, or a missing path is an error that
// says what is missing and what would work instead.
#ifndef DOOMSCOPE_ENGINE_MODEL_LOADER_H_
#define DOOMSCOPE_ENGINE_MODEL_LOADER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/model_weights.h"
#include "engine/sampler.h"
#include "engine/tokenizer.h"

namespace doomscope::engine {

enum class ModelFormat { kGguf, kLlama2c, kHfFolder };
// "gguf", "llama2c", "hf".
const char* ModelFormatName(ModelFormat f);

// The checkpoint format of `path` (an error if it is none of the three).
absl::StatusOr<ModelFormat> SniffModelFormat(const std::string& path);

// How to load.
struct LoadOptions {
  // A tokenizer to use instead of the checkpoint's own (any path OpenTokenizer
  // takes: a llama2.c tok*.bin, a tokenizer.json, a GGUF, an HF folder).
  std::string tokenizer_path;
  // Convert the weight matrices to this type on load (--dtype; convert_dtype.h).
  std::optional<DType> dtype;
};

// The weights alone (no tokenizer), e.g. for benchmarks.
absl::StatusOr<ModelWeights> LoadModelWeights(const std::string& path, std::optional<DType> dtype = std::nullopt);

// Weights and tokenizer together.
struct LoadedModel {
  ModelWeights weights;
  Tokenizer tokenizer;
  ModelFormat format = ModelFormat::kGguf;
  // llama2.c's run.c ends generation when it samples BOS; generation from a
  // llama2.c checkpoint does the same. (EOS ends every generation.)
  bool stop_at_bos = false;
  std::string tokenizer_path;  // the file the tokenizer came from (the GGUF itself if embedded)
  // The checkpoint's own end-of-generation ids (an HF folder's
  // generation_config.json, which may list several), also when the tokenizer
  // was given separately.
  std::vector<int32_t> eos_ids;
  // The sampling the checkpoint recommends (generation_config.json), for a
  // runner that wants the model's defaults; nullopt when it gives none.
  std::optional<SamplingParams> default_sampling;

  // The tokens that end a generation: the tokenizer's end-of-generation ids
  // (EOS, end-of-turn tokens), eos_ids, and BOS when stop_at_bos.
  std::vector<int32_t> StopTokens() const;
};

// `tokenizer_path` may be empty: a GGUF then uses its embedded vocabulary, a
// llama2.c checkpoint looks for tok<VOCAB>.bin, then tokenizer.bin, beside the
// model, and an HF folder reads its tokenizer.json. The tokenizer's
// vocabulary size must equal the model's (an HF model's embedding may have
// more rows than its tokenizer has tokens, as trainers pad it).
absl::StatusOr<LoadedModel> LoadModel(const std::string& model_path, const std::string& tokenizer_path);
absl::StatusOr<LoadedModel> LoadModel(const std::string& model_path, const LoadOptions& options);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_MODEL_LOADER_H_
