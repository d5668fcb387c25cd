// Qwen3, LFM2 (short convolutions + attention), Qwen3.5 (Gated DeltaNet +
// gated attention) and Llama 3 (RoPE frequency factors) on synthetic tiny
// checkpoints: what the loader reads, and the
// invariants batching relies on, bit for bit, for every layer kind: a prompt
// as one step equals token by token and equals any chunking; rows of several
// sequences in one step equal each alone; one thread equals two; the conv
// state restarts at position 0 and can be saved and put back; the SIMD
// kernels stay close to the scalar reference in every weight type. Then the
// generator: batched, prefix-shared and early-stopped sequences get the tokens
// they get alone.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "engine/convert_dtype.h"
#include "engine/forward.h"
#include "engine/generator.h"
#include "engine/model_loader.h"
#include "engine/synth_model.h"
#include "gtest/gtest.h"
#include "tests/engine/model_compare.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

const char* const kShapes[] = {"llama3-tiny", "qwen3-tiny", "lfm2-tiny", "qwen35-tiny"};

const LoadedModel& Model(const std::string& shape, DType dtype = DType::kF32) {
  // Built once per binary and never destroyed, so the models stay reachable
  // (a destroyed map would leave them to LeakSanitizer).
  static auto& models = *new std::map<std::string, LoadedModel*>();
  const std::string key = shape + DTypeName(dtype);
  if (models.contains(key)) return *models[key];
  const std::string path = testing::MakeTempDir("arch") + "/" + key + ".gguf";
  absl::Status s = WriteSynthModel(*FindSynthShape(shape), dtype, 11, shape, path);
  EXPECT_TRUE(s.ok()) << s;
  absl::StatusOr<LoadedModel> m = LoadModel(path, "");
  EXPECT_TRUE(m.ok()) << m.status();
  models[key] = new LoadedModel(*std::move(m));
  return *models[key];
}

std::unique_ptr<Transformer> Make(const ModelWeights& w, Isa isa) {
  absl::StatusOr<std::unique_ptr<Transformer>> t = Transformer::Create(w, isa);
  EXPECT_TRUE(t.ok()) << t.status();
  return *std::move(t);
}

std::vector<int32_t> Tokens(int n, int salt = 0) {
  std::vector<int32_t> t = {1};
  for (int i = 1; i < n; ++i) t.push_back(3 + (i * 37 + salt * 101) % 500);
  return t;
}

// Logits of every position of `tokens` in `slot`, fed in chunks of the given sizes (one step each).
std::vector<float> RunChunks(Transformer& t, KvCache& cache, int slot, const std::vector<int32_t>& tokens,
                             const std::vector<int>& chunks, int threads, int first_pos = 0) {
  const int vocab = t.config().vocab_size;
  EXPECT_TRUE(cache.Reserve(slot, first_pos + static_cast<int>(tokens.size()), first_pos).ok());
  std::vector<float> logits(tokens.size() * vocab);
  size_t p = 0;
  for (int chunk : chunks) {
    std::vector<StepRow> rows;
    for (int i = 0; i < chunk; ++i, ++p) {
      rows.push_back(StepRow{slot, first_pos + static_cast<int>(p), tokens[p], true});
    }
    t.Step(rows, cache, logits.data() + (p - chunk) * vocab, threads);
  }
  EXPECT_EQ(p, tokens.size());
  return logits;
}

std::vector<float> RunOneStep(Transformer& t, const std::vector<int32_t>& tokens, int threads,
                              DType kv_dtype = DType::kF32) {
  KvCache cache(t.config(), 1, kv_dtype);
  return RunChunks(t, cache, 0, tokens, {static_cast<int>(tokens.size())}, threads);
}

void ExpectSameBits(std::span<const float> a, std::span<const float> b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::memcmp(&a[i], &b[i], 4), 0) << what << ": element " << i << ": " << a[i] << " vs " << b[i];
  }
}

