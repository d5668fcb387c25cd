// The gated delta rule's inner loops: one value head of a Gated DeltaNet layer
// (Qwen3.5's linear attention) over a run of tokens of one sequence.
//
// The head's state is the matrix S (dk x dv) stored row-major, state[i * dv + j]
// = S[i][j] (i: key index, j: value index; transformers' layout). Per token t,
// with e_t = exp(g_t) (docs/qwen35.md, F12-F13):
//   delta_t = beta_t * (v_t - e_t * S_{t-1}^T k_t)
//   S_t     = e_t * S_{t-1} + k_t delta_t^T
//   o_t     = S_t^T q_t
//
// Why this layout: every product the rule needs is a sum over the key index i
// of S's rows times a scalar, so the loops run down the rows with the value
// index j in the vector lanes and never reduce across lanes. Each output
// element j is then a fixed sequence of scalar operations (sums in increasing
// i, a separate multiply and add, never fused: these files are compiled with
// -ffp-contract=off), whatever the vector width, so the scalar, AVX2 and
// AVX-512 tables give the same bits, and a token gives the same bits whether
// it is run alone (decode) or inside a prompt (prefill).
//
// Two algorithms, same contract:
//   kRecurrent: token by token. One sweep over S per token: row i is decayed,
//     updated, and accumulated into o_t and into S_t^T k_{t+1} (the next
//     token's read) while it is in registers; the first token of a call reads
//     S_{t-1}^T k_t in one extra sweep. n calls of one token give exactly the
//     bits of one call of n tokens.
//   kChunked: the chunkwise (WY / UT-transform) form of fla's and
//     transformers' chunk_gated_delta_rule, in chunks of kDeltaRuleChunk
//     tokens: per chunk the state is read twice and written once, the tokens'
//     interactions are small dense products, and the cumulative decays are
//     formed in float64 (docs/qwen35.md, F24-F29). Equal to kRecurrent up to
//     rounding, not to the bit.
#ifndef DOOMSCOPE_ENGINE_KERNELS_DELTA_RULE_H_
#define DOOMSCOPE_ENGINE_KERNELS_DELTA_RULE_H_

#include <cstddef>
#include <cstdint>

#include "engine/cpu_features.h"

namespace doomscope::engine::kernels {

enum class DeltaRuleAlgorithm { kRecurrent, kChunked };

// Tokens per chunk of kChunked (fla's and transformers' choice).
inline constexpr int kDeltaRuleChunk = 64;

struct DeltaRuleArgs {
  float* state = nullptr;  // [dk][dv], S_{t0-1} on entry, S of the last token on return
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

// Scratch one call of `algorithm` needs.
size_t DeltaRuleScratchFloats(int dk, int dv, DeltaRuleAlgorithm algorithm);

struct DeltaRuleKernels {
  Isa isa = Isa::kScalar;
  void (*recurrent)(const DeltaRuleArgs& args);
  void (*chunked)(const DeltaRuleArgs& args);
};

// The table for `isa` (which must be supported: IsaSupported(isa)). All tables
// give the same bits (see above); the wider ones are faster.
const DeltaRuleKernels& DeltaRuleKernelsFor(Isa isa);

// The per-ISA tables (delta_rule_scalar.cc, delta_rule_avx2.cc, delta_rule_avx512.cc).
const DeltaRuleKernels& DeltaRuleKernelsScalar();
const DeltaRuleKernels& DeltaRuleKernelsAvx2();
const DeltaRuleKernels& DeltaRuleKernelsAvx512();

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_DELTA_RULE_H_
