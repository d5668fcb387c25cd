// Opening a checkpoint by content: GGUF files start with the magic "GGUF";
// anything else is read as a llama2.c legacy checkpoint (7 int32 header). Both
// are validated completely before use (see gguf_reader.h, llama2c_reader.h).
#ifndef DOOMSCOPE_ENGINE_MODEL_LOADER_H_
#define DOOMSCOPE_ENGINE_MODEL_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "engine/model_weights.h"
#include "engine/tokenizer.h"

namespace doomscope::engine {

enum class ModelFormat { kGguf, kLlama2c };
const char* ModelFormatName(ModelFormat f);

// The checkpoint format of `path` by its first bytes (an error if it cannot be read).
absl::StatusOr<ModelFormat> SniffModelFormat(const std::string& path);

absl::StatusOr<ModelWeights> LoadModelWeights(const std::string& path);

// Weights and tokenizer together.
struct LoadedModel {
  ModelWeights weights;
  Tokenizer tokenizer;
  ModelFormat format = ModelFormat::kGguf;
  // llama2.c's run.c ends generation when it samples BOS; generation from a
  // llama2.c checkpoint does the same. (EOS ends every generation.)
  bool stop_at_bos = false;
  std::string tokenizer_path;  // the file the tokenizer came from (the GGUF itself if embedded)
};

// `tokenizer_path` may be empty: a GGUF then uses its embedded vocabulary, and a
// llama2.c checkpoint looks for tok<VOCAB>.bin, then tokenizer.bin, beside the
// model. The tokenizer's vocabulary size must equal the model's.
absl::StatusOr<LoadedModel> LoadModel(const std::string& model_path, const std::string& tokenizer_path);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_MODEL_LOADER_H_