TEST(ArchitecturesTest, LoaderReadsEachArchitecture) {
  const ModelWeights& lfm2 = Model("lfm2-tiny").weights;
  EXPECT_EQ(lfm2.config.arch, Architecture::kLfm2);
  const std::vector<LayerKind> kinds = {LayerKind::kShortConv, LayerKind::kShortConv, LayerKind::kAttention,
                                        LayerKind::kShortConv, LayerKind::kShortConv, LayerKind::kAttention};
  EXPECT_EQ(lfm2.config.layer_kinds, kinds);
  EXPECT_EQ(lfm2.config.conv_kernel, 3);
  EXPECT_EQ(lfm2.config.rope_layout, RopeLayout::kHalves);
  EXPECT_EQ(lfm2.layers[0].conv_kernel.rows, 64);
  EXPECT_EQ(lfm2.layers[0].conv_kernel.cols, 3);
  EXPECT_EQ(lfm2.layers[0].conv_in.rows, 192);
  EXPECT_TRUE(lfm2.layers[0].wq.empty());
  EXPECT_EQ(lfm2.layers[2].q_norm.cols, 8);
  EXPECT_TRUE(lfm2.config.tied_embeddings);

  const ModelWeights& qwen = Model("qwen3-tiny").weights;
  EXPECT_EQ(qwen.config.arch, Architecture::kQwen3);
  EXPECT_EQ(qwen.config.head_dim, 32);  // 4 heads of 32 over a hidden size of 64
  EXPECT_EQ(qwen.layers[1].wq.rows, 128);
  EXPECT_EQ(qwen.layers[1].wo.cols, 128);
  EXPECT_EQ(qwen.layers[1].k_norm.cols, 32);
  EXPECT_FLOAT_EQ(qwen.config.norm_eps, 1e-6f);

  const ModelWeights& q35 = Model("qwen35-tiny").weights;
  EXPECT_EQ(q35.config.arch, Architecture::kQwen35);
  for (int l = 0; l < 8; ++l) {
    EXPECT_EQ(q35.config.layer_kind(l), l % 4 == 3 ? LayerKind::kAttention : LayerKind::kGatedDelta) << l;
  }
  EXPECT_EQ(q35.config.rope_dims, 8);
  EXPECT_TRUE(q35.config.attention_output_gate);
  EXPECT_EQ(q35.config.delta_net.num_k_heads, 2);
  EXPECT_EQ(q35.config.delta_net.num_v_heads, 4);
  EXPECT_EQ(q35.config.delta_net.head_k_dim, 16);
  EXPECT_EQ(q35.config.delta_net.head_v_dim, 16);
  EXPECT_EQ(q35.config.delta_net.conv_kernel, 4);
  EXPECT_TRUE(q35.config.delta_net.tiled_key_heads);
  EXPECT_EQ(q35.layers[3].wq.rows, 2 * 4 * 32);  // query and gate rows of 4 heads of 32
  EXPECT_EQ(q35.layers[0].ssm_qkv.rows, 2 * 2 * 16 + 4 * 16);
  EXPECT_EQ(q35.layers[0].ssm_conv.rows, 128);
  EXPECT_EQ(q35.layers[0].ssm_conv.cols, 4);
  EXPECT_EQ(q35.layers[0].ssm_out.cols, 64);
  EXPECT_EQ(q35.layers[0].ssm_norm.cols, 16);
  EXPECT_TRUE(q35.layers[0].wq.empty());
  EXPECT_LT(TensorToFloats(q35.layers[0].ssm_a)[0], 0.0f);
  EXPECT_TRUE(q35.skipped.empty());

  const ModelConfig& llama = Model("llama3-tiny").weights.config;
  EXPECT_EQ(llama.rope_layout, RopeLayout::kAdjacentPairs);
  // head_dim 16, theta 500000: wavelengths 6.3, 33, 172, 900, 4443, 23300, ...
  // against 2048 and 8192: kept, interpolated (pair 4), divided by the factor 8.
  ASSERT_EQ(llama.rope_freq_factors.size(), 8u);
  for (int j = 0; j < 4; ++j) EXPECT_EQ(llama.rope_freq_factors[j], 1.0f) << j;
  EXPECT_NEAR(llama.rope_freq_factors[4], 2.6945, 0.0005);
  for (int j = 5; j < 8; ++j) EXPECT_EQ(llama.rope_freq_factors[j], 8.0f) << j;
}

