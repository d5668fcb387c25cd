// Reader for llama2.c checkpoints (`run.c`'s legacy format, as written by
// export.py's legacy_export and found in karpathy/tinyllamas).
//
// Layout: 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads,
// n_kv_heads, vocab_size, seq_len), then float32 arrays: token_embedding
// [vocab][dim], rms_att [L][dim], wq [L][dim][dim], wk [L][kv_dim][dim],
// wv [L][kv_dim][dim], wo [L][dim][dim], rms_ffn [L][dim], w1 [L][hidden][dim],
// w2 [L][dim][hidden], w3 [L][hidden][dim], rms_final [dim], then the unused
// RoPE tables freq_cis_real/imag [seq_len][head_size/2] each, then, only when
// vocab_size in the header is negative, the classifier [vocab][dim]. A positive
// vocab_size means the classifier is the token embedding.
//
// The file size must match the header exactly: tied checkpoints may omit the
// RoPE tables, nothing else may be missing or trailing.
#ifndef DOOMSCOPE_ENGINE_LLAMA2C_READER_H_
#define DOOMSCOPE_ENGINE_LLAMA2C_READER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/mapped_file.h"
#include "engine/model_weights.h"

namespace doomscope::engine {

// Upper bounds on header fields, checked before any size arithmetic.
inline constexpr int kLlama2cMaxDim = 1 << 16;
inline constexpr int kLlama2cMaxHiddenDim = 1 << 20;
inline constexpr int kLlama2cMaxLayers = 1024;
inline constexpr int kLlama2cMaxVocab = 1 << 22;
inline constexpr int kLlama2cMaxSeqLen = 1 << 24;

// Validates `file` as a llama2.c checkpoint and returns views into its bytes
// (the returned weights keep `file` alive). Errors name the file and field.
absl::StatusOr<ModelWeights> ReadLlama2cCheckpoint(std::shared_ptr<const MappedFile> file);

// Maps `path` and reads it as above.
absl::StatusOr<ModelWeights> LoadLlama2cCheckpoint(const std::string& path);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_LLAMA2C_READER_H_
