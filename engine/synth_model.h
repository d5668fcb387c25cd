// Deterministic random-weight GGUF checkpoints with the shapes of real models,
// so the engine (and llama.cpp) can be measured at realistic sizes without
// downloading weights.
//
// Weights: N(0, 0.02)-like values (an Irwin-Hall sum of four uniforms, exactly
// reproducible on any IEEE machine), norm gains 1; each 8192-value chunk of each
// tensor draws from its own generator seeded by (seed, tensor, chunk), so the
// bytes depend only on the seed, never on thread count. The vocabulary is
// synthetic but complete: <unk>, <s>, </s>, the 256 byte tokens, then pieces
// that are concatenations of earlier pieces (so BPE merges reach every one),
// stored with SentencePiece's U+2581 for space.
#ifndef DOOMSCOPE_ENGINE_SYNTH_MODEL_H_
#define DOOMSCOPE_ENGINE_SYNTH_MODEL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/gguf_writer.h"
#include "engine/model_weights.h"
#include "engine/tokenizer.h"

namespace doomscope::engine {

struct SynthShape {
  std::string_view name;
  ModelConfig config;
};
// The known shapes: llama (stories260K, stories15M, stories110M,
// smollm2-135m, smollm2-360m, tinyllama-1.1b, llama3.2-1b), qwen3 (qwen3-0.6b),
// lfm2 (lfm2-350m, lfm2-1.2b), qwen35 (qwen3.5-0.8b), and tiny ones for
// tests (llama3-tiny, qwen3-tiny, lfm2-tiny, qwen35-tiny). A shape fixes its
// architecture.
const std::vector<SynthShape>& SynthShapes();
absl::StatusOr<ModelConfig> FindSynthShape(std::string_view name);

// The synthetic vocabulary (`vocab_size` >= 300), pieces with spaces as ' '.
// It does not depend on the weight seed.
TokenizerVocab SynthVocab(int vocab_size);

// Adds the synthetic vocabulary as a SentencePiece-style GGUF tokenizer.
void AddSynthVocab(GgufWriter& w, int vocab_size);

// A writer holding the full model in the GGUF layout llama.cpp reads for the
// config's architecture; dtype applies to the matrices (norms, LFM2's and
// Qwen3.5's conv weights, Qwen3.5's ssm_a and ssm_dt.bias and Llama 3's
// rope_freqs stay F32; with Q8_0, a matrix whose row length is not a multiple
// of 32 is F16). Llama norm gains are 1; Qwen3, LFM2 and Qwen3.5 gains are
// drawn around 1 (std 0.2), the conv weights with std 0.3, Qwen3.5's ssm_a as
// -exp of N(0, 1)-like values and its ssm_dt.bias as N(0, 1)-like values.
absl::StatusOr<GgufWriter> SynthModelWriter(const ModelConfig& config, DType dtype, uint64_t seed,
                                            std::string_view name);
absl::Status WriteSynthModel(const ModelConfig& config, DType dtype, uint64_t seed,
                             std::string_view name, const std::string& path);

// Parses "f32", "f16", "bf16", "q8_0".
absl::StatusOr<DType> ParseDType(std::string_view text);

// The value synth weights use at index `i` of tensor `tensor_index` (for tests).
float SynthWeightValue(uint64_t seed, uint64_t tensor_index, uint64_t i);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_SYNTH_MODEL_H_