TEST(ArchitecturesTest, CreateRejectsInconsistentWeights) {
  auto error = [](const ModelWeights& w) {
    absl::StatusOr<std::unique_ptr<Transformer>> t = Transformer::Create(w, Isa::kScalar);
    return t.ok() ? std::string("(created)") : std::string(t.status().message());
  };
  ModelWeights w = Model("lfm2-tiny").weights;
  w.layers[1].conv_kernel.dtype = DType::kF16;
  EXPECT_NE(error(w).find("layer 1 conv_kernel is F16; the convolution kernel must be F32"), std::string::npos);
  w = Model("lfm2-tiny").weights;
  w.config.layer_kinds[0] = LayerKind::kAttention;
  EXPECT_NE(error(w).find("layer 0 weights are of another kind than the config's"), std::string::npos);
  w = Model("lfm2-tiny").weights;
  w.config.conv_kernel = 1;
  EXPECT_NE(error(w).find("conv_kernel 1 is outside [2, 64]"), std::string::npos);
  w = Model("lfm2-tiny").weights;
  w.layers[1].conv_in.rows = 128;
  EXPECT_NE(error(w).find("layer 1 conv_in: shape [128][64], expected [192][64]"), std::string::npos);
  w = Model("qwen3-tiny").weights;
  w.layers[2].k_norm = TensorView{};
  EXPECT_NE(error(w).find("layer 2 has a norm of queries or keys but not both"), std::string::npos);
  w = Model("qwen35-tiny").weights;
  w.layers[4].ssm_out.cols = 32;
  EXPECT_NE(error(w).find("layer 4 ssm_out: shape [64][32], expected [64][64]"), std::string::npos);
  w = Model("qwen35-tiny").weights;
  w.layers[7].wq.rows = 128;  // no gate rows
  EXPECT_NE(error(w).find("layer 7 wq: shape [128][64], expected [256][64]"), std::string::npos);
  w = Model("qwen35-tiny").weights;
  w.config.delta_net.num_v_heads = 3;
  EXPECT_NE(error(w).find("num_v_heads = 3 is not a multiple of num_k_heads = 2"), std::string::npos);
  w = Model("qwen35-tiny").weights;
  w.config.rope_dims = 40;
  EXPECT_NE(error(w).find("rope_dims 40 must be even and in [0, head_dim 32]"), std::string::npos);
  w = Model("llama3-tiny").weights;
  w.config.rope_freq_factors.pop_back();
  EXPECT_NE(error(w).find("7 RoPE frequency factors, expected head_dim / 2 = 8"), std::string::npos);
  w = Model("llama3-tiny").weights;
  w.config.rope_freq_factors[0] = 0;
  EXPECT_NE(error(w).find("RoPE frequency factor 0 is not positive"), std::string::npos);
}

class ArchIsaTest : public ::testing::TestWithParam<std::tuple<const char*, Isa>> {
 protected:
  void SetUp() override {
    if (!IsaSupported(isa())) GTEST_SKIP() << IsaName(isa()) << " is not available on this CPU";
  }
  const char* shape() const { return std::get<0>(GetParam()); }
  Isa isa() const { return std::get<1>(GetParam()); }
};

TEST_P(ArchIsaTest, PrefillAsOneStepEqualsTokenByTokenAndAnyChunking) {
  auto t = Make(Model(shape()).weights, isa());
  const std::vector<int32_t> tokens = Tokens(16);
  const std::vector<float> whole = RunOneStep(*t, tokens, 1);
  KvCache a(t->config(), 1), b(t->config(), 1);
  ExpectSameBits(whole, RunChunks(*t, a, 0, tokens, std::vector<int>(16, 1), 1), "token by token");
  ExpectSameBits(whole, RunChunks(*t, b, 0, tokens, {5, 1, 2, 8}, 1), "chunks 5+1+2+8");
}

TEST_P(ArchIsaTest, OneThreadEqualsTwo) {
  auto t = Make(Model(shape()).weights, isa());
  const std::vector<int32_t> tokens = Tokens(96);  // enough work for two threads
  ExpectSameBits(RunOneStep(*t, tokens, 1), RunOneStep(*t, tokens, 2), "threads");
}

