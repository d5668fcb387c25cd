#include "engine/model_weights.h"

namespace doomscope::engine {

const char* ArchitectureName(Architecture a) {
  switch (a) {
    case Architecture::kLlama: return "llama";
    case Architecture::kQwen3: return "qwen3";
    case Architecture::kLfm2: return "lfm2";
    case Architecture::kQwen35: return "qwen35";
  }
  return "?";
}

int ModelConfig::attention_layers() const {
  int n = 0;
  for (int l = 0; l < n_layers; ++l) n += layer_kind(l) == LayerKind::kAttention;
  return n;
}

const char* DTypeName(DType t) {
  switch (t) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kQ8_0: return "Q8_0";
  }
  return "?";
}

size_t DTypeBytes(DType t, size_t n) {
  switch (t) {
    case DType::kF32: return n * 4;
    case DType::kF16: return n * 2;
    case DType::kBF16: return n * 2;
    case DType::kQ8_0: return n / 32 * 34;
  }
  return 0;
}

}  // namespace doomscope::engine
