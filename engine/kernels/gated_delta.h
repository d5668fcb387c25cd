// The numeric kernels of a Gated DeltaNet layer (Qwen3.5's linear attention;
// docs/qwen35.md): the gated delta rule for one value head over a run of
// tokens, and the element-wise work around it (the conv with its SiLU, the L2
// norms of q and k, the gated RMSNorm).
//
// The rule, per value head and token t, with e_t = exp(g_t) (docs/qwen35.md
// F12-F13) and S (dk x dv; i: key index, j: value index):
//   delta_t = beta_t * (v_t - e_t * S_{t-1}^T k_t)
//   S_t     = e_t * S_{t-1} + k_t delta_t^T
//   o_t     = S_t^T q_t = e_t * S_{t-1}^T q_t + (k_t . q_t) delta_t
// A head's state is a block of DeltaRuleStateFloats(dk, dv) floats: a matrix
// M [dk][dv] row-major, then the pending update of the last token, delta
// [dv], k [dk], e [1], so that S = e * M + k delta^T; zeros for a new
// sequence. Applying the pending update is left to the next token's sweep,
// which also reads S^T k_t and S^T q_t: each token reads and writes the state
// once, in decode as in prefill.
//
// Every sum the rule needs runs over the key index i of M's rows, so the
// loops go down the rows with the value index j in the vector lanes and never
// reduce across lanes (only k . q does, by the fixed tree below). Each element
// is then the same scalar sequence of operations whatever the vector width
// (sums in increasing i from 0, multiplies and adds never fused: these files
// are compiled with -ffp-contract=off):
//   row[j] = M[i][j] * e_prev + k_prev[i] * delta_prev[j]   (stored back)
//   read_k[j] = sum_i row[j] * k_t[i],  read_q[j] = sum_i row[j] * q_t[i]
//   delta_t[j] = beta_t * (v_t[j] - e_t * read_k[j])
//   o_t[j] = e_t * read_q[j] + (k_t . q_t) * delta_t[j]
// Two algorithms, same contract:
//   recurrent: token by token, as above. n calls of one token give exactly
//     the bits of one call of n tokens (decode = prefill).
//   chunked: the chunkwise (WY / UT-transform) form of fla's and transformers'
//     chunk_gated_delta_rule, chunks of kDeltaRuleChunk tokens (docs/qwen35.md
//     F24-F29), after applying the pending update; it leaves none. Equal to
//     recurrent up to rounding, not to the bit.
//
// The element-wise kernels use one exp of their own (range reduction and a
// polynomial, about 1 ulp) instead of libm's scalar one. Sums across a vector
// (the norms' sums of squares) add 16 lanes, then the lanes by one fixed tree.
//
// All of it is one source (gated_delta_impl.h) written with GCC vector
// extensions and compiled per ISA, so the scalar (SSE2), AVX2 and AVX-512
// tables give the same bits; the wider ones are faster.
#ifndef DOOMSCOPE_ENGINE_KERNELS_GATED_DELTA_H_
#define DOOMSCOPE_ENGINE_KERNELS_GATED_DELTA_H_

#include <cstddef>
#include <cstdint>

#include "engine/cpu_features.h"

namespace doomscope::engine::kernels {

enum class DeltaRuleAlgorithm { kRecurrent, kChunked };

// The most conv taps conv_silu takes (Qwen3.5 uses 4).
inline constexpr int kMaxConvTaps = 16;

// Tokens per chunk of kChunked (fla's and transformers' choice).
inline constexpr int kDeltaRuleChunk = 64;

struct DeltaRuleArgs {
  float* state = nullptr;  // the head's block (above), updated in place
  int dk = 0;
  int dv = 0;
  int n = 0;                 // tokens, >= 1
  const float* k = nullptr;  // [n][dk] L2-normalized keys
  const float* q = nullptr;  // [n][dk] L2-normalized queries, times 1/sqrt(dk)
  const float* v = nullptr;  // row t at v + t * ldv, dv floats
  int64_t ldv = 0;
  const float* g = nullptr;     // [n] log of the decay (finite; <= 0 in a trained model)
  const float* beta = nullptr;  // [n] write strength, sigmoid of the projection
  float* out = nullptr;         // row t (o_t, dv floats) at out + t * ldo
  int64_t ldo = 0;
  float* scratch = nullptr;  // DeltaRuleScratchFloats(dk, dv, algorithm) floats, any alignment
};

// Floats of one head's state block: dk * dv, then dv + dk + 1 rounded up to a
// multiple of 16 (so the next head's matrix starts 64-byte aligned when this
// one does).
size_t DeltaRuleStateFloats(int dk, int dv);

// Scratch one call of `algorithm` needs.
size_t DeltaRuleScratchFloats(int dk, int dv, DeltaRuleAlgorithm algorithm);

struct GatedDeltaKernels {
  Isa isa = Isa::kScalar;
  // The rule (above).
  void (*recurrent)(const DeltaRuleArgs& args);
  void (*chunked)(const DeltaRuleArgs& args);
  // The causal conv and its SiLU (F4-F5) over n tokens for channels
  // [c_begin, c_end): out[t * ld_out + c - c_begin] = silu(sum_j weight[j *
  // channels + c] * x_{t - taps + 1 + j}[c]), j from 0 (the oldest input) to
  // taps - 1 (token t's own), where x_r = qkv + r * ld_qkv for r >= 0 and
  // before[r + taps - 1] for r < 0 (the taps - 1 inputs before the first
  // token, oldest first).
  void (*conv_silu)(const float* const* before, const float* qkv, int64_t ld_qkv, int n, int taps, const float* weight,
                    int64_t channels, int c_begin, int c_end, float* out, int64_t ld_out);
  // out = x * scale / |x| (F7-F8): |x| = sqrt(sum x^2 + eps), or with
  // `clamp_norm` max(sqrt(sum x^2), eps) (llama.cpp's ggml_l2_norm).
  void (*l2_normalize)(const float* x, int n, float eps, bool clamp_norm, float scale, float* out);
  // In place (F14): o = (w * (o / sqrt(mean(o^2) + eps))) * silu(z).
  void (*gated_rms_norm)(float* o, const float* z, const float* w, int n, float eps);
};

// The table for `isa` (which must be supported: IsaSupported(isa)).
const GatedDeltaKernels& GatedDeltaKernelsFor(Isa isa);

// The per-ISA tables (gated_delta_scalar.cc, gated_delta_avx2.cc, gated_delta_avx512.cc).
const GatedDeltaKernels& GatedDeltaKernelsScalar();
const GatedDeltaKernels& GatedDeltaKernelsAvx2();
const GatedDeltaKernels& GatedDeltaKernelsAvx512();

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_GATED_DELTA_H_