TEST_P(ArchIsaTest, RowsOfSeveralSequencesInOneStepEqualEachAlone) {
  auto t = Make(Model(shape()).weights, isa());
  const int vocab = t->config().vocab_size;
  const std::vector<int32_t> a = Tokens(9, 1), b = Tokens(6, 2), c = Tokens(4, 3);
  KvCache cache(t->config(), 3);
  for (int s = 0; s < 3; ++s) ASSERT_TRUE(cache.Reserve(s, 16).ok());
  // Step 1: c's first 3 tokens. Step 2: all of a, b's first 4, c's last token
  // (a decode row between two prompts). Step 3: b's last 2 tokens.
  std::vector<StepRow> step1;
  for (int p = 0; p < 3; ++p) step1.push_back(StepRow{2, p, c[p], false});
  std::vector<float> scratch(vocab);
  t->Step(step1, cache, scratch.data(), 2);
  std::vector<StepRow> step2;
  for (int p = 0; p < 9; ++p) step2.push_back(StepRow{0, p, a[p], p == 8});
  step2.push_back(StepRow{2, 3, c[3], true});
  for (int p = 0; p < 4; ++p) step2.push_back(StepRow{1, p, b[p], p == 3});
  std::vector<float> logits2(3 * vocab);
  t->Step(step2, cache, logits2.data(), 2);
  std::vector<StepRow> step3 = {StepRow{1, 4, b[4], false}, StepRow{1, 5, b[5], true}};
  std::vector<float> logits3(vocab);
  t->Step(step3, cache, logits3.data(), 2);
  const std::vector<float> alone_a = RunOneStep(*t, a, 1);
  const std::vector<float> alone_b = RunOneStep(*t, b, 1);
  const std::vector<float> alone_c = RunOneStep(*t, c, 1);
  const std::span<const float> l2(logits2);
  ExpectSameBits(l2.subspan(0, vocab), std::span(alone_a).last(vocab), "a");
  ExpectSameBits(l2.subspan(vocab, vocab), std::span(alone_c).last(vocab), "c (decode row)");
  ExpectSameBits(l2.subspan(2 * vocab, vocab), std::span(alone_b).subspan(3 * vocab, vocab), "b at 3");
  ExpectSameBits(logits3, std::span(alone_b).last(vocab), "b at 5");
}

TEST_P(ArchIsaTest, ConvStateRestartsAtPositionZeroAndCanBeSavedAndRestored) {
  auto t = Make(Model(shape()).weights, isa());
  const int vocab = t->config().vocab_size;
  const std::vector<int32_t> prompt = Tokens(7, 4), tail_a = Tokens(5, 5), tail_b = Tokens(3, 6);
  KvCache cache(t->config(), 2);
  // A slot used by another sequence, then reused from position 0: as fresh.
  RunChunks(*t, cache, 0, Tokens(11, 7), {11}, 1);
  const std::vector<float> reused = RunChunks(*t, cache, 0, prompt, {7}, 1);
  ExpectSameBits(reused, RunOneStep(*t, prompt, 1), "slot reused from position 0");
  // Snapshot after the prompt; slot 0 runs on with tail_a; slot 1 gets the
  // prompt's KV prefix and the snapshot, and must continue as if it had
  // forwarded the prompt itself.
  const std::vector<float> snapshot = cache.SaveConvState(0);
  EXPECT_EQ(snapshot.empty(), t->config().attention_layers() == t->config().n_layers);
  const std::vector<float> run_a = RunChunks(*t, cache, 0, tail_a, {5}, 1, /*first_pos=*/7);
  ASSERT_TRUE(cache.Reserve(1, 7 + 3).ok());
  cache.CopyPrefix(0, 1, 7);
  cache.LoadConvState(1, snapshot);
  const std::vector<float> run_b = RunChunks(*t, cache, 1, tail_b, {1, 2}, 1, /*first_pos=*/7);
  std::vector<int32_t> full_b = prompt;
  full_b.insert(full_b.end(), tail_b.begin(), tail_b.end());
  const std::vector<float> alone_b = RunOneStep(*t, full_b, 1);
  ExpectSameBits(run_b, std::span(alone_b).last(3 * vocab), "b from the snapshot");
  std::vector<int32_t> full_a = prompt;
  full_a.insert(full_a.end(), tail_a.begin(), tail_a.end());
  const std::vector<float> alone_a = RunOneStep(*t, full_a, 1);
  ExpectSameBits(run_a, std::span(alone_a).last(5 * vocab), "a");
}

