// The Gated DeltaNet mixer (engine/gated_delta_rule.h) against its float64
// statement from the formulas (gated_delta_rule_reference.h) on random shapes,
// Qwen3.5-0.8B's among them, and hostile values; and, bit for bit, the
// invariants the engine relies on: decode equals prefill, a forked state
// evolves as a fresh sequence with the same history, every ISA table and
// thread split gives the same bits, and the GGUF (tiled) head order is the HF
// (grouped) one with the value heads permuted.
#include "engine/gated_delta_rule.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cpu_features.h"
#include "engine/gated_delta_rule_reference.h"
#include "gtest/gtest.h"

namespace doomscope::engine {
namespace {

using kernels::GatedDeltaKernelsFor;

// Qwen3.5-0.8B's linear-attention layers (config.json text_config:
// linear_num_key_heads 16, linear_num_value_heads 16, linear_key_head_dim 128,
// linear_value_head_dim 128, linear_conv_kernel_dim 4).
constexpr GatedDeltaShape kQwen35_08B = {16, 16, 128, 128, 4, KeyHeadOrder::kTiled};

std::string Name(const GatedDeltaShape& s) {
  return absl::StrCat("Hk", s.num_k_heads, "_Hv", s.num_v_heads, "_dk", s.head_k_dim, "_dv", s.head_v_dim, "_taps",
                      s.conv_kernel, s.key_head_order == KeyHeadOrder::kGrouped ? "_grouped" : "_tiled");
}

std::vector<float> Normal(size_t n, std::mt19937& rng, float mean, float stddev) {
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// A layer's parameters, drawn as transformers initializes them (A in
// [0.01, 16], dt_bias near 1) plus noise so no two heads are alike.
struct TestLayer {
  std::vector<float> conv_weight, decay_scale, dt_bias, norm_weight;
  GatedDeltaLayer view(L2NormStyle style = L2NormStyle::kRsqrtOfSumPlusEps) const {
    GatedDeltaLayer l;
    l.conv_weight = conv_weight.data();
    l.decay_scale = decay_scale.data();
    l.dt_bias = dt_bias.data();
    l.norm_weight = norm_weight.data();
    l.l2_style = style;
    return l;
  }
};

TestLayer RandomLayer(const GatedDeltaShape& s, uint32_t seed) {
  std::mt19937 rng(seed);
  TestLayer l;
  l.conv_weight = Normal(static_cast<size_t>(s.conv_channels()) * s.conv_kernel, rng, 0.0f, 0.5f);
  std::uniform_real_distribution<float> a(0.01f, 16.0f);
  for (int h = 0; h < s.num_v_heads; ++h) l.decay_scale.push_back(-a(rng));
  l.dt_bias = Normal(s.num_v_heads, rng, 1.0f, 0.5f);
  l.norm_weight = Normal(s.head_v_dim, rng, 1.0f, 0.2f);
  return l;
}

// One sequence's projections, rows packed (ld = width).
struct TestRows {
  int n = 0;
  std::vector<float> qkv, z, a, b;
  GatedDeltaRows view(const GatedDeltaShape& s, int first = 0, int count = -1) const {
    return PackedGatedDeltaRows(s, qkv.data(), z.data(), a.data(), b.data(), first, count < 0 ? n - first : count);
  }
};

TestRows RandomRows(const GatedDeltaShape& s, int n, uint32_t seed) {
  std::mt19937 rng(seed);
  TestRows r;
  r.n = n;
  r.qkv = Normal(static_cast<size_t>(n) * s.conv_channels(), rng, 0.0f, 1.0f);
  r.z = Normal(static_cast<size_t>(n) * s.value_dim(), rng, 0.0f, 1.0f);
  r.a = Normal(static_cast<size_t>(n) * s.num_v_heads, rng, 0.0f, 2.0f);
  r.b = Normal(static_cast<size_t>(n) * s.num_v_heads, rng, 0.0f, 2.0f);
  return r;
}

struct TestState {
  GatedDeltaShape shape;
  std::vector<float> conv, heads;
  explicit TestState(const GatedDeltaShape& s)
      : shape(s), conv(s.conv_state_floats(), 0.0f), heads(s.heads_state_floats(), 0.0f) {}
  GatedDeltaState view() { return {conv.data(), heads.data()}; }
  // Every head's S, [Hv][dk][dv] as the reference keeps it.
  std::vector<float> matrices() const {
    std::vector<float> all;
    for (int h = 0; h < shape.num_v_heads; ++h) {
      const std::vector<float> m = GatedDeltaStateMatrix(shape, heads.data(), h);
      all.insert(all.end(), m.begin(), m.end());
    }
    return all;
  }
  bool operator==(const TestState& o) const;
};

// Runs rows [first, first + count) of `rows` through the mixer from `state`;
// returns the output rows.
std::vector<float> RunMixer(const GatedDeltaShape& s, const GatedDeltaLayer& layer, const TestRows& rows,
                            TestState& state, DeltaRuleAlgorithm algorithm, const GatedDeltaKernels& kernels,
                            int first = 0, int count = -1, int threads = 1) {
  const GatedDeltaRows view = rows.view(s, first, count);
  std::vector<float> out(static_cast<size_t>(view.n) * s.value_dim(), -1.0f);
  GatedDeltaSequence(s, layer, kernels, algorithm, view, state.view(), out.data(), s.value_dim(), threads);
  return out;
}

std::vector<float> RunOneByOne(const GatedDeltaShape& s, const GatedDeltaLayer& layer, const TestRows& rows,
                               TestState& state, const GatedDeltaKernels& kernels) {
  std::vector<float> out;
  for (int t = 0; t < rows.n; ++t) {
    const std::vector<float> row = RunMixer(s, layer, rows, state, DeltaRuleAlgorithm::kRecurrent, kernels, t, 1);
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

bool TestState::operator==(const TestState& o) const { return SameBits(conv, o.conv) && SameBits(heads, o.heads); }

template <typename A, typename B>
double MaxAbsDiff(const A& a, const B& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0.0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (!(d <= m)) m = d;  // a NaN makes the maximum NaN
  }
  return m;
}

// MaxAbsDiff relative to the reference's scale (at least 1): states grow with
// the values written into them.
template <typename A, typename B>
double MaxScaledDiff(const A& got, const B& want) {
  double scale = 1.0;
  for (const auto& x : want) scale = std::max(scale, std::fabs(static_cast<double>(x)));
  return MaxAbsDiff(got, want) / scale;
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (IsaSupported(isa)) isas.push_back(isa);
  }
  return isas;
}

const GatedDeltaKernels& BestKernels() { return GatedDeltaKernelsFor(DefaultIsa()); }

// Shapes: Qwen3.5-0.8B's; the grouped-heads case of the larger Qwen3.5 models
// (Hv = 2 Hk) at their head size, in both head orders; odd sizes that leave
// partial vectors and partial chunks; a one-tap conv.
std::vector<GatedDeltaShape> TestShapes() {
  return {kQwen35_08B,
          {4, 8, 128, 128, 4, KeyHeadOrder::kGrouped},
          {2, 6, 32, 48, 4, KeyHeadOrder::kTiled},
          {1, 3, 20, 17, 2, KeyHeadOrder::kGrouped},
          {2, 2, 16, 80, 1, KeyHeadOrder::kGrouped}};
}

// Float32 against the float64 reference: outputs (of order 1 after the gated
// norm) absolutely, state matrices relative to their largest entry (at least
// 1), after 150 tokens (three chunks, the last partial).
constexpr double kOutputTolerance = 1e-4;
constexpr double kStateTolerance = 2e-6;

TEST(GatedDeltaRule, MatchesFloat64ReferenceOnRandomShapes) {
  for (const GatedDeltaShape& s : TestShapes()) {
    ASSERT_TRUE(ValidateGatedDeltaShape(s).ok()) << Name(s);
    for (L2NormStyle style : {L2NormStyle::kRsqrtOfSumPlusEps, L2NormStyle::kMaxOfNormAndEps}) {
      const TestLayer layer = RandomLayer(s, 7);
      const TestRows rows = RandomRows(s, 150, 11);
      GatedDeltaReferenceState ref_state = NewGatedDeltaReferenceState(s);
      const std::vector<double> want = GatedDeltaReference(s, layer.view(style), rows.view(s), ref_state);
      for (DeltaRuleAlgorithm algorithm : {DeltaRuleAlgorithm::kRecurrent, DeltaRuleAlgorithm::kChunked}) {
        SCOPED_TRACE(absl::StrCat(Name(s), algorithm == DeltaRuleAlgorithm::kChunked ? " chunked" : " recurrent",
                                  style == L2NormStyle::kMaxOfNormAndEps ? " ggml-l2" : ""));
        TestState state(s);
        const std::vector<float> got = RunMixer(s, layer.view(style), rows, state, algorithm, BestKernels(), 0, -1, 2);
        EXPECT_LE(MaxAbsDiff(got, want), kOutputTolerance);
        EXPECT_LE(MaxScaledDiff(state.matrices(), ref_state.matrix), kStateTolerance);
        // The window holds input values: exact.
        EXPECT_EQ(MaxAbsDiff(state.conv, ref_state.conv), 0.0);
      }
    }
  }
}

// The recurrent kernel computes each element as the documented scalar
// sequence (engine/kernels/gated_delta.h), restated here with plain float
// loops, from a state with a pending update. (This file is built for baseline
// x86-64, which has no fused multiply-add to contract to.)
void PlainRecurrentRule(const kernels::DeltaRuleArgs& a) {
  const int dk = a.dk, dv = a.dv;
  float* m = a.state;
  float* delta = m + dk * dv;
  float* kp = delta + dv;
  float* e = kp + dk;
  std::vector<float> read_k(dv), read_q(dv);
  for (int t = 0; t < a.n; ++t) {
    const float* k = a.k + t * dk;
    const float* q = a.q + t * dk;
    std::fill(read_k.begin(), read_k.end(), 0.0f);
    std::fill(read_q.begin(), read_q.end(), 0.0f);
    for (int i = 0; i < dk; ++i) {
      for (int j = 0; j < dv; ++j) {
        const float r = m[i * dv + j] * *e + kp[i] * delta[j];
        m[i * dv + j] = r;
        read_k[j] += r * k[i];
        read_q[j] += r * q[i];
      }
    }
    // k . q as the kernels sum it: 16 lanes, then a fixed tree.
    float lanes[16] = {};
    for (int i = 0; i < dk; ++i) lanes[i % 16] += k[i] * q[i];
    for (int w = 8; w > 0; w /= 2) {
      for (int i = 0; i < w; ++i) lanes[i] += lanes[i + w];
    }
    const float ev = std::exp(a.g[t]);
    for (int j = 0; j < dv; ++j) {
      delta[j] = a.beta[t] * (a.v[t * a.ldv + j] - ev * read_k[j]);
      a.out[t * a.ldo + j] = ev * read_q[j] + lanes[0] * delta[j];
    }
    std::copy(k, k + dk, kp);
    *e = ev;
  }
}

TEST(GatedDeltaRule, RecurrentKernelIsThePlainScalarSequenceOnEveryIsa) {
  for (const auto& [dk, dv] : std::vector<std::pair<int, int>>{{128, 128}, {20, 17}, {16, 80}, {3, 100}}) {
    const int n = 70;
    std::mt19937 rng(dk * 1000 + dv);
    const std::vector<float> k = Normal(static_cast<size_t>(n) * dk, rng, 0.0f, 0.1f);
    const std::vector<float> q = Normal(static_cast<size_t>(n) * dk, rng, 0.0f, 0.1f);
    const std::vector<float> v = Normal(static_cast<size_t>(n) * dv, rng, 0.0f, 1.0f);
    const std::vector<float> g = Normal(n, rng, -0.5f, 0.3f);
    const std::vector<float> beta = Normal(n, rng, 0.5f, 0.2f);
    // A state with a pending update (decay 0.9).
    std::vector<float> s0 = Normal(kernels::DeltaRuleStateFloats(dk, dv), rng, 0.0f, 1.0f);
    s0[static_cast<size_t>(dk) * dv + dv + dk] = 0.9f;
    auto run = [&](void (*rule)(const kernels::DeltaRuleArgs&), std::vector<float>& state) {
      std::vector<float> out(static_cast<size_t>(n) * dv);
      std::vector<float> scratch(kernels::DeltaRuleScratchFloats(dk, dv, DeltaRuleAlgorithm::kRecurrent));
      state = s0;
      kernels::DeltaRuleArgs args;
      args.state = state.data();
      args.dk = dk;
      args.dv = dv;
      args.n = n;
      args.k = k.data();
      args.q = q.data();
      args.v = v.data();
      args.ldv = dv;
      args.g = g.data();
      args.beta = beta.data();
      args.out = out.data();
      args.ldo = dv;
      args.scratch = scratch.data();
      rule(args);
      return out;
    };
    std::vector<float> want_state, got_state;
    const std::vector<float> want = run(PlainRecurrentRule, want_state);
    for (Isa isa : SupportedIsas()) {
      SCOPED_TRACE(absl::StrCat(IsaName(isa), " dk ", dk, " dv ", dv));
      EXPECT_TRUE(SameBits(run(GatedDeltaKernelsFor(isa).recurrent, got_state), want));
      EXPECT_TRUE(SameBits(got_state, want_state));
    }
  }
}

TEST(GatedDeltaRule, EveryIsaAndThreadCountGivesTheSameBits) {
  for (const GatedDeltaShape& s : TestShapes()) {
    const TestLayer layer = RandomLayer(s, 3);
    const TestRows rows = RandomRows(s, 100, 5);
    for (DeltaRuleAlgorithm algorithm : {DeltaRuleAlgorithm::kRecurrent, DeltaRuleAlgorithm::kChunked}) {
      TestState want_state(s);
      const std::vector<float> want =
          RunMixer(s, layer.view(), rows, want_state, algorithm, GatedDeltaKernelsFor(Isa::kScalar), 0, -1, 1);
      for (Isa isa : SupportedIsas()) {
        for (int threads : {1, 2, 3}) {
          SCOPED_TRACE(absl::StrCat(Name(s), " ", IsaName(isa), " threads ", threads));
          TestState state(s);
          EXPECT_TRUE(SameBits(
              RunMixer(s, layer.view(), rows, state, algorithm, GatedDeltaKernelsFor(isa), 0, -1, threads), want));
          EXPECT_TRUE(state == want_state);
        }
      }
    }
  }
}

TEST(GatedDeltaRule, ConvSplitOverChannelRangesGivesTheSameBits) {
  const GatedDeltaShape s = {2, 4, 16, 24, 4, KeyHeadOrder::kGrouped};
  const TestLayer layer = RandomLayer(s, 1);
  const TestRows rows = RandomRows(s, 9, 2);
  const int channels = s.conv_channels();
  std::vector<float> want(static_cast<size_t>(rows.n) * channels), got(want.size());
  TestState whole(s), split(s);
  GatedDeltaConv(s, layer.view(), BestKernels(), rows.qkv.data(), channels, rows.n, whole.conv.data(), 0, channels,
                 want.data());
  for (int c0 = 0; c0 < channels; c0 += 13) {
    GatedDeltaConv(s, layer.view(), BestKernels(), rows.qkv.data(), channels, rows.n, split.conv.data(), c0,
                   std::min(channels, c0 + 13), got.data());
  }
  EXPECT_TRUE(SameBits(got, want));
  EXPECT_TRUE(split == whole);
}

// Decode (one token per call) equals prefill (all at once) and any split of
// the prompt, to the bit, for the recurrent form; the chunked form within
// tolerance.
TEST(GatedDeltaRule, PrefillEqualsTokenByTokenDecode) {
  for (const GatedDeltaShape& s : TestShapes()) {
    SCOPED_TRACE(Name(s));
    const TestLayer layer = RandomLayer(s, 21);
    const TestRows rows = RandomRows(s, 140, 22);
    TestState decode_state(s);
    const std::vector<float> decode = RunOneByOne(s, layer.view(), rows, decode_state, BestKernels());

    TestState prefill_state(s);
    EXPECT_TRUE(SameBits(RunMixer(s, layer.view(), rows, prefill_state, DeltaRuleAlgorithm::kRecurrent, BestKernels()),
                         decode));
    EXPECT_TRUE(prefill_state == decode_state);

    TestState split_state(s);
    std::vector<float> split;
    for (const auto& [first, count] : std::vector<std::pair<int, int>>{{0, 37}, {37, 1}, {38, 64}, {102, 38}}) {
      const std::vector<float> part =
          RunMixer(s, layer.view(), rows, split_state, DeltaRuleAlgorithm::kRecurrent, BestKernels(), first, count);
      split.insert(split.end(), part.begin(), part.end());
    }
    EXPECT_TRUE(SameBits(split, decode));
    EXPECT_TRUE(split_state == decode_state);

    TestState chunked_state(s);
    const std::vector<float> chunked =
        RunMixer(s, layer.view(), rows, chunked_state, DeltaRuleAlgorithm::kChunked, BestKernels());
    EXPECT_LE(MaxAbsDiff(chunked, decode), kOutputTolerance);
    EXPECT_LE(MaxScaledDiff(chunked_state.matrices(), decode_state.matrices()), kStateTolerance);
    EXPECT_TRUE(chunked_state.conv == decode_state.conv);
  }
}

// A chunked prefill, then decode, ends where decoding all the way does.
TEST(GatedDeltaRule, ChunkedPrefillThenDecodeMatchesDecodeAllTheWay) {
  const GatedDeltaShape s = kQwen35_08B;
  const TestLayer layer = RandomLayer(s, 31);
  const TestRows rows = RandomRows(s, 100, 32);
  TestState all(s);
  const std::vector<float> want = RunOneByOne(s, layer.view(), rows, all, BestKernels());
  TestState mixed(s);
  std::vector<float> got = RunMixer(s, layer.view(), rows, mixed, DeltaRuleAlgorithm::kChunked, BestKernels(), 0, 70);
  for (int t = 70; t < rows.n; ++t) {
    const std::vector<float> row =
        RunMixer(s, layer.view(), rows, mixed, DeltaRuleAlgorithm::kRecurrent, BestKernels(), t, 1);
    got.insert(got.end(), row.begin(), row.end());
  }
  EXPECT_LE(MaxAbsDiff(got, want), kOutputTolerance);
  EXPECT_LE(MaxScaledDiff(mixed.matrices(), all.matrices()), kStateTolerance);
}

// Rollouts fork from one prefill: each copy evolves as a fresh sequence with
// the same history would, and no copy disturbs another.
TEST(GatedDeltaRule, ForkedStatesEvolveAsFreshSequences) {
  const GatedDeltaShape s = {2, 4, 32, 32, 4, KeyHeadOrder::kTiled};
  const TestLayer layer = RandomLayer(s, 41);
  const int prompt = 50, tail = 30;
  TestRows a = RandomRows(s, prompt + tail, 42);
  TestRows b = RandomRows(s, prompt + tail, 43);
  // Same prompt, different continuations.
  std::copy(a.qkv.begin(), a.qkv.begin() + prompt * s.conv_channels(), b.qkv.begin());
  std::copy(a.z.begin(), a.z.begin() + prompt * s.value_dim(), b.z.begin());
  std::copy(a.a.begin(), a.a.begin() + prompt * s.num_v_heads, b.a.begin());
  std::copy(a.b.begin(), a.b.begin() + prompt * s.num_v_heads, b.b.begin());

  TestState parent(s);
  RunMixer(s, layer.view(), a, parent, DeltaRuleAlgorithm::kRecurrent, BestKernels(), 0, prompt);
  const TestState parent_after_prompt = parent;
  TestState fork_a(s), fork_b(s);
  CopyGatedDeltaState(s, parent.view(), fork_a.view());
  CopyGatedDeltaState(s, parent.view(), fork_b.view());
  const std::vector<float> got_a =
      RunMixer(s, layer.view(), a, fork_a, DeltaRuleAlgorithm::kRecurrent, BestKernels(), prompt, tail);
  const std::vector<float> got_b =
      RunMixer(s, layer.view(), b, fork_b, DeltaRuleAlgorithm::kRecurrent, BestKernels(), prompt, tail);
  EXPECT_TRUE(parent == parent_after_prompt);

  const std::vector<std::tuple<const TestRows*, const std::vector<float>*, const TestState*>> forks = {
      {&a, &got_a, &fork_a}, {&b, &got_b, &fork_b}};
  for (const auto& [rows, got, fork] : forks) {
    TestState fresh(s);
    const std::vector<float> all =
        RunMixer(s, layer.view(), *rows, fresh, DeltaRuleAlgorithm::kRecurrent, BestKernels());
    EXPECT_TRUE(SameBits(*got, std::vector<float>(all.begin() + prompt * s.value_dim(), all.end())));
    EXPECT_TRUE(*fork == fresh);
  }
  EXPECT_FALSE(SameBits(got_a, got_b));
}

// GGUF files hold the value heads in tiled order (the converter's reorder):
// running those weights with kTiled gives the HF (kGrouped) outputs with the
// value heads moved the same way, to the bit.
TEST(GatedDeltaRule, TiledOrderIsGroupedOrderWithValueHeadsPermuted) {
  GatedDeltaShape grouped = {3, 12, 16, 8, 4, KeyHeadOrder::kGrouped};
  GatedDeltaShape tiled = grouped;
  tiled.key_head_order = KeyHeadOrder::kTiled;
  const int hk = grouped.num_k_heads, r = grouped.num_v_heads / hk, dv = grouped.head_v_dim, taps = grouped.conv_kernel;
  // Grouped head h = kh * r + m sits at tiled position m * hk + kh.
  auto tiled_pos = [&](int h) { return (h % r) * hk + h / r; };
  const TestLayer hf = RandomLayer(grouped, 51);
  const TestRows hf_rows = RandomRows(grouped, 40, 52);
  TestLayer gguf = hf;
  TestRows gguf_rows = hf_rows;
  const int v0 = 2 * grouped.key_dim(), channels = grouped.conv_channels();
  for (int h = 0; h < grouped.num_v_heads; ++h) {
    const int p = tiled_pos(h);
    gguf.decay_scale[p] = hf.decay_scale[h];
    gguf.dt_bias[p] = hf.dt_bias[h];
    for (int j = 0; j < dv; ++j) {
      for (int x = 0; x < taps; ++x)
        gguf.conv_weight[x * channels + v0 + p * dv + j] = hf.conv_weight[x * channels + v0 + h * dv + j];
    }
    for (int t = 0; t < hf_rows.n; ++t) {
      gguf_rows.a[t * grouped.num_v_heads + p] = hf_rows.a[t * grouped.num_v_heads + h];
      gguf_rows.b[t * grouped.num_v_heads + p] = hf_rows.b[t * grouped.num_v_heads + h];
      for (int j = 0; j < dv; ++j) {
        gguf_rows.qkv[t * channels + v0 + p * dv + j] = hf_rows.qkv[t * channels + v0 + h * dv + j];
        gguf_rows.z[t * grouped.value_dim() + p * dv + j] = hf_rows.z[t * grouped.value_dim() + h * dv + j];
      }
    }
  }
  TestState hf_state(grouped), gguf_state(tiled);
  const std::vector<float> want =
      RunMixer(grouped, hf.view(), hf_rows, hf_state, DeltaRuleAlgorithm::kRecurrent, BestKernels());
  const std::vector<float> got =
      RunMixer(tiled, gguf.view(), gguf_rows, gguf_state, DeltaRuleAlgorithm::kRecurrent, BestKernels());
  const size_t per_head = grouped.head_state_floats();
  for (int h = 0; h < grouped.num_v_heads; ++h) {
    const int p = tiled_pos(h);
    for (int t = 0; t < hf_rows.n; ++t) {
      for (int j = 0; j < dv; ++j) {
        ASSERT_EQ(got[t * grouped.value_dim() + p * dv + j], want[t * grouped.value_dim() + h * dv + j])
            << h << " " << t;
      }
    }
    EXPECT_EQ(std::memcmp(&gguf_state.heads[p * per_head], &hf_state.heads[h * per_head], per_head * sizeof(float)), 0);
  }
}

// Values a trained model reaches at its extremes, and past them.
TEST(GatedDeltaRule, HostileValuesStayFiniteAndMatchTheReference) {
  const GatedDeltaShape s = {2, 4, 64, 64, 4, KeyHeadOrder::kGrouped};
  struct Case {
    const char* name;
    float a_mean, a_std, b_mean, b_std, dt_bias, decay_scale, qkv_scale;
  };
  const Case cases[] = {
      {"decay to zero every token (g ~ -1e5)", 1e4f, 1.0f, 0.0f, 2.0f, 0.0f, -16.0f, 1.0f},
      {"no decay at all (g = 0), long sequence", 0.0f, 2.0f, 0.0f, 2.0f, 1.0f, 0.0f, 1.0f},
      {"tiny decay (dt_bias -30)", 0.0f, 1.0f, 0.0f, 2.0f, -30.0f, -1.0f, 1.0f},
      {"beta = 1 (logit +100)", 0.0f, 1.0f, 100.0f, 0.0f, 1.0f, -1.0f, 1.0f},
      {"beta = 0 (logit -100)", 0.0f, 1.0f, -100.0f, 0.0f, 1.0f, -1.0f, 1.0f},
      {"beta 0 or 1 at random, strong decays", 3.0f, 3.0f, 0.0f, 60.0f, 2.0f, -8.0f, 1.0f},
      {"large inputs (x1e3)", 0.0f, 2.0f, 0.0f, 2.0f, 1.0f, -1.0f, 1e3f},
      {"tiny inputs (x1e-4: q, k near the L2 eps)", 0.0f, 2.0f, 0.0f, 2.0f, 1.0f, -1.0f, 1e-4f},
  };
  for (const Case& c : cases) {
    for (DeltaRuleAlgorithm algorithm : {DeltaRuleAlgorithm::kRecurrent, DeltaRuleAlgorithm::kChunked}) {
      SCOPED_TRACE(absl::StrCat(c.name, algorithm == DeltaRuleAlgorithm::kChunked ? " chunked" : " recurrent"));
      TestLayer layer = RandomLayer(s, 61);
      std::fill(layer.dt_bias.begin(), layer.dt_bias.end(), c.dt_bias);
      std::fill(layer.decay_scale.begin(), layer.decay_scale.end(), c.decay_scale);
      const int n = 400;
      TestRows rows = RandomRows(s, n, 62);
      std::mt19937 rng(63);
      rows.a = Normal(rows.a.size(), rng, c.a_mean, c.a_std);
      rows.b = Normal(rows.b.size(), rng, c.b_mean, c.b_std);
      for (float& x : rows.qkv) x *= c.qkv_scale;
      GatedDeltaReferenceState ref_state = NewGatedDeltaReferenceState(s);
      const std::vector<double> want = GatedDeltaReference(s, layer.view(), rows.view(s), ref_state);
      TestState state(s);
      const std::vector<float> got = RunMixer(s, layer.view(), rows, state, algorithm, BestKernels());
      EXPECT_TRUE(std::all_of(got.begin(), got.end(), [](float x) { return std::isfinite(x); }));
      EXPECT_TRUE(std::all_of(state.heads.begin(), state.heads.end(), [](float x) { return std::isfinite(x); }));
      EXPECT_LE(MaxAbsDiff(got, want), kOutputTolerance);
      EXPECT_LE(MaxScaledDiff(state.matrices(), ref_state.matrix), kStateTolerance);
    }
  }
}

TEST(GatedDeltaRule, ZeroInputsGiveZeroOutputs) {
  const GatedDeltaShape s = {2, 2, 16, 16, 4, KeyHeadOrder::kGrouped};
  const TestLayer layer = RandomLayer(s, 71);
  TestRows rows = RandomRows(s, 70, 72);
  std::fill(rows.qkv.begin(), rows.qkv.end(), 0.0f);
  for (DeltaRuleAlgorithm algorithm : {DeltaRuleAlgorithm::kRecurrent, DeltaRuleAlgorithm::kChunked}) {
    TestState state(s);
    const std::vector<float> got = RunMixer(s, layer.view(), rows, state, algorithm, BestKernels());
    EXPECT_TRUE(std::all_of(got.begin(), got.end(), [](float x) { return x == 0.0f; }));
    const std::vector<float> m = state.matrices();
    EXPECT_TRUE(std::all_of(m.begin(), m.end(), [](float x) { return x == 0.0f; }));
  }
}

// The window keeps the last taps - 1 inputs, zeros before the first, also
// when a call brings fewer tokens than that.
TEST(GatedDeltaRule, ConvWindowKeepsTheLastInputs) {
  const GatedDeltaShape s = {1, 1, 4, 4, 4, KeyHeadOrder::kGrouped};
  const TestLayer layer = RandomLayer(s, 81);
  const TestRows rows = RandomRows(s, 6, 82);
  const int channels = s.conv_channels();
  TestState state(s);
  GatedDeltaReferenceState ref = NewGatedDeltaReferenceState(s);
  int done = 0;
  for (int count : {1, 1, 3, 1}) {
    const std::vector<float> got =
        RunMixer(s, layer.view(), rows, state, DeltaRuleAlgorithm::kRecurrent, BestKernels(), done, count);
    const std::vector<double> want = GatedDeltaReference(s, layer.view(), rows.view(s, done, count), ref);
    EXPECT_LE(MaxAbsDiff(got, want), kOutputTolerance);
    done += count;
    for (int r = 0; r < s.conv_kernel - 1; ++r) {
      const int input = done - (s.conv_kernel - 1) + r;
      for (int c = 0; c < channels; ++c) {
        const float expected = input < 0 ? 0.0f : rows.qkv[input * channels + c];
        ASSERT_EQ(state.conv[r * channels + c], expected) << "after " << done << " tokens, row " << r;
      }
    }
  }
}

// The kernels' own exp, through the conv's SiLU (one tap of weight 1), over
// the whole float range on every ISA: within 4 ulp of float64 where SiLU is
// not negligible, never NaN or infinite.
TEST(GatedDeltaRule, ConvSiluMatchesFloat64SiluAcrossTheRange) {
  std::vector<float> x = {0.0f, -0.0f, 1e-30f, -1e-30f, 87.3f, -87.3f, 88.5f, -88.5f, 1e4f, -1e4f, 3e38f, -3e38f};
  for (float v = -200.0f; v <= 200.0f; v += 0.37f) x.push_back(v);
  for (float v = -1.0f; v <= 1.0f; v += 0.0137f) x.push_back(v);
  const int n = static_cast<int>(x.size());
  const std::vector<float> weight(n, 1.0f);
  for (Isa isa : SupportedIsas()) {
    std::vector<float> out(n);
    const float* before[1] = {nullptr};
    GatedDeltaKernelsFor(isa).conv_silu(before, x.data(), n, 1, 1, weight.data(), n, 0, n, out.data(), n);
    for (int i = 0; i < n; ++i) {
      const double want = x[i] / (1.0 + std::exp(-static_cast<double>(x[i])));
      SCOPED_TRACE(absl::StrCat(IsaName(isa), " silu(", x[i], ") = ", out[i], ", want ", want));
      ASSERT_TRUE(std::isfinite(out[i]));
      if (std::fabs(want) > 1e-30) {
        EXPECT_LE(std::fabs(out[i] - want), 4.8e-7 * std::fabs(want));
      } else {
        EXPECT_LE(std::fabs(out[i]), 1e-30);
      }
    }
  }
}

TEST(GatedDeltaRule, TapMajorConvWeightTransposesTheFileLayout) {
  // Channel-major [3 channels][2 taps] as the files store it.
  const std::vector<float> file = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(TapMajorConvWeight(file, 3, 2), (std::vector<float>{1, 3, 5, 2, 4, 6}));
}

TEST(GatedDeltaRule, ValidateNamesTheBadField) {
  GatedDeltaShape s = kQwen35_08B;
  EXPECT_TRUE(ValidateGatedDeltaShape(s).ok());
  s.num_v_heads = 24;
  s.num_k_heads = 16;
  EXPECT_NE(ValidateGatedDeltaShape(s).message().find("num_v_heads = 24 is not a multiple of num_k_heads = 16"),
            std::string::npos);
  s = kQwen35_08B;
  s.head_k_dim = 0;
  EXPECT_NE(ValidateGatedDeltaShape(s).message().find("head_k_dim = 0"), std::string::npos);
  s = kQwen35_08B;
  s.conv_kernel = 17;
  EXPECT_NE(ValidateGatedDeltaShape(s).message().find("conv_kernel = 17"), std::string::npos);
}

}  // namespace
}  // namespace doomscope::engine
