// generation_config.json (and the same ids in config.json): the ids that end
// generation and the model's own default sampling, read as transformers'
// GenerationConfig reads them.
#ifndef DOOMSCOPE_ENGINE_HF_GENERATION_CONFIG_H_
#define DOOMSCOPE_ENGINE_HF_GENERATION_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/hf_config_json.h"
#include "engine/sampler.h"

namespace doomscope::engine {

struct HfGenerationConfig {
  std::vector<int32_t> eos_ids;  // eos_token_id: one id or a list
  std::optional<int32_t> bos_id;
  // The sampling the model's authors recommend, when the file gives any of
  // do_sample, temperature, top_k, top_p, min_p, repetition_penalty. Fields it
  // leaves out take transformers' defaults (temperature 1, top_k 50, top_p 1,
  // repetition penalty 1 over the whole sequence); do_sample false (the
  // default) means greedy, with the repetition penalty still applied.
  std::optional<SamplingParams> sampling;
};

// Reads the ids and sampling fields of `json` (generation_config.json or
// config.json); ids must lie in [0, vocab_size).
absl::StatusOr<HfGenerationConfig> ReadHfGenerationConfig(const HfConfigJson& json, int vocab_size);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_GENERATION_CONFIG_H_