INSTANTIATE_TEST_SUITE_P(
    AllShapesAndIsas, ArchIsaTest,
    ::testing::Combine(::testing::ValuesIn(kShapes), ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512)),
    [](const ::testing::TestParamInfo<std::tuple<const char*, Isa>>& info) {
      std::string name = std::string(std::get<0>(info.param)) + "_" + IsaName(std::get<1>(info.param));
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

// Synthetic models in each stored type (stories260K's 172-wide FFN rows are
// not whole Q8_0 blocks: those matrices stay F16): the SIMD forward against
// the scalar one.
TEST(ArchitecturesTest, EveryWeightTypeMatchesTheScalarReference) {
  if (!IsaSupported(Isa::kAvx2)) GTEST_SKIP() << "avx2 is not available on this CPU";
  const std::vector<int32_t> tokens = Tokens(12);
  for (const char* shape : {"stories260K", "llama3-tiny", "qwen3-tiny", "lfm2-tiny", "qwen35-tiny"}) {
    for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0}) {
      SCOPED_TRACE(std::string(shape) + " " + DTypeName(dtype));
      const ModelWeights& w = Model(shape, dtype).weights;
      const std::vector<float> a = RunOneStep(*Make(w, Isa::kScalar), tokens, 1);
      for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
        if (!IsaSupported(isa)) continue;
        const std::vector<float> b = RunOneStep(*Make(w, isa), tokens, 2);
        double max_abs = 0, max_diff = 0;
        for (size_t i = 0; i < a.size(); ++i) {
          ASSERT_TRUE(std::isfinite(b[i]));
          max_abs = std::max(max_abs, std::fabs(static_cast<double>(a[i])));
          max_diff = std::max(max_diff, std::fabs(static_cast<double>(a[i]) - b[i]));
        }
        EXPECT_GT(max_abs, 0.01);
        // Q8_0 quantizes activations and BF16 rounds them to bf16 (the
        // vdpbf16ps arithmetic, engine/kernels/matmul_bf16.h): a last-bit
        // difference upstream (SIMD exp, attention sums) can move one activation
        // by a quantization step (Q8_0) or one bf16 ulp, 2^-8 (BF16), which
        // qwen35-tiny's recurrent state carries to later positions.
        const double tolerance = dtype == DType::kQ8_0 ? 2e-2 : dtype == DType::kBF16 ? 2e-3 : 1e-4;
        EXPECT_LT(max_diff, tolerance * std::max(1.0, max_abs)) << IsaName(isa) << " max |logit| " << max_abs;
      }
    }
  }
}

// --dtype on load converts every matrix of every layer kind (attention,
// short conv, Gated DeltaNet) as synth-model stores them in that type: the
// converted F32 file equals the file written in the type, byte for byte.
TEST(ArchitecturesTest, DTypeOnLoadConvertsEveryLayerKindsMatrices) {
  for (const char* shape : kShapes) {
    for (DType dtype : {DType::kF16, DType::kBF16, DType::kQ8_0}) {
      SCOPED_TRACE(std::string(shape) + " " + DTypeName(dtype));
      ModelWeights converted = Model(shape).weights;
      ConvertMatrices(dtype, &converted);
      testing::ExpectSameWeights(converted, Model(shape, dtype).weights);
    }
  }
}

// A float16 or bfloat16 KV cache: attention reads keys and values rounded
// once when stored, and keeps every invariant bit for bit; the logits stay
// close to a float32 cache's.
TEST_P(ArchIsaTest, SixteenBitKvCacheKeepsTheInvariantsAndStaysClose) {
  auto t = Make(Model(shape()).weights, isa());
  const std::vector<int32_t> tokens = Tokens(40);
  const std::vector<float> exact = RunOneStep(*t, tokens, 1);
  for (DType kv : {DType::kF16, DType::kBF16}) {
    SCOPED_TRACE(DTypeName(kv));
    const std::vector<float> whole = RunOneStep(*t, tokens, 1, kv);
    KvCache a(t->config(), 1, kv);
    ExpectSameBits(whole, RunChunks(*t, a, 0, tokens, {1, 9, 30}, 2), "chunks on two threads");
    double max_abs = 0, max_diff = 0;
    for (size_t i = 0; i < exact.size(); ++i) {
      max_abs = std::max(max_abs, std::fabs(static_cast<double>(exact[i])));
      max_diff = std::max(max_diff, std::fabs(static_cast<double>(exact[i]) - whole[i]));
    }
    // bfloat16 keeps 8 bits of mantissa, float16 11.
    EXPECT_LT(max_diff, (kv == DType::kBF16 ? 2e-2 : 3e-3) * std::max(1.0, max_abs));
    EXPECT_GT(max_diff, 0.0);  // the cache really holds 16-bit values
  }
}

