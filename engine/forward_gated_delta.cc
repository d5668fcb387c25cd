#include "engine/forward_gated_delta.h"

#include <algorithm>

namespace doomscope::engine {
namespace {

// Rows [first, first + n) of a step: consecutive positions of one slot.
struct SequenceRun {
  int first = 0;
  int n = 0;
  bool fresh = false;  // starts at position 0: from a zero state
};

// The step's runs (in row order), and whether some slot has more than one
// (its runs must then be taken in order by one thread per head).
bool SplitRuns(const StepContext& s, std::vector<SequenceRun>& runs) {
  runs.clear();
  bool repeated = false;
  for (int i = 0; i < s.n(); ++i) {
    const StepRow& row = s.rows[i];
    if (!runs.empty()) {
      const StepRow& prev = s.rows[i - 1];
      if (prev.slot == row.slot && prev.pos + 1 == row.pos) {
        ++runs.back().n;
        continue;
      }
      for (const SequenceRun& r : runs) repeated |= s.rows[r.first].slot == row.slot;
    }
    runs.push_back(SequenceRun{i, 1, row.pos == 0});
  }
  return repeated;
}

}  // namespace

size_t GatedDeltaMixer::ScratchFloats(const ModelConfig& config) {
  return GatedDeltaHeadScratchFloats(GatedDeltaShapeOf(config), DeltaRuleAlgorithm::kRecurrent);
}

GatedDeltaMixer::GatedDeltaMixer(const ModelConfig& config, const kernels::KernelTable& k, int layer,
                                 const LayerWeights& weights)
    : dim_(config.dim),
      layer_(layer),
      shape_(GatedDeltaShapeOf(config)),
      w_(weights),
      dk_(kernels::GatedDeltaKernelsFor(k.isa)),
      qkv_(k.pack(weights.ssm_qkv)),
      z_(k.pack(weights.ssm_gate)),
      a_(k.pack(weights.ssm_alpha)),
      b_(k.pack(weights.ssm_beta)),
      out_(k.pack(weights.ssm_out)),
      conv_weight_(TapMajorConvWeight(TensorToFloats(weights.ssm_conv), shape_.conv_channels(), shape_.conv_kernel)),
      decay_scale_(TensorToFloats(weights.ssm_a)),
      dt_bias_(TensorToFloats(weights.ssm_dt_bias)),
      norm_weight_(TensorToFloats(weights.ssm_norm)) {
  params_.conv_weight = conv_weight_.data();
  params_.decay_scale = decay_scale_.data();
  params_.dt_bias = dt_bias_.data();
  params_.norm_weight = norm_weight_.data();
  params_.norm_eps = config.norm_eps;
  if (config.delta_net.l2_norm_clamped) {
    params_.l2_style = L2NormStyle::kMaxOfNormAndEps;
    params_.l2_eps = config.norm_eps;
  }
}

void GatedDeltaMixer::Run(const StepContext& s, const float* xb, int tid, int nthreads) const {
  StepBuffers& b = *s.buffers;
  const int n = s.n();
  // The four products write disjoint buffers: no barrier between them.
  s.Matmul(w_.ssm_qkv, qkv_, xb, n, b.dn_qkv.data(), tid, nthreads);
  s.Matmul(w_.ssm_gate, z_, xb, n, b.dn_z.data(), tid, nthreads);
  s.Matmul(w_.ssm_alpha, a_, xb, n, b.dn_a.data(), tid, nthreads);
  s.Matmul(w_.ssm_beta, b_, xb, n, b.dn_b.data(), tid, nthreads);
  // Every thread finds the same runs (a few comparisons per row; no barrier).
  thread_local std::vector<SequenceRun> runs;
  const bool repeated = SplitRuns(s, runs);
  const int channels = shape_.conv_channels();
  const int window_floats = static_cast<int>(shape_.conv_state_floats());
  s.Barrier();
  // Step 1: this thread's channels of every run, runs in row order (a slot's
  // window advances run after run).
  int64_t c0, c1;
  FeatureShare(channels, tid, nthreads, &c0, &c1);
  if (c0 < c1) {
    for (const SequenceRun& r : runs) {
      float* window = s.cache->ConvState(s.rows[r.first].slot, layer_);
      if (r.fresh) {
        for (int t = 0; t + 1 < shape_.conv_kernel; ++t) {
          std::fill(window + static_cast<int64_t>(t) * channels + c0, window + static_cast<int64_t>(t) * channels + c1,
                    0.0f);
        }
      }
      GatedDeltaConv(shape_, params_, dk_, b.dn_qkv.data() + static_cast<int64_t>(r.first) * channels, channels, r.n,
                     window, static_cast<int>(c0), static_cast<int>(c1),
                     b.dn_conv.data() + static_cast<int64_t>(r.first) * channels);
    }
  }
  s.Barrier();
  // Step 3: (run, value head) tasks dealt round-robin; with a slot in two
  // runs, one task per head walks all runs in order.
  const int heads = shape_.num_v_heads;
  const int run_groups = repeated ? 1 : static_cast<int>(runs.size());
  const int64_t tasks = static_cast<int64_t>(run_groups) * heads;
  std::span<float> scratch(b.dn_scratch[tid]);
  for (int64_t task = tid; task < tasks; task += nthreads) {
    const int head = static_cast<int>(task % heads);
    const size_t begin = repeated ? 0 : static_cast<size_t>(task / heads);
    const size_t end = repeated ? runs.size() : begin + 1;
    for (size_t ri = begin; ri < end; ++ri) {
      const SequenceRun& r = runs[ri];
      float* heads_state = s.cache->ConvState(s.rows[r.first].slot, layer_) + window_floats;
      if (r.fresh) {
        float* block = heads_state + static_cast<size_t>(head) * shape_.head_state_floats();
        std::fill(block, block + shape_.head_state_floats(), 0.0f);
      }
      const GatedDeltaRows rows =
          PackedGatedDeltaRows(shape_, b.dn_qkv.data(), b.dn_z.data(), b.dn_a.data(), b.dn_b.data(), r.first, r.n);
      GatedDeltaHead(shape_, params_, dk_, DeltaRuleAlgorithm::kRecurrent,
                     b.dn_conv.data() + static_cast<int64_t>(r.first) * channels, rows, head, heads_state,
                     b.dn_y.data() + static_cast<int64_t>(r.first) * shape_.value_dim(), shape_.value_dim(), scratch);
    }
  }
  s.Barrier();
  s.Matmul(w_.ssm_out, out_, b.dn_y.data(), n, b.x.data(), tid, nthreads, /*accumulate=*/true);
  s.Barrier();
}

size_t GatedDeltaMixer::MatrixBytes() const {
  return w_.ssm_qkv.bytes() + w_.ssm_gate.bytes() + w_.ssm_alpha.bytes() + w_.ssm_beta.bytes() + w_.ssm_out.bytes();
}

int64_t GatedDeltaMixer::MatrixMacsPerToken() const {
  return static_cast<int64_t>(dim_) *
         (shape_.conv_channels() + 2 * static_cast<int64_t>(shape_.value_dim()) + 2 * shape_.num_v_heads);
}

}  // namespace doomscope::engine
