// Test helpers shared by the HF folder tests: the same model read from two
// files must hold the same bytes and generate the same tokens.
#ifndef DOOMSCOPE_TESTS_ENGINE_MODEL_COMPARE_H_
#define DOOMSCOPE_TESTS_ENGINE_MODEL_COMPARE_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "engine/forward.h"
#include "engine/generator.h"
#include "engine/kv_cache.h"
#include "engine/model_weights.h"
#include "gtest/gtest.h"

namespace doomscope::testing {

// Logits of every position of `tokens`, all in one step on `threads` threads.
inline std::vector<float> PositionLogits(const engine::ModelWeights& w, const std::vector<int32_t>& tokens,
                                         int threads = 1) {
  absl::StatusOr<std::unique_ptr<engine::Transformer>> t = engine::Transformer::Create(w);
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return {};
  engine::KvCache cache(w.config, 1);
  EXPECT_TRUE(cache.Reserve(0, static_cast<int>(tokens.size())).ok());
  std::vector<engine::StepRow> rows;
  for (size_t p = 0; p < tokens.size(); ++p) {
    rows.push_back(engine::StepRow{0, static_cast<int>(p), tokens[p], true});
  }
  std::vector<float> logits(tokens.size() * w.config.vocab_size);
  (*t)->Step(rows, cache, logits.data(), threads);
  return logits;
}
inline bool SameBytes(const engine::TensorView& a, const engine::TensorView& b) {
  if (a.dtype != b.dtype || a.rows != b.rows || a.cols != b.cols) return false;
  return a.bytes() == 0 || std::memcmp(a.data, b.data, a.bytes()) == 0;  // absent optional tensors: null data
}

// The embedding, final norm and every layer's weights, bit for bit.
inline void ExpectSameWeights(const engine::ModelWeights& a, const engine::ModelWeights& b) {
  using engine::LayerWeights;
  EXPECT_TRUE(SameBytes(a.token_embedding, b.token_embedding));
  EXPECT_TRUE(SameBytes(a.final_norm, b.final_norm));
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t l = 0; l < a.layers.size(); ++l) {
    for (auto field :
         {&LayerWeights::attn_norm, &LayerWeights::wq, &LayerWeights::wk, &LayerWeights::wv, &LayerWeights::wo,
          &LayerWeights::q_norm, &LayerWeights::k_norm, &LayerWeights::conv_in, &LayerWeights::conv_kernel,
          &LayerWeights::conv_out, &LayerWeights::ssm_qkv, &LayerWeights::ssm_gate, &LayerWeights::ssm_alpha,
          &LayerWeights::ssm_beta, &LayerWeights::ssm_conv, &LayerWeights::ssm_a, &LayerWeights::ssm_dt_bias,
          &LayerWeights::ssm_norm, &LayerWeights::ssm_out, &LayerWeights::ffn_norm, &LayerWeights::w_gate,
          &LayerWeights::w_up, &LayerWeights::w_down}) {
      EXPECT_TRUE(SameBytes(a.layers[l].*field, b.layers[l].*field)) << "layer " << l;
    }
  }
}

// The tokens generated for each prompt (greedy at temperature 0, else
// sampled from `seed`), stopping at `stop_ids`.
inline std::vector<std::vector<int32_t>> GenerateTokens(const engine::ModelWeights& w,
                                                        const std::vector<int32_t>& stop_ids,
                                                        const std::vector<std::vector<int32_t>>& prompts,
                                                        int max_new, float temperature, uint64_t seed) {
  engine::GeneratorOptions options;
  options.max_batch = 8;
  absl::StatusOr<std::unique_ptr<engine::Generator>> gen = engine::Generator::Create(w, stop_ids, options);
  EXPECT_TRUE(gen.ok()) << gen.status();
  if (!gen.ok()) return {};
  std::vector<engine::GenerationRequest> requests;
  for (size_t i = 0; i < prompts.size(); ++i) {
    engine::GenerationRequest r;
    r.id = i;
    r.prompt_tokens = prompts[i];
    r.max_new_tokens = max_new;
    r.sampling.temperature = temperature;
    r.sampling.seed = seed;
    requests.push_back(std::move(r));
  }
  std::vector<std::vector<int32_t>> out(prompts.size());
  absl::Status s =
      (*gen)->Run(std::move(requests), [&](engine::GenerationResult r) { out[r.id] = std::move(r.tokens); });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

}  // namespace doomscope::testing

#endif  // DOOMSCOPE_TESTS_ENGINE_MODEL_COMPARE_H_
