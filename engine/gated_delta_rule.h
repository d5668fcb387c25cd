// The Gated DeltaNet mixer of Qwen3.5's linear-attention layers, between the
// layer's input projections and its output projection (docs/qwen35.md, F4-F14):
//
//   qkv, z, a, b rows of one sequence  ->  y rows, y = RMSNorm(o) * w * silu(z)
//
// where qkv = in_proj_qkv (GGUF attn_qkv), z = in_proj_z (attn_gate),
// a = in_proj_a (ssm_alpha) and b = in_proj_b (ssm_beta) of the normalized
// hidden rows, and y is what out_proj (ssm_out) multiplies. Those products are
// ordinary matmuls that the forward pass does for all rows of a step; this
// file is the per-sequence part: the causal conv1d over the q|k|v channels with
// the sequence's window, SiLU, L2-normalized q and k, the per-head decay and
// write strength, the gated delta rule on the per-head state and the gated
// RMSNorm (their kernels: engine/kernels/gated_delta.h).
//
// State: per sequence and linear layer, a GatedDeltaState (the conv window and
// one state block per value head), zeros for a new sequence. It is plain
// floats: forking a sequence is a copy (CopyGatedDeltaState), and the result
// of a step depends only on the sequence's own state and rows.
//
// Work split, for a forward pass that runs a step on several threads
// (engine/forward.h), per linear layer and sequence:
//   1. GatedDeltaConv over any split of the channels [0, conv_channels): a
//      channel's window is read and advanced only by the call that owns it;
//   2. a barrier (step 3 reads every channel of step 1);
//   3. GatedDeltaHead for each value head, on any thread: a head touches only
//      its own state block and its own columns of the output rows.
// Every output is the same bits whichever thread computed it, whatever else
// the step holds, and (kRecurrent) whether the tokens came in one call
// (prefill) or one per call (decode): see engine/kernels/gated_delta.h.
#ifndef DOOMSCOPE_ENGINE_GATED_DELTA_RULE_H_
#define DOOMSCOPE_ENGINE_GATED_DELTA_RULE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "engine/kernels/gated_delta.h"

namespace doomscope::engine {

using kernels::DeltaRuleAlgorithm;
using kernels::GatedDeltaKernels;

// Which key head a value head reads when there are fewer key heads than value
// heads (docs/qwen35.md F9).
enum class KeyHeadOrder {
  // Value head h reads key head h / (Hv / Hk): transformers' repeat_interleave,
  // the order of HF checkpoints.
  kGrouped,
  // Value head h reads key head h % Hk: llama.cpp's broadcast. GGUF files are
  // in this order because the converter permutes the value heads (and z, a, b,
  // A_log, dt_bias, the conv's v channels and out_proj's columns) to it.
  kTiled,
};

// How q and k are L2-normalized (docs/qwen35.md F7). The two differ
// relatively by about eps / (2 |x|^2): a few float ulps at |x| ~ 1, more for
// short vectors.
enum class L2NormStyle {
  kRsqrtOfSumPlusEps,  // x / sqrt(sum x^2 + eps): transformers' l2norm, fla (eps 1e-6)
  kMaxOfNormAndEps,    // x / max(sqrt(sum x^2), eps): ggml_l2_norm in llama.cpp (eps = rms_norm_eps)
};

struct GatedDeltaShape {
  int num_k_heads = 0;  // Hk: GGUF ssm.group_count, HF linear_num_key_heads
  int num_v_heads = 0;  // Hv: GGUF ssm.time_step_rank, HF linear_num_value_heads
  int head_k_dim = 0;   // dk: GGUF ssm.state_size, HF linear_key_head_dim
  int head_v_dim = 0;   // dv: GGUF ssm.inner_size / Hv, HF linear_value_head_dim
  int conv_kernel = 0;  // taps: GGUF ssm.conv_kernel, HF linear_conv_kernel_dim
  KeyHeadOrder key_head_order = KeyHeadOrder::kGrouped;

