#include "engine/hf_generation_config.h"

namespace doomscope::engine {

absl::StatusOr<HfGenerationConfig> ReadHfGenerationConfig(const HfConfigJson& json, int vocab_size) {
  HfGenerationConfig g;
  const int64_t max_id = static_cast<int64_t>(vocab_size) - 1;
  if (absl::Status s = json.IntList({"eos_token_id"}, 0, max_id, &g.eos_ids); !s.ok()) return s;
  if (json.Find({"bos_token_id"}) != nullptr) {
    int bos = 0;
    if (absl::Status s = json.Int({"bos_token_id"}, 0, max_id, std::nullopt, &bos); !s.ok()) return s;
    g.bos_id = bos;
  }
  if (json.Find({"do_sample", "temperature", "top_k", "top_p", "min_p", "repetition_penalty"}) == nullptr) return g;
  bool do_sample = false;
  SamplingParams p;
  absl::Status s;
  if (!(s = json.Bool({"do_sample"}, false, &do_sample)).ok()) return s;
  if (!(s = json.Float({"temperature"}, 0, 100, 1.0, &p.temperature)).ok()) return s;
  if (!(s = json.Int({"top_k"}, 0, max_id + 1, 50, &p.top_k)).ok()) return s;
  if (!(s = json.Float({"top_p"}, 0, 1, 1.0, &p.top_p)).ok()) return s;
  if (!(s = json.Float({"min_p"}, 0, 1, 0.0, &p.min_p)).ok()) return s;
  if (!(s = json.Float({"repetition_penalty"}, 1e-6, 1e6, 1.0, &p.repetition_penalty)).ok()) return s;
  if (p.top_p == 0) return json.Error("top_p", "0 keeps no token (use do_sample false for greedy)");
  p.repetition_last_n = -1;  // transformers penalizes every earlier token of the sequence
  if (!do_sample) p.temperature = 0;
  g.sampling = p;
  return g;
}

}  // namespace doomscope::engine
