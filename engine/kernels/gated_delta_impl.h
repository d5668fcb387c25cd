// The body of the Gated DeltaNet kernels (gated_delta.h), written once with
// GCC vector extensions and compiled by each ISA's translation unit with its
// own -m flags. Everything here has internal linkage (an anonymous namespace):
// the same inline functions built with different flags must never be merged
// by the linker.
//
// Before including, define DOOMSCOPE_GATED_DELTA_VECS: how many 16-float
// vectors one column block keeps in registers (the accumulators of a block
// must fit the ISA's register file: 4 for AVX-512, 2 for AVX2, 1 for SSE2).
// The block width changes speed only, never the bits: every value column j is
// computed by the same scalar sequence of operations in any block.
#ifndef DOOMSCOPE_GATED_DELTA_VECS
#error "define DOOMSCOPE_GATED_DELTA_VECS before including gated_delta_impl.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/kernels/gated_delta.h"

// Vec values are passed and returned only between functions with internal
// linkage that are inlined, so GCC's note that a 64-byte vector's calling
// convention differs without AVX-512 concerns no call this file makes. GCC
// reports it at the end of the translation unit, so the note stays off for the
// rest of the including file (which only adds its table).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace doomscope::engine::kernels {
namespace {

typedef float Vec __attribute__((vector_size(64)));
constexpr int kLanes = 16;
constexpr int kBlockVecs = DOOMSCOPE_GATED_DELTA_VECS;

// Loads and stores of `count` <= 16 floats; the lanes past `count` read as 0
// and are never written back.
[[gnu::always_inline]] inline Vec Load(const float* p, int count = kLanes) {
  Vec v = {};
  std::memcpy(&v, p, sizeof(float) * static_cast<size_t>(count));
  return v;
}
[[gnu::always_inline]] inline void Store(float* p, const Vec& v, int count = kLanes) {
  std::memcpy(p, &v, sizeof(float) * static_cast<size_t>(count));
}
// (Not Vec{} + x, which would turn -0.0 into +0.0.)
[[gnu::always_inline]] inline Vec Splat(float x) { return Vec{x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }

// Calls body.template operator()<V>(j, count) over the value columns [0, dv)
// in blocks of kBlockVecs vectors, then single vectors, then one partial
// vector of the last dv % 16 columns (count < 16 only there).
template <typename Body>
[[gnu::always_inline]] inline void ForColumnBlocks(int dv, Body&& body) {
  int j = 0;
  for (; j + kBlockVecs * kLanes <= dv; j += kBlockVecs * kLanes) body.template operator()<kBlockVecs>(j, kLanes);
  if constexpr (kBlockVecs > 1) {
    for (; j + kLanes <= dv; j += kLanes) body.template operator()<1>(j, kLanes);
  }
  if (j < dv) body.template operator()<1>(j, dv - j);
}

// The sum of the 16 lanes by one fixed tree.
inline float ReduceAdd(const Vec& v) {
  float a[kLanes];
  std::memcpy(a, &v, sizeof a);
  for (int w = kLanes / 2; w > 0; w /= 2) {
    for (int i = 0; i < w; ++i) a[i] += a[i + w];
  }
  return a[0];
}

// sum x[i] * y[i]: lane l takes i = l (mod 16) in increasing i, then ReduceAdd.
inline float Dot(const float* x, const float* y, int n) {
  Vec acc = {};
  for (int i = 0; i < n; i += kLanes) {
    const int count = std::min(kLanes, n - i);
    acc += Load(x + i, count) * Load(y + i, count);
  }
  return ReduceAdd(acc);
}

// A head's state block (DeltaRuleStateFloats): the matrix M, then the pending
// update of the last token, so that S = e * M + k delta^T.
struct HeadState {
  float* m;      // [dk][dv]
  float* delta;  // [dv]
  float* k;      // [dk]
  float* e;      // [1]
};
HeadState Parts(float* block, int dk, int dv) {
  float* pending = block + static_cast<size_t>(dk) * dv;
  return {block, pending, pending + dv, pending + dv + dk};
}

// One token's sweep over M: applies the pending update to each row, row[j] =
// row[j] * e + k[i] * delta[j], stores it, and accumulates read_k[j] = sum_i
// row[j] * key[i] and read_q[j] = sum_i row[j] * query[i] (sums in increasing i
// from 0): S^T k and S^T q of the state before the token.
void Sweep(const HeadState& st, int dk, int dv, const float* key, const float* query, float* read_k, float* read_q) {
  const Vec e = Splat(*st.e);
  ForColumnBlocks(dv, [&]<int V>(int j, int count) {
    Vec d[V], k_acc[V] = {}, q_acc[V] = {};
    for (int u = 0; u < V; ++u) d[u] = Load(st.delta + j + u * kLanes, count);
    for (int i = 0; i < dk; ++i) {
      float* row = st.m + static_cast<size_t>(i) * dv + j;
      const Vec ki = Splat(st.k[i]);
      const Vec key_i = Splat(key[i]);
      const Vec query_i = Splat(query[i]);
      for (int u = 0; u < V; ++u) {
        const Vec r = Load(row + u * kLanes, count) * e + ki * d[u];
        Store(row + u * kLanes, r, count);
        k_acc[u] += r * key_i;
        q_acc[u] += r * query_i;
      }
    }
    for (int u = 0; u < V; ++u) {
      Store(read_k + j + u * kLanes, k_acc[u], count);
      Store(read_q + j + u * kLanes, q_acc[u], count);
    }
  });
}

// Per token: one Sweep (the previous token's update applied, the reads of the
// state before this token), then
//   delta[j] = beta * (v[j] - e * read_k[j])
//   o[j]     = e * read_q[j] + (k.q) * delta[j]      (= S_t^T q)
// and (e, k, delta) become the pending update. A token therefore reads and
// writes the state once, in decode as in prefill.
void Recurrent(const DeltaRuleArgs& a) {
  const int dk = a.dk, dv = a.dv;
  const HeadState st = Parts(a.state, dk, dv);
  float* read_k = a.scratch;
  float* read_q = a.scratch + dv;
  for (int t = 0; t < a.n; ++t) {
    const float* k = a.k + static_cast<size_t>(t) * dk;
    const float* q = a.q + static_cast<size_t>(t) * dk;
    Sweep(st, dk, dv, k, q, read_k, read_q);
    const float e = std::exp(a.g[t]);
    const float b = a.beta[t];
    const float kq = Dot(k, q, dk);
    const float* v = a.v + t * a.ldv;
    float* o = a.out + t * a.ldo;
    for (int j = 0; j < dv; ++j) {
      const float d = b * (v[j] - e * read_k[j]);
      st.delta[j] = d;
      o[j] = e * read_q[j] + kq * d;
    }
    std::memcpy(st.k, k, sizeof(float) * static_cast<size_t>(dk));
    *st.e = e;
  }
}

// M = S (the pending update applied), pending = none (e = 1, k = delta = 0).
void Materialize(const HeadState& st, int dk, int dv) {
  const Vec e = Splat(*st.e);
  for (int i = 0; i < dk; ++i) {
    float* row = st.m + static_cast<size_t>(i) * dv;
    const Vec ki = Splat(st.k[i]);
    ForColumnBlocks(dv, [&]<int V>(int j, int count) {
      for (int u = 0; u < V; ++u) {
        const int at = j + u * kLanes;
        Store(row + at, Load(row + at, count) * e + ki * Load(st.delta + at, count), count);
      }
    });
  }
  std::fill(st.delta, st.delta + dv, 0.0f);
  std::fill(st.k, st.k + dk, 0.0f);
  *st.e = 1.0f;
}

// y[j] -= c * x[j] (or += with kAdd) for j in [0, n).
template <bool kAdd>
[[gnu::always_inline]] inline void Axpy(float c, const float* x, int n, float* y) {
  const Vec cv = Splat(c);
  ForColumnBlocks(n, [&]<int V>(int j, int count) {
    for (int u = 0; u < V; ++u) {
      const Vec p = cv * Load(x + j + u * kLanes, count);
      const Vec yv = Load(y + j + u * kLanes, count);
      Store(y + j + u * kLanes, kAdd ? yv + p : yv - p, count);
    }
  });
}

// The chunkwise form, per chunk of L <= kDeltaRuleChunk tokens starting from
// state S0 (docs/qwen35.md F24-F29). With F(t,s) = prod_{s<r<=t} e_r and
// G_t = prod_{r<=t} e_r (formed in float64 from e_r = exp(g_r), so a large
// decay only ever shrinks them, with no cancellation):
//   W_t = S0^T k_t,  Y_t = S0^T q_t                          (reads of S0)
//   u_t = beta_t (v_t - G_t W_t) - sum_{s<t} beta_t F(t,s) (k_t.k_s) u_s
//   o_t = G_t Y_t + sum_{s<=t} F(t,s) (q_t.k_s) u_s
//   S   = G_{L-1} S0 + sum_s F(L-1,s) k_s u_s^T
// The u_t are the delta rule's corrections with every earlier token of the
// chunk folded in (the UT transform, solved by forward substitution).
void Chunked(const DeltaRuleArgs& a) {
  constexpr int C = kDeltaRuleChunk;
  const int dk = a.dk, dv = a.dv;
  float* kt = a.scratch;                         // [dk][C] keys transposed, then times F(L-1, s)
  float* kk = kt + static_cast<size_t>(dk) * C;  // [C][C] beta_t F(t,s) k_t.k_s, s < t
  float* qk = kk + C * C;                        // [C][C] F(t,s) q_t.k_s, s <= t
  float* w = qk + C * C;                         // [C][dv] W_t
  float* u = w + static_cast<size_t>(C) * dv;    // [C][dv] u_t
  const HeadState st = Parts(a.state, dk, dv);
  Materialize(st, dk, dv);
  float* S = st.m;
  for (int t0 = 0; t0 < a.n; t0 += C) {
    const int L = std::min(C, a.n - t0);
    const float* k = a.k + static_cast<size_t>(t0) * dk;
    const float* q = a.q + static_cast<size_t>(t0) * dk;
    double e[C];
    for (int t = 0; t < L; ++t) e[t] = std::exp(static_cast<double>(a.g[t0 + t]));

    for (int i = 0; i < dk; ++i) {
      for (int s = 0; s < C; ++s) kt[i * C + s] = s < L ? k[static_cast<size_t>(s) * dk + i] : 0.0f;
    }
    // Gram rows: kk[t][s] = k_t.k_s, qk[t][s] = q_t.k_s, sums in increasing i.
    for (int t = 0; t < L; ++t) {
      Vec kk_acc[C / kLanes] = {}, qk_acc[C / kLanes] = {};
      for (int i = 0; i < dk; ++i) {
        const Vec ki = Splat(k[static_cast<size_t>(t) * dk + i]);
        const Vec qi = Splat(q[static_cast<size_t>(t) * dk + i]);
        for (int u4 = 0; u4 < C / kLanes; ++u4) {
          const Vec col = Load(kt + i * C + u4 * kLanes);
          kk_acc[u4] += col * ki;
          qk_acc[u4] += col * qi;
        }
      }
      for (int u4 = 0; u4 < C / kLanes; ++u4) {
        Store(kk + t * C + u4 * kLanes, kk_acc[u4]);
        Store(qk + t * C + u4 * kLanes, qk_acc[u4]);
      }
    }
    // Fold in the decays and beta; G_t for each token.
    double g_prod[C];
    double run = 1.0;
    for (int t = 0; t < L; ++t) {
      run *= e[t];
      g_prod[t] = run;
      const double b = a.beta[t0 + t];
      double f = 1.0;  // F(t, s), s from t down
      for (int s = t; s >= 0; --s) {
        qk[t * C + s] = static_cast<float>(qk[t * C + s] * f);
        if (s < t) kk[t * C + s] = static_cast<float>(b * kk[t * C + s] * f);
        f *= e[s];
      }
    }
    // Reads of S0: W_t into w, Y_t straight into the output rows.
    ForColumnBlocks(dv, [&]<int V>(int j, int count) {
      for (int t = 0; t < L; ++t) {
        Vec w_acc[V] = {}, y_acc[V] = {};
        const float* kr = k + static_cast<size_t>(t) * dk;
        const float* qr = q + static_cast<size_t>(t) * dk;
        for (int i = 0; i < dk; ++i) {
          const float* row = S + static_cast<size_t>(i) * dv + j;
          const Vec ki = Splat(kr[i]);
          const Vec qi = Splat(qr[i]);
          for (int uu = 0; uu < V; ++uu) {
            const Vec s = Load(row + uu * kLanes, count);
            w_acc[uu] += s * ki;
            y_acc[uu] += s * qi;
          }
        }
        for (int uu = 0; uu < V; ++uu) {
          Store(w + static_cast<size_t>(t) * dv + j + uu * kLanes, w_acc[uu], count);
          Store(a.out + (t0 + t) * a.ldo + j + uu * kLanes, y_acc[uu], count);
        }
      }
    });
    // Forward substitution for the corrections u_t, then the outputs.
    for (int t = 0; t < L; ++t) {
      float* ut = u + static_cast<size_t>(t) * dv;
      const float* v = a.v + (t0 + t) * a.ldv;
      const float* wt = w + static_cast<size_t>(t) * dv;
      const float b = a.beta[t0 + t];
      const float gt = static_cast<float>(g_prod[t]);
      for (int j = 0; j < dv; ++j) ut[j] = b * (v[j] - gt * wt[j]);
      for (int s = 0; s < t; ++s) Axpy<false>(kk[t * C + s], u + static_cast<size_t>(s) * dv, dv, ut);
      float* o = a.out + (t0 + t) * a.ldo;
      for (int j = 0; j < dv; ++j) o[j] *= gt;
      for (int s = 0; s <= t; ++s) Axpy<true>(qk[t * C + s], u + static_cast<size_t>(s) * dv, dv, o);
    }
    // The state after the chunk.
    double f = 1.0;  // F(L-1, s), s from L-1 down
    for (int s = L - 1; s >= 0; --s) {
      for (int i = 0; i < dk; ++i) kt[i * C + s] = static_cast<float>(kt[i * C + s] * f);
      f *= e[s];
    }
    // S[i][j] = S0[i][j] * G_{L-1} + sum_s (F(L-1,s) k_s[i]) u_s[j], in increasing s.
    const Vec g_last = Splat(static_cast<float>(g_prod[L - 1]));
    for (int i = 0; i < dk; ++i) {
      float* row = S + static_cast<size_t>(i) * dv;
      ForColumnBlocks(dv, [&]<int V>(int j, int count) {
        Vec acc[V];
        for (int uu = 0; uu < V; ++uu) acc[uu] = Load(row + j + uu * kLanes, count) * g_last;
        for (int s = 0; s < L; ++s) {
          const Vec c = Splat(kt[i * C + s]);
          const float* us = u + static_cast<size_t>(s) * dv + j;
          for (int uu = 0; uu < V; ++uu) acc[uu] += c * Load(us + uu * kLanes, count);
        }
        for (int uu = 0; uu < V; ++uu) Store(row + j + uu * kLanes, acc[uu], count);
      });
    }
  }
}

// ---- Element-wise kernels ----

typedef int VecI __attribute__((vector_size(64)));

// exp(x) within about 1 ulp on [-87.3, 88.7]: x = n ln2 + r with |r| <=
// ln2/2 (ln2 split in two so n ln2 is exact), exp(r) by Cephes' expf
// polynomial, 2^n from the exponent bits. Below the range it gives exp(-87.3)
// ~ 1.2e-38 instead of a denormal or 0; above it +inf (n = 128 makes the
// exponent bits all ones), so that SiLU and the sigmoid, which only ever
// divide by 1 + exp(-x), come out as 0 for very negative x.
[[gnu::always_inline]] inline Vec Exp(const Vec& input) {
  Vec x = input;
  const Vec lo = Splat(-87.3f), hi = Splat(89.0f);
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  const Vec magic = Splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const Vec n = (x * Splat(1.44269504088896341f) + magic) - magic;
  const Vec r = (x - n * Splat(0.693359375f)) - n * Splat(-2.12194440e-4f);
  Vec p = Splat(1.9875691500e-4f);
  p = p * r + Splat(1.3981999507e-3f);
  p = p * r + Splat(8.3334519073e-3f);
  p = p * r + Splat(4.1665795894e-2f);
  p = p * r + Splat(1.6666665459e-1f);
  p = p * r + Splat(5.0000001201e-1f);
  p = p * (r * r) + r + Splat(1.0f);
  const VecI bits = (__builtin_convertvector(n, VecI) + 127) << 23;
  Vec two_n;
  std::memcpy(&two_n, &bits, sizeof two_n);
  return p * two_n;
}

[[gnu::always_inline]] inline Vec Silu(const Vec& x) { return x * (Splat(1.0f) / (Splat(1.0f) + Exp(-x))); }

// sum x[i]^2, as Dot(x, x, n).
inline float SumOfSquares(const float* x, int n) { return Dot(x, x, n); }

// One block of V vectors of channels starting at c for n tokens; kTaps 0:
// `taps` known only at run time. The weights and the last taps inputs stay in
// registers while the block walks down the tokens.
template <int kTaps, int V>
[[gnu::always_inline]] inline void ConvBlock(const float* const* before, const float* qkv, int64_t ld_qkv, int n,
                                             int runtime_taps, const float* weight, int64_t channels, int64_t c,
                                             int count, float* out, int64_t ld_out) {
  constexpr int kSlots = kTaps > 0 ? kTaps : kMaxConvTaps;
  const int taps = kTaps > 0 ? kTaps : runtime_taps;
  Vec w[kSlots][V], x[kSlots][V];
  for (int j = 0; j < taps; ++j) {
    for (int u = 0; u < V; ++u) w[j][u] = Load(weight + j * channels + c + u * kLanes, count);
  }
  for (int j = 0; j + 1 < taps; ++j) {
    for (int u = 0; u < V; ++u) x[j][u] = Load(before[j] + c + u * kLanes, count);
  }
  for (int t = 0; t < n; ++t) {
    for (int u = 0; u < V; ++u) x[taps - 1][u] = Load(qkv + t * ld_qkv + c + u * kLanes, count);
    Vec acc[V] = {};
    for (int j = 0; j < taps; ++j) {
      for (int u = 0; u < V; ++u) acc[u] += w[j][u] * x[j][u];
    }
    for (int u = 0; u < V; ++u) Store(out + t * ld_out + u * kLanes, Silu(acc[u]), count);
    for (int j = 0; j + 1 < taps; ++j) {
      for (int u = 0; u < V; ++u) x[j][u] = x[j + 1][u];
    }
  }
}

void ConvSilu(const float* const* before, const float* qkv, int64_t ld_qkv, int n, int taps, const float* weight,
              int64_t channels, int c_begin, int c_end, float* out, int64_t ld_out) {
  ForColumnBlocks(c_end - c_begin, [&]<int V>(int j, int count) {
    if (taps == 4) {  // Qwen3.5's
      ConvBlock<4, V>(before, qkv, ld_qkv, n, taps, weight, channels, c_begin + j, count, out + j, ld_out);
    } else {
      ConvBlock<0, V>(before, qkv, ld_qkv, n, taps, weight, channels, c_begin + j, count, out + j, ld_out);
    }
  });
}

void L2Normalize(const float* x, int n, float eps, bool clamp_norm, float scale, float* out) {
  const float ss = SumOfSquares(x, n);
  const float norm = clamp_norm ? std::max(std::sqrt(ss), eps) : std::sqrt(ss + eps);
  const Vec inv = Splat(1.0f / norm), sv = Splat(scale);
  ForColumnBlocks(n, [&]<int V>(int j, int count) {
    for (int u = 0; u < V; ++u) Store(out + j + u * kLanes, (Load(x + j + u * kLanes, count) * inv) * sv, count);
  });
}

void GatedRmsNorm(float* o, const float* z, const float* w, int n, float eps) {
  float ss = SumOfSquares(o, n);
  ss /= static_cast<float>(n);
  ss += eps;
  const Vec r = Splat(1.0f / std::sqrt(ss));
  ForColumnBlocks(n, [&]<int V>(int j, int count) {
    for (int u = 0; u < V; ++u) {
      const int at = j + u * kLanes;
      Store(o + at, (Load(w + at, count) * (Load(o + at, count) * r)) * Silu(Load(z + at, count)), count);
    }
  });
}

// The table of this translation unit's ISA.
GatedDeltaKernels TableOf(Isa isa) {
  return {.isa = isa,
          .recurrent = Recurrent,
          .chunked = Chunked,
          .conv_silu = ConvSilu,
          .l2_normalize = L2Normalize,
          .gated_rms_norm = GatedRmsNorm};
}

}  // namespace
}  // namespace doomscope::engine::kernels