  int key_dim() const { return num_k_heads * head_k_dim; }
  int value_dim() const { return num_v_heads * head_v_dim; }
  // The conv's channels: q (key_dim) | k (key_dim) | v (value_dim).
  int conv_channels() const { return 2 * key_dim() + value_dim(); }
  int KeyHeadOf(int v_head) const {
    return key_head_order == KeyHeadOrder::kGrouped ? v_head / (num_v_heads / num_k_heads) : v_head % num_k_heads;
  }
  // Floats of one sequence's state for one layer.
  size_t conv_state_floats() const {
    return static_cast<size_t>(conv_kernel - 1) * static_cast<size_t>(conv_channels());
  }
  size_t head_state_floats() const { return kernels::DeltaRuleStateFloats(head_k_dim, head_v_dim); }
  size_t heads_state_floats() const { return static_cast<size_t>(num_v_heads) * head_state_floats(); }
};

// The largest conv_kernel supported (Qwen3.5 uses 4).
inline constexpr int kMaxGatedDeltaConvKernel = kernels::kMaxConvTaps;

// OK when every size is positive, Hv is a multiple of Hk and 1 <= conv_kernel
// <= kMaxGatedDeltaConvKernel; otherwise names the field.
absl::Status ValidateGatedDeltaShape(const GatedDeltaShape& shape);

// One layer's parameters in float32 (converted once when the model loads).
struct GatedDeltaLayer {
  // [conv_kernel][conv_channels], tap-major: tap conv_kernel - 1 weighs the
  // newest input. The files store it channel-major ([conv_channels][taps]:
  // GGUF ssm_conv1d, HF conv1d.weight without its middle axis): see
  // TapMajorConvWeight.
  const float* conv_weight = nullptr;
  // [Hv] -exp(A_log): GGUF ssm_a as stored; from an HF checkpoint, -exp(A_log).
  const float* decay_scale = nullptr;
  const float* dt_bias = nullptr;      // [Hv] GGUF ssm_dt.bias, HF dt_bias
  const float* norm_weight = nullptr;  // [dv] gated RMSNorm gain as stored (never 1 + w)
  float norm_eps = 1e-6f;              // rms_norm_eps
  L2NormStyle l2_style = L2NormStyle::kRsqrtOfSumPlusEps;
  float l2_eps = 1e-6f;
};

// One sequence's state for one layer (both zeros for a new sequence).
struct GatedDeltaState {
  float* conv = nullptr;  // [conv_kernel - 1][conv_channels], the last inputs, oldest first
  // [Hv] blocks of head_state_floats(): head h's state matrix and its
  // pending update (engine/kernels/gated_delta.h; GatedDeltaStateMatrix
  // reads S_h out of it).
  float* heads = nullptr;
};

// The conv weight as GatedDeltaLayer wants it, from the files' channel-major
// [channels][taps] (so one token's conv reads each tap's weights contiguously).
std::vector<float> TapMajorConvWeight(std::span<const float> channel_major, int channels, int taps);

void CopyGatedDeltaState(const GatedDeltaShape& shape, const GatedDeltaState& from, const GatedDeltaState& to);

// S_h [dk][dv] (S_h[i][j] at i * dv + j) of a state's heads block, the
// pending update applied (the state is not changed).
std::vector<float> GatedDeltaStateMatrix(const GatedDeltaShape& shape, const float* heads, int head);

// The projections of one sequence's n tokens, in position order: row t of
// each at pointer + t * ld.
struct GatedDeltaRows {
  int n = 0;
  const float* qkv = nullptr;  // conv_channels floats
  int64_t ld_qkv = 0;
  const float* z = nullptr;  // value_dim floats
  int64_t ld_z = 0;
  const float* a = nullptr;  // Hv floats (before dt_bias)
  int64_t ld_a = 0;
  const float* b = nullptr;  // Hv floats (before the sigmoid)
  int64_t ld_b = 0;
};

// The rows [first, first + n) of projections stored one row after another
// (each ld = its width).
GatedDeltaRows PackedGatedDeltaRows(const GatedDeltaShape& shape, const float* qkv, const float* z, const float* a,
                                    const float* b, int first, int n);

// Step 1 for channels [c_begin, c_end): silu(sum_j w[j][c] * x_{t - taps + 1
// + j}[c]), the sum in increasing j, with the inputs before the first row
// taken from the window, which then holds the last taps - 1 inputs of those
// channels. The results go to conv_out (n * conv_channels floats) in planes,
// one per head of q, of k and of v, each [n][head dim] (GatedDeltaPlane), so
// that step 3 reads each head's rows contiguously.
void GatedDeltaConv(const GatedDeltaShape& shape, const GatedDeltaLayer& layer, const GatedDeltaKernels& kernels,
                    const float* qkv, int64_t ld_qkv, int n, float* conv_window, int c_begin, int c_end,
                    float* conv_out);

// Where plane p of an n-token conv_out starts, and its width: planes [0, Hk)
// are q's heads, [Hk, 2 Hk) k's, [2 Hk, 2 Hk + Hv) v's.
struct GatedDeltaPlane {
  int64_t offset = 0;
  int width = 0;
};
GatedDeltaPlane GatedDeltaPlaneOf(const GatedDeltaShape& shape, int plane, int n);

// Scratch floats one GatedDeltaHead call needs.
size_t GatedDeltaHeadScratchFloats(const GatedDeltaShape& shape, DeltaRuleAlgorithm algorithm);

// Step 3 for value head `head`: its decay and write strength per token, the
// L2-normalized q and k of its key head from conv_out (step 1's planes), the
// delta rule on block `head` of `heads_state`, and the gated RMSNorm
// with z; writes columns [head * dv, (head + 1) * dv) of out rows t (at out +
// t * ld_out), t in [0, rows.n). rows.qkv is not read.
void GatedDeltaHead(const GatedDeltaShape& shape, const GatedDeltaLayer& layer, const GatedDeltaKernels& kernels,
                    DeltaRuleAlgorithm algorithm, const float* conv_out, const GatedDeltaRows& rows, int head,
                    float* heads_state, float* out, int64_t ld_out, std::span<float> scratch);

// Buffers GatedDeltaSequence can reuse from call to call.
struct GatedDeltaWorkspace {
  std::vector<float> conv_out;
  std::vector<std::vector<float>> head_scratch;  // one per thread
};

// Both steps for one sequence, with the heads spread over `threads` OpenMP
// threads: the one-call form for tests, benchmarks and single-sequence
// callers. Without a workspace it allocates its buffers.
void GatedDeltaSequence(const GatedDeltaShape& shape, const GatedDeltaLayer& layer, const GatedDeltaKernels& kernels,
                        DeltaRuleAlgorithm algorithm, const GatedDeltaRows& rows, const GatedDeltaState& state,
                        float* out, int64_t ld_out, int threads, GatedDeltaWorkspace* workspace = nullptr);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_GATED_DELTA_RULE_H_