// --- The generator on each architecture ---

std::unique_ptr<Generator> MakeGenerator(const LoadedModel& m, int max_batch, int threads,
                                         DType kv_dtype = DType::kF32) {
  GeneratorOptions o;
  o.max_batch = max_batch;
  o.threads = threads;
  o.kv_dtype = kv_dtype;
  absl::StatusOr<std::unique_ptr<Generator>> g = Generator::Create(m, o);
  EXPECT_TRUE(g.ok()) << g.status();
  return *std::move(g);
}

GenerationRequest Request(uint64_t id, std::vector<int32_t> prompt, int max_new) {
  GenerationRequest r;
  r.id = id;
  r.prompt_tokens = std::move(prompt);
  r.max_new_tokens = max_new;
  r.sampling.temperature = 0.9f;
  r.sampling.seed = 99;
  r.ignore_stop_tokens = true;  // random weights: run to the budget
  return r;
}

std::map<uint64_t, GenerationResult> RunAll(Generator& g, std::vector<GenerationRequest> requests) {
  std::map<uint64_t, GenerationResult> out;
  absl::Status s = g.Run(std::move(requests), [&](GenerationResult r) { out[r.id] = std::move(r); });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

class ArchGeneratorTest : public ::testing::TestWithParam<const char*> {
 protected:
  const LoadedModel& model() const { return Model(GetParam()); }
  // Each request run alone in a fresh one-slot generator.
  std::map<uint64_t, GenerationResult> Alone(const std::vector<GenerationRequest>& requests) const {
    std::map<uint64_t, GenerationResult> out;
    for (const GenerationRequest& r : requests) {
      auto one = RunAll(*MakeGenerator(model(), 1, 1), {r});
      out[r.id] = std::move(one.at(r.id));
    }
    return out;
  }
};

TEST_P(ArchGeneratorTest, MixedPromptLengthsInOneBatchMatchRunningAlone) {
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 9; ++i) requests.push_back(Request(i, Tokens(2 + (i * 7) % 19, i), 3 + (i * 11) % 25));
  const auto alone = Alone(requests);
  const auto batched = RunAll(*MakeGenerator(model(), 4, 2), requests);
  for (const auto& [id, r] : alone) {
    EXPECT_EQ(batched.at(id).tokens, r.tokens) << "request " << id;
    EXPECT_EQ(batched.at(id).tokens.size(), static_cast<size_t>(3 + (id * 11) % 25));
  }
}

TEST_P(ArchGeneratorTest, RolloutsSharingThePrefillMatchIndependentOnes) {
  // 7 rollouts of one prompt in 3 slots: the first prefills while two follow;
  // later ones copy from a running (decoding) holder, whose conv state has
  // moved on, or reuse the slot a finished one kept.
  const std::vector<int32_t> prompt = Tokens(13, 8);
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 7; ++i) requests.push_back(Request(100 + i, prompt, 4 + 5 * i));
  auto g = MakeGenerator(model(), 3, 2);
  const auto shared = RunAll(*g, requests);
  EXPECT_EQ(g->stats().prompt_tokens_forwarded, 13);  // computed once
  const auto alone = Alone(requests);
  int shared_count = 0;
  for (const auto& [id, r] : alone) {
    EXPECT_EQ(shared.at(id).tokens, r.tokens) << "rollout " << id;
    shared_count += shared.at(id).shared_prefill;
  }
  EXPECT_EQ(shared_count, 6);
  const std::vector<int32_t>& second = shared.at(101).tokens;
  EXPECT_NE(shared.at(100).tokens, std::vector<int32_t>(second.begin(), second.begin() + 4));
  // One slot: each rollout reuses the prompt the previous one left in it.
  const auto serial = RunAll(*MakeGenerator(model(), 1, 1), requests);
  for (const auto& [id, r] : alone) EXPECT_EQ(serial.at(id).tokens, r.tokens) << "serial rollout " << id;
}

