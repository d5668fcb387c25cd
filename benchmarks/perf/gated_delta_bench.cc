// gated_delta_bench: cost of Qwen3.5's Gated DeltaNet state update per token,
// for one linear-attention layer of the Qwen3.5-0.8B shape (16 value heads,
// 16 key heads, 128 x 128 state per head, 4-tap conv; 1 MiB of state).
//
//   build/release/benchmarks/perf/gated_delta_bench [--quick] [--only=decode|dram|prefill]
//       [--algorithm=recurrent|chunked] [--threads=N] [--tokens=N] [--runs=N]
//
// Prints, in one run:
//   * decode with the state in cache (one sequence): ns per token for the
//     delta-rule kernel alone (all heads) and for the whole mixer (conv, SiLU,
//     L2 norms, gates, rule, gated RMSNorm), and the state traffic in GB/s
//     (each token reads and writes the 1 MiB state once);
//   * decode with the states in DRAM (round-robin over 96 sequences, 96 MiB):
//     the same, beside a plain memory-read pass over a 256 MiB buffer, the
//     ratio's denominator;
//   * prefill of --tokens tokens (default 512), recurrent against chunked, on
//     1 and --threads threads (heads split between them): ns per token.
// Single-thread times are thread CPU time, multi-thread ones wall time; each
// is the best of several repetitions. With --runs=N each measured case runs
// exactly N times instead (fixed work, for timing whole processes from
// outside, e.g. A/B pairs of --algorithm=recurrent and --algorithm=chunked).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cpu_features.h"
#include "engine/gated_delta_rule.h"
#include "engine/kernels/gated_delta.h"
#include "engine/kernels/kernels.h"

