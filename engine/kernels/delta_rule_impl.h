// The body of the gated delta rule kernels (delta_rule.h), written once with
// GCC vector extensions and compiled by each ISA's translation unit with its
// own -m flags. Everything here has internal linkage (an anonymous namespace):
// the same inline functions built with different flags must never be merged
// by the linker.
//
// Before including, define DOOMSCOPE_DELTA_RULE_VECS: how many 16-float
// vectors one column block keeps in registers (the accumulators of a block
// must fit the ISA's register file: 4 for AVX-512, 2 for AVX2, 1 for SSE2).
// The block width changes speed only, never the bits: every value column j is
// computed by the same scalar sequence of operations in any block.
#ifndef DOOMSCOPE_DELTA_RULE_VECS
#error "define DOOMSCOPE_DELTA_RULE_VECS before including delta_rule_impl.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/kernels/delta_rule.h"

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
constexpr int kBlockVecs = DOOMSCOPE_DELTA_RULE_VECS;

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
[[gnu::always_inline]] inline Vec Splat(float x) { return Vec{} + x; }

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

// read[j] = sum_i S[i][j] * x[i] for j in [0, dv), the sum in increasing i
// from 0: S^T x, the state's read at key (or query) x.
void ReadState(const float* S, int dk, int dv, const float* x, float* read) {
  ForColumnBlocks(dv, [&]<int V>(int j, int count) {
    Vec acc[V] = {};
    for (int i = 0; i < dk; ++i) {
      const float* row = S + static_cast<size_t>(i) * dv + j;
      const Vec xi = Splat(x[i]);
      for (int u = 0; u < V; ++u) acc[u] += Load(row + u * kLanes, count) * xi;
    }
    for (int u = 0; u < V; ++u) Store(read + j + u * kLanes, acc[u], count);
  });
}

// One token's update sweep over S: S[i][j] = S[i][j] * e + k[i] * delta[j];
// o[j] = sum_i S_new[i][j] * q[i]; with kNext also read_next[j] = sum_i
// S_new[i][j] * k_next[i] (what ReadState would give for the next token).
template <bool kNext>
void UpdateState(float* S, int dk, int dv, float e, const float* delta, const float* k, const float* q,
                 const float* k_next, float* o, float* read_next) {
  const Vec ev = Splat(e);
  ForColumnBlocks(dv, [&]<int V>(int j, int count) {
    Vec d[V], o_acc[V] = {}, n_acc[V] = {};
    for (int u = 0; u < V; ++u) d[u] = Load(delta + j + u * kLanes, count);
    for (int i = 0; i < dk; ++i) {
      float* row = S + static_cast<size_t>(i) * dv + j;
      const Vec ki = Splat(k[i]);
      const Vec qi = Splat(q[i]);
      for (int u = 0; u < V; ++u) {
        const Vec s = Load(row + u * kLanes, count) * ev + ki * d[u];
        Store(row + u * kLanes, s, count);
        o_acc[u] += s * qi;
        if constexpr (kNext) n_acc[u] += s * Splat(k_next[i]);
      }
    }
    for (int u = 0; u < V; ++u) {
      Store(o + j + u * kLanes, o_acc[u], count);
      if constexpr (kNext) Store(read_next + j + u * kLanes, n_acc[u], count);
    }
  });
}

void Recurrent(const DeltaRuleArgs& a) {
  const int dk = a.dk, dv = a.dv;
  float* read = a.scratch;       // S_{t-1}^T k_t
  float* delta = a.scratch + dv;
  ReadState(a.state, dk, dv, a.k, read);
  for (int t = 0; t < a.n; ++t) {
    const float e = std::exp(a.g[t]);
    const float b = a.beta[t];
    const float* v = a.v + t * a.ldv;
    for (int j = 0; j < dv; ++j) delta[j] = b * (v[j] - e * read[j]);
    const float* k = a.k + static_cast<size_t>(t) * dk;
    const float* q = a.q + static_cast<size_t>(t) * dk;
    float* o = a.out + t * a.ldo;
    if (t + 1 < a.n) {
      UpdateState<true>(a.state, dk, dv, e, delta, k, q, k + dk, o, read);
    } else {
      UpdateState<false>(a.state, dk, dv, e, delta, k, q, nullptr, o, nullptr);
    }
  }
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
  float* kt = a.scratch;                            // [dk][C] keys transposed, then times F(L-1, s)
  float* kk = kt + static_cast<size_t>(dk) * C;     // [C][C] beta_t F(t,s) k_t.k_s, s < t
  float* qk = kk + C * C;                           // [C][C] F(t,s) q_t.k_s, s <= t
  float* w = qk + C * C;                            // [C][dv] W_t
  float* u = w + static_cast<size_t>(C) * dv;       // [C][dv] u_t
  float* S = a.state;
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

}  // namespace
}  // namespace doomscope::engine::kernels