TEST_P(ArchGeneratorTest, SixteenBitKvCacheGivesTheSameTokensAtAnyBatchSize) {
  const std::vector<int32_t> prompt = Tokens(9, 10);
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 6; ++i) requests.push_back(Request(300 + i, i < 3 ? prompt : Tokens(3 + 4 * i, i), 12 + 3 * i));
  for (DType kv : {DType::kF16, DType::kBF16}) {
    const auto one = RunAll(*MakeGenerator(model(), 1, 1, kv), requests);
    const auto many = RunAll(*MakeGenerator(model(), 4, 2, kv), requests);
    for (const auto& [id, r] : one) EXPECT_EQ(many.at(id).tokens, r.tokens) << DTypeName(kv) << " request " << id;
  }
}

// Greedy tokens with a float16 or bfloat16 cache are float32's, up to a step
// where float32's own top two logits are closer than the cache's rounding can
// move them (a near-tie, after which the continuations may part); most
// continuations must match to the end.
TEST_P(ArchGeneratorTest, SixteenBitKvCacheGreedyTokensAreFloat32sUpToANearTie) {
  const int kPrompts = 8, kNew = 40;
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < kPrompts; ++i) {
    requests.push_back(Request(400 + i, Tokens(5 + 9 * i, 20 + i), kNew));
    requests.back().sampling.temperature = 0;
  }
  const auto exact = RunAll(*MakeGenerator(model(), 4, 2), requests);
  auto t = Make(model().weights, DefaultIsa());
  const int vocab = t->config().vocab_size;
  for (DType kv : {DType::kF16, DType::kBF16}) {
    SCOPED_TRACE(DTypeName(kv));
    // The logit bound of SixteenBitKvCacheKeepsTheInvariantsAndStaysClose, twice (both logits move).
    const double tie = 2 * (kv == DType::kBF16 ? 2e-2 : 3e-3);
    const auto rounded = RunAll(*MakeGenerator(model(), 4, 2, kv), requests);
    int whole = 0;
    for (const GenerationRequest& r : requests) {
      const std::vector<int32_t>& a = exact.at(r.id).tokens;
      const std::vector<int32_t>& b = rounded.at(r.id).tokens;
      ASSERT_EQ(a.size(), b.size());
      const size_t split = std::mismatch(a.begin(), a.end(), b.begin()).first - a.begin();
      if (split == a.size()) {
        ++whole;
        continue;
      }
      // Float32's logits at the step where the tokens part.
      std::vector<int32_t> prefix = r.prompt_tokens;
      prefix.insert(prefix.end(), a.begin(), a.begin() + static_cast<std::ptrdiff_t>(split));
      const std::vector<float> logits = RunOneStep(*t, prefix, 2);
      const float* last = logits.data() + (prefix.size() - 1) * vocab;
      double scale = 1;
      for (int v = 0; v < vocab; ++v) scale = std::max(scale, std::fabs(static_cast<double>(last[v])));
      const double margin = static_cast<double>(last[a[split]]) - last[b[split]];
      EXPECT_GE(margin, 0.0) << "request " << r.id << " step " << split << ": float32 greedy is not its argmax";
      EXPECT_LT(margin, tie * scale) << "request " << r.id << " parts at step " << split
                                     << " where float32's choice leads by " << margin << ": not a near-tie";
    }
    EXPECT_GE(whole, kPrompts * 3 / 4) << "continuations equal to the end";
  }
}

TEST_P(ArchGeneratorTest, EarlyStopFreesTheSlotAndLeavesSiblingsExact) {
  const std::vector<int32_t> prompt = Tokens(10, 9);
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 5; ++i) requests.push_back(Request(200 + i, prompt, 30));
  // Rollouts 200 and 202 stop themselves early (the streaming detector's hook).
  for (int i : {0, 2}) requests[i].on_token = [](std::span<const int32_t> g) { return g.size() < 6; };
  const auto out = RunAll(*MakeGenerator(model(), 2, 2), requests);
  for (int i : {0, 2}) {
    EXPECT_EQ(out.at(200 + i).finish, FinishReason::kLoop);
    EXPECT_EQ(out.at(200 + i).tokens.size(), 6u);
  }
  for (GenerationRequest& r : requests) r.on_token = nullptr;
  const auto alone = Alone(requests);
  for (const auto& [id, r] : alone) {
    const std::vector<int32_t>& got = out.at(id).tokens;
    EXPECT_EQ(got, std::vector<int32_t>(r.tokens.begin(), r.tokens.begin() + got.size())) << "rollout " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(AllShapes, ArchGeneratorTest, ::testing::ValuesIn(kShapes),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace doomscope::engine