namespace doomscope {
namespace {

using engine::DeltaRuleAlgorithm;
using engine::GatedDeltaShape;

constexpr GatedDeltaShape kShape = {16, 16, 128, 128, 4, engine::KeyHeadOrder::kTiled};

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int g_fixed_runs = 0;  // --runs

// Best seconds per call of `fn` over `reps` repetitions of at least `min_s`;
// with --runs, the mean of exactly that many calls.
double BestSeconds(const std::function<void()>& fn, int reps, double min_s, bool wall) {
  if (g_fixed_runs > 0) {
    const double t0 = wall ? WallSeconds() : CpuSeconds();
    for (int i = 0; i < g_fixed_runs; ++i) fn();
    return ((wall ? WallSeconds() : CpuSeconds()) - t0) / g_fixed_runs;
  }
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    int calls = 0;
    const double t0 = wall ? WallSeconds() : CpuSeconds();
    double t1 = t0;
    do {
      fn();
      ++calls;
      t1 = wall ? WallSeconds() : CpuSeconds();
    } while (t1 - t0 < min_s);
    best = std::min(best, (t1 - t0) / calls);
  }
  return best;
}

std::vector<float> Normal(size_t n, uint32_t seed, float mean, float stddev) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

struct Options {
  bool quick = false;
  std::string only;
  DeltaRuleAlgorithm algorithm = DeltaRuleAlgorithm::kRecurrent;
  bool algorithm_given = false;
  int threads = 2;
  int tokens = 512;
  int runs = 0;  // > 0: fixed work
};

// One layer's parameters and a sequence's projections, random.
struct Layer {
  std::vector<float> conv_weight = Normal(static_cast<size_t>(kShape.conv_channels()) * kShape.conv_kernel, 1, 0, 0.5f);
  std::vector<float> decay_scale = Normal(kShape.num_v_heads, 2, -4.0f, 1.0f);
  std::vector<float> dt_bias = Normal(kShape.num_v_heads, 3, 1.0f, 0.5f);
  std::vector<float> norm_weight = Normal(kShape.head_v_dim, 4, 1.0f, 0.2f);
  engine::GatedDeltaLayer view() const {
    engine::GatedDeltaLayer l;
    l.conv_weight = conv_weight.data();
    l.decay_scale = decay_scale.data();
    l.dt_bias = dt_bias.data();
    l.norm_weight = norm_weight.data();
    return l;
  }
};

struct Rows {
  int n;
  std::vector<float> qkv, z, a, b;
  explicit Rows(int tokens)
      : n(tokens),
        qkv(Normal(static_cast<size_t>(tokens) * kShape.conv_channels(), 5, 0, 1)),
        z(Normal(static_cast<size_t>(tokens) * kShape.value_dim(), 6, 0, 1)),
        a(Normal(static_cast<size_t>(tokens) * kShape.num_v_heads, 7, 0, 2)),
        b(Normal(static_cast<size_t>(tokens) * kShape.num_v_heads, 8, 0, 2)) {}
  engine::GatedDeltaRows view(int first, int count) const {
    return engine::PackedGatedDeltaRows(kShape, qkv.data(), z.data(), a.data(), b.data(), first, count);
  }
};

// The delta-rule kernel alone for one token of one sequence: every head's
// recurrent update from already normalized inputs.
struct RuleOnly {
  std::vector<float> k = Normal(kShape.head_k_dim, 9, 0, 0.09f);
  std::vector<float> q = Normal(kShape.head_k_dim, 10, 0, 0.008f);
  std::vector<float> v = Normal(kShape.value_dim(), 11, 0, 1);
  std::vector<float> out = std::vector<float>(kShape.value_dim());
  float g = -0.05f, beta = 0.5f;
  std::vector<float> scratch = std::vector<float>(
      engine::kernels::DeltaRuleScratchFloats(kShape.head_k_dim, kShape.head_v_dim, DeltaRuleAlgorithm::kRecurrent));
  void Token(const engine::kernels::GatedDeltaKernels& kernels, float* heads) {
    engine::kernels::DeltaRuleArgs args;
    args.dk = kShape.head_k_dim;
    args.dv = kShape.head_v_dim;
    args.n = 1;
    args.k = k.data();
    args.q = q.data();
    args.ldv = kShape.value_dim();
    args.g = &g;
    args.beta = &beta;
    args.ldo = kShape.value_dim();
    args.scratch = scratch.data();
    for (int h = 0; h < kShape.num_v_heads; ++h) {
      args.state = heads + static_cast<size_t>(h) * kShape.head_state_floats();
      args.v = v.data() + h * kShape.head_v_dim;
      args.out = out.data() + h * kShape.head_v_dim;
      kernels.recurrent(args);
    }
  }
};

void Decode(const Options& opt, const engine::kernels::GatedDeltaKernels& kernels, bool dram) {
  const Layer layer;
  const Rows rows(1);
  const int sequences = dram ? 96 : 1;
  // The state matrices (the pending updates add 1.6% more).
  const size_t state_bytes = sizeof(float) * kShape.num_v_heads * kShape.head_k_dim * kShape.head_v_dim;
  std::vector<std::vector<float>> conv(sequences, std::vector<float>(kShape.conv_state_floats()));
  std::vector<std::vector<float>> heads(sequences, Normal(kShape.heads_state_floats(), 12, 0, 0.1f));
  std::vector<float> out(kShape.value_dim());
  RuleOnly rule;
  engine::GatedDeltaWorkspace workspace;
  int next = 0;
  const int reps = opt.quick ? 2 : 5;
  const double min_s = opt.quick ? 0.05 : 0.3;
  const double rule_s = BestSeconds(
      [&] {
        rule.Token(kernels, heads[next].data());
        next = (next + 1) % sequences;
      },
      reps, min_s, false);
  const double mixer_s = BestSeconds(
      [&] {
        engine::GatedDeltaSequence(kShape, layer.view(), kernels, DeltaRuleAlgorithm::kRecurrent, rows.view(0, 1),
                                   {conv[next].data(), heads[next].data()}, out.data(), kShape.value_dim(), 1,
                                   &workspace);
        next = (next + 1) % sequences;
      },
      reps, min_s, false);
  const double traffic = 2.0 * static_cast<double>(state_bytes);  // read and write the state once
  std::printf("decode, %s (%d sequence%s, %.0f MiB of state), 1 thread:\n", dram ? "state in DRAM" : "state in cache",
              sequences, sequences == 1 ? "" : "s", static_cast<double>(sequences) * state_bytes / (1 << 20));
  std::printf("  delta rule alone   %8.0f ns/token  %6.1f GB/s of state traffic\n", rule_s * 1e9,
              traffic / rule_s / 1e9);
  std::printf("  whole mixer        %8.0f ns/token  %6.1f GB/s of state traffic\n", mixer_s * 1e9,
              traffic / mixer_s / 1e9);
  if (dram) {
    const engine::kernels::KernelTable& k = engine::kernels::KernelsFor(engine::DefaultIsa());
    std::vector<float> big(size_t{64} << 20, 1.0f);  // 256 MiB
    volatile float sink = 0.0f;
    const int fixed_runs = g_fixed_runs;
    g_fixed_runs = std::min(g_fixed_runs, 1);  // the yardstick is not the work being timed
    const double read_s = BestSeconds([&] { sink = sink + k.sum_floats(big.data(), big.size()); }, reps, min_s, false);
    g_fixed_runs = fixed_runs;
    const double read_gbs = static_cast<double>(big.size()) * sizeof(float) / read_s / 1e9;
    std::printf("  memory-read pass                     %6.1f GB/s (256 MiB, %s); rule traffic = %.0f%% of it\n",
                read_gbs, engine::IsaName(engine::DefaultIsa()), 100.0 * traffic / rule_s / 1e9 / read_gbs);
  }
}

void Prefill(const Options& opt, const engine::kernels::GatedDeltaKernels& kernels) {
  const Layer layer;
  const Rows rows(opt.tokens);
  std::vector<float> conv(kShape.conv_state_floats()), heads(kShape.heads_state_floats());
  std::vector<float> out(static_cast<size_t>(opt.tokens) * kShape.value_dim());
  engine::GatedDeltaWorkspace workspace;
  std::printf("prefill, %d tokens (ns per token, all 16 heads):\n", opt.tokens);
  std::vector<DeltaRuleAlgorithm> algorithms = {DeltaRuleAlgorithm::kRecurrent, DeltaRuleAlgorithm::kChunked};
  if (opt.algorithm_given) algorithms = {opt.algorithm};
  for (int threads : {1, opt.threads}) {
    for (DeltaRuleAlgorithm algorithm : algorithms) {
      const double s = BestSeconds(
          [&] {
            std::fill(conv.begin(), conv.end(), 0.0f);
            std::fill(heads.begin(), heads.end(), 0.0f);
            engine::GatedDeltaSequence(kShape, layer.view(), kernels, algorithm, rows.view(0, rows.n),
                                       {conv.data(), heads.data()}, out.data(), kShape.value_dim(), threads,
                                       &workspace);
          },
          opt.quick ? 2 : 5, opt.quick ? 0.05 : 0.3, threads > 1);
      std::printf("  %-9s %d thread%s  %8.0f ns/token\n",
                  algorithm == DeltaRuleAlgorithm::kChunked ? "chunked" : "recurrent", threads,
                  threads == 1 ? " " : "s", s / opt.tokens * 1e9);
    }
    if (opt.threads == 1) break;
  }
}

bool ParseOptions(int argc, char** argv, Options& opt) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view flag) -> const char* {
      return arg.substr(0, flag.size()) == flag ? argv[i] + flag.size() : nullptr;
    };
    if (arg == "--quick") {
      opt.quick = true;
    } else if (const char* v = value("--only=")) {
      opt.only = v;
    } else if (const char* v = value("--algorithm=")) {
      opt.algorithm_given = true;
      if (std::string_view(v) == "chunked") {
        opt.algorithm = DeltaRuleAlgorithm::kChunked;
      } else if (std::string_view(v) != "recurrent") {
        std::fprintf(stderr, "--algorithm must be recurrent or chunked, not %s\n", v);
        return false;
      }
    } else if (const char* v = value("--threads=")) {
      opt.threads = std::max(1, std::atoi(v));
    } else if (const char* v = value("--tokens=")) {
      opt.tokens = std::max(1, std::atoi(v));
    } else if (const char* v = value("--runs=")) {
      opt.runs = std::max(1, std::atoi(v));
    } else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return false;
    }
  }
  if (!opt.only.empty() && opt.only != "decode" && opt.only != "dram" && opt.only != "prefill") {
    std::fprintf(stderr, "--only must be decode, dram or prefill\n");
    return false;
  }
  return true;
}

}  // namespace
}  // namespace doomscope

int main(int argc, char** argv) {
  doomscope::Options opt;
  if (!doomscope::ParseOptions(argc, argv, opt)) return 2;
  doomscope::g_fixed_runs = opt.runs;
  const doomscope::engine::Isa isa = doomscope::engine::DefaultIsa();
  const auto& kernels = doomscope::engine::kernels::GatedDeltaKernelsFor(isa);
  std::printf("gated_delta_bench: Qwen3.5-0.8B linear-attention layer (Hk 16, Hv 16, dk 128, dv 128, 4 taps), %s\n",
              doomscope::engine::IsaName(isa));
  if (opt.only.empty() || opt.only == "decode") doomscope::Decode(opt, kernels, false);
  if (opt.only.empty() || opt.only == "dram") doomscope::Decode(opt, kernels, true);
  if (opt.only.empty() || opt.only == "prefill") doomscope::Prefill(opt, kernels);
  return 0;
}
