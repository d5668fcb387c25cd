// Kernels: every SIMD table against the scalar reference (run.c's order) for
// every weight type and odd sizes, and the invariants the batched generator
// relies on, bit for bit: an output does not depend on the batch size, on how
// the rows were split between threads, or on the path (in-register conversion
// or f32 panel) that computed it.
#include "engine/kernels/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/matmul_bf16.h"
#include "engine/kernels/matmul_q8.h"
#include "engine/quantize.h"
#include "gtest/gtest.h"

namespace doomscope::engine::kernels {
namespace {

std::vector<float> RandomFloats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

// A weight matrix of `dtype` from float values, plus the exact f32 values it
// holds after conversion (what every kernel must multiply by).
struct TestMatrix {
  DType dtype;
  int64_t rows, cols;
  std::vector<std::byte> bytes;
  std::vector<float> exact;  // dequantized
  TensorView view() const { return TensorView{dtype, rows, cols, bytes.data()}; }
};

TestMatrix MakeMatrix(DType dtype, int64_t rows, int64_t cols, uint32_t seed) {
  TestMatrix m{dtype, rows, cols, {}, {}};
  std::vector<float> values = RandomFloats(static_cast<size_t>(rows * cols), seed, 0.5f);
  m.bytes.resize(DTypeBytes(dtype, values.size()));
  m.exact.resize(values.size());
  switch (dtype) {
    case DType::kF32:
      std::memcpy(m.bytes.data(), values.data(), m.bytes.size());
      m.exact = values;
      break;
    case DType::kF16:
      FloatsToHalf(values, m.bytes);
      for (size_t i = 0; i < values.size(); ++i) {
        uint16_t h;
        std::memcpy(&h, m.bytes.data() + 2 * i, 2);
        m.exact[i] = HalfToFloat(h);
      }
      break;
    case DType::kBF16:
      FloatsToBFloat16(values, m.bytes);
      for (size_t i = 0; i < values.size(); ++i) {
        uint16_t h;
        std::memcpy(&h, m.bytes.data() + 2 * i, 2);
        m.exact[i] = BFloat16ToFloat(h);
      }
      break;
    case DType::kQ8_0:
      QuantizeQ8_0(values, m.bytes);
      DequantizeQ8_0(m.bytes, m.exact);
      break;
  }
  return m;
}

// The product of w's rows [row_begin, row_end) (all when row_end < 0) and the
// n rows of x, written to y (n rows of w.rows), as the forward pass calls it.
MatmulArgs Args(TensorView w, const std::vector<float>& x, int n, float* y, int64_t row_begin = 0,
                int64_t row_end = -1, bool accumulate = false) {
  MatmulArgs a;
  a.w = w;
  a.x = x.data();
  a.ldx = w.cols;
  a.n_rows = n;
  a.y = y;
  a.ldy = w.rows;
  a.row_begin = row_begin;
  a.row_end = row_end < 0 ? w.rows : row_end;
  a.accumulate = accumulate;
  return a;
}

std::vector<float> RunMatmul(const KernelTable& k, TensorView w, const std::vector<float>& x, int n,
                             int64_t row_begin = 0, int64_t row_end = -1, bool bf16_f32_activations = false) {
  std::vector<float> y(static_cast<size_t>(n * w.rows), -12345.0f);
  MatmulArgs a = Args(w, x, n, y.data(), row_begin, row_end);
  a.bf16_f32_activations = bf16_f32_activations;
  k.matmul(a);
  return y;
}

bool SameBits(float a, float b) { return std::memcmp(&a, &b, 4) == 0; }

class KernelIsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!IsaSupported(GetParam())) {
      GTEST_SKIP() << IsaName(GetParam()) << " is not available on this CPU; its kernels were not run";
    }
  }
  const KernelTable& Simd() const { return KernelsFor(GetParam()); }
};

TEST_P(KernelIsaTest, TableReportsItsIsa) { EXPECT_EQ(Simd().isa, GetParam()); }

// SIMD against the scalar reference, with a tolerance relative to sum |w x|.
TEST_P(KernelIsaTest, MatmulMatchesScalarForEveryTypeAndOddSizes) {
  const KernelTable& ref = ScalarKernels();
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0}) {
    const std::vector<int64_t> ks = dtype == DType::kQ8_0 ? std::vector<int64_t>{32, 64, 96, 576}
                                                         : std::vector<int64_t>{1, 7, 8, 9, 17, 33, 100, 172};
    for (int64_t K : ks) {
      for (int64_t M : {1, 5, 13, 37}) {
        for (int N : {1, 2, 3, 4, 5, 7, 13}) {
          const TestMatrix m = MakeMatrix(dtype, M, K, static_cast<uint32_t>(K * 1000 + M * 10 + N));
          const std::vector<float> x = RandomFloats(static_cast<size_t>(N * K), static_cast<uint32_t>(N + K));
          const std::vector<float> want = RunMatmul(ref, m.view(), x, N);
          const std::vector<float> got = RunMatmul(Simd(), m.view(), x, N);
          for (int n = 0; n < N; ++n) {
            for (int64_t r = 0; r < M; ++r) {
              double mag = 0;
              for (int64_t k = 0; k < K; ++k) mag += std::fabs(m.exact[r * K + k] * x[n * K + k]);
              const size_t i = static_cast<size_t>(n * M + r);
              ASSERT_NEAR(got[i], want[i], 1e-5 * mag + 1e-6)
                  << DTypeName(dtype) << " K=" << K << " M=" << M << " N=" << N << " n=" << n << " r=" << r;
            }
          }
        }
      }
    }
  }
}

// The generator's invariant: row n of a batched product equals the product of
// row n alone, and splitting the weight rows (threads) changes nothing.
TEST_P(KernelIsaTest, MatmulIsBitIdenticalAcrossBatchSizesAndRowSplits) {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0}) {
    const int64_t K = dtype == DType::kQ8_0 ? 160 : 173;
    const int64_t M = 29;
    const int N = 41;
    const TestMatrix m = MakeMatrix(dtype, M, K, 7);
    const std::vector<float> x = RandomFloats(static_cast<size_t>(N * K), 8);
    const std::vector<float> batched = RunMatmul(Simd(), m.view(), x, N);
    for (int n = 0; n < N; ++n) {
      const std::vector<float> row(x.begin() + n * K, x.begin() + (n + 1) * K);
      const std::vector<float> alone = RunMatmul(Simd(), m.view(), row, 1);
      for (int64_t r = 0; r < M; ++r) {
        ASSERT_TRUE(SameBits(batched[n * M + r], alone[r])) << DTypeName(dtype) << " n=" << n << " r=" << r;
      }
    }
    for (int64_t split : {1, 4, 11, 28}) {
      std::vector<float> parts = RunMatmul(Simd(), m.view(), x, N, 0, split);
      const std::vector<float> rest = RunMatmul(Simd(), m.view(), x, N, split, M);
      for (int n = 0; n < N; ++n) {
        for (int64_t r = split; r < M; ++r) parts[n * M + r] = rest[n * M + r];
      }
      for (size_t i = 0; i < parts.size(); ++i) {
        ASSERT_TRUE(SameBits(parts[i], batched[i])) << DTypeName(dtype) << " split=" << split << " i=" << i;
      }
    }
  }
}

// fp16 and bf16 convert exactly, so such a matrix gives the same bits as the
// f32 matrix of its values, in every batch size (both paths); for bf16 that
// is the arithmetic MatmulArgs::bf16_f32_activations selects.
TEST_P(KernelIsaTest, HalfWeightsGiveTheBitsOfTheirExactF32Values) {
  for (DType dtype : {DType::kF16, DType::kBF16}) {
    const int64_t K = 96, M = 23;
    const TestMatrix m = MakeMatrix(dtype, M, K, 99);
    std::vector<std::byte> f32_bytes(m.exact.size() * 4);
    std::memcpy(f32_bytes.data(), m.exact.data(), f32_bytes.size());
    const TensorView f32{DType::kF32, M, K, f32_bytes.data()};
    for (int N : {1, 2, 3, 9}) {
      const std::vector<float> x = RandomFloats(static_cast<size_t>(N * K), 100 + N);
      const std::vector<float> a = RunMatmul(Simd(), m.view(), x, N, 0, -1, /*bf16_f32_activations=*/true);
      const std::vector<float> b = RunMatmul(Simd(), f32, x, N);
      for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_TRUE(SameBits(a[i], b[i])) << DTypeName(dtype) << " N=" << N << " i=" << i << ": " << a[i]
                                          << " vs " << b[i];
      }
    }
  }
}

TEST_P(KernelIsaTest, MatmulWritesOnlyItsRowRange) {
  const TestMatrix m = MakeMatrix(DType::kF32, 10, 16, 3);
  const std::vector<float> x = RandomFloats(2 * 16, 4);
  const std::vector<float> y = RunMatmul(Simd(), m.view(), x, 2, 3, 7);
  for (int n = 0; n < 2; ++n) {
    for (int r = 0; r < 10; ++r) {
      if (r >= 3 && r < 7) {
        EXPECT_NE(y[n * 10 + r], -12345.0f);
      } else {
        EXPECT_EQ(y[n * 10 + r], -12345.0f) << "row " << r << " written";
      }
    }
  }
}

TEST_P(KernelIsaTest, RmsNormMatchesScalar) {
  for (int n : {1, 7, 8, 9, 64, 172, 577}) {
    const std::vector<float> x = RandomFloats(n, n), w = RandomFloats(n, n + 1);
    std::vector<float> want(n), got(n);
    ScalarKernels().rmsnorm(x.data(), w.data(), n, 1e-5f, want.data());
    Simd().rmsnorm(x.data(), w.data(), n, 1e-5f, got.data());
    for (int i = 0; i < n; ++i) ASSERT_NEAR(got[i], want[i], 2e-6 * (1 + std::fabs(want[i]))) << n << " " << i;
  }
}

TEST_P(KernelIsaTest, AttentionHeadMatchesScalar) {
  for (int head_dim : {6, 8, 12, 16, 32, 48, 64, 72, 80, 96, 128, 256}) {
    for (int n_pos : {1, 2, 7, 8, 9, 15, 16, 17, 33, 64, 130}) {
      const int64_t stride = head_dim + 3;  // rows need not be packed
      const std::vector<float> q = RandomFloats(head_dim, 1);
      const std::vector<float> k = RandomFloats(n_pos * stride, 2, 2.0f);
      const std::vector<float> v = RandomFloats(n_pos * stride, 3);
      std::vector<float> scores(n_pos), want(head_dim), got(head_dim, 99.0f);
      ScalarKernels().attention_head(q.data(), k.data(), v.data(), stride, n_pos, head_dim, scores.data(),
                                     want.data());
      Simd().attention_head(q.data(), k.data(), v.data(), stride, n_pos, head_dim, scores.data(), got.data());
      for (int i = 0; i < head_dim; ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-5) << "head_dim " << head_dim << " n_pos " << n_pos << " i " << i;
      }
    }
  }
}

// Many queries over one head's keys and values, each with its own length (a
// prefill's causal rows; the query heads of a group, all of one length), with
// lengths that cross the kernels' position blocks (64 to 1,024 positions,
// depending on the head size), for every head size the AVX-512 kernel has a
// path for and some it hands to AVX2: every query's output is the same
// table's attention_head, bit for bit, and the scalar reference's within the
// attention test's tolerance.
TEST_P(KernelIsaTest, AttentionQueriesGiveEachQueryTheHeadBits) {
  for (int head_dim : {8, 16, 32, 48, 64, 72, 80, 96, 128, 256}) {
    for (std::vector<int> lengths : {std::vector<int>{1}, {5, 5, 5}, {300, 301, 302, 303, 304, 305, 306},
                                     {17, 1, 64, 33}, {700, 2, 129}, {257, 256, 255}, {1100, 3, 1029}}) {
      const int64_t stride = head_dim + 5;
      const int max_pos = *std::max_element(lengths.begin(), lengths.end());
      const std::vector<float> k = RandomFloats(static_cast<size_t>(max_pos * stride), 11, 2.0f);
      const std::vector<float> v = RandomFloats(static_cast<size_t>(max_pos * stride), 12);
      const std::vector<float> q = RandomFloats(lengths.size() * head_dim, 13);
      std::vector<float> got(lengths.size() * head_dim, 99.0f), want(head_dim), reference(head_dim);
      std::vector<AttentionQuery> queries;
      int total = 0;
      for (size_t i = 0; i < lengths.size(); ++i) {
        queries.push_back(AttentionQuery{q.data() + i * head_dim, lengths[i], got.data() + i * head_dim});
        total += lengths[i];
      }
      std::vector<float> scores(total, 99.0f);
      Simd().attention_queries(queries, k.data(), v.data(), stride, head_dim, scores.data());
      for (size_t i = 0; i < lengths.size(); ++i) {
        std::vector<float> one(lengths[i]);
        Simd().attention_head(queries[i].q, k.data(), v.data(), stride, lengths[i], head_dim, one.data(), want.data());
        ScalarKernels().attention_head(queries[i].q, k.data(), v.data(), stride, lengths[i], head_dim, one.data(),
                                       reference.data());
        for (int d = 0; d < head_dim; ++d) {
          ASSERT_TRUE(SameBits(got[i * head_dim + d], want[d]))
              << "head_dim " << head_dim << " query " << i << " of length " << lengths[i] << " d " << d << ": "
              << got[i * head_dim + d] << " vs " << want[d];
          ASSERT_NEAR(got[i * head_dim + d], reference[d], 1e-5)
              << "head_dim " << head_dim << " query " << i << " of length " << lengths[i] << " d " << d;
        }
      }
    }
  }
}

TEST_P(KernelIsaTest, SoftmaxMatchesScalarAndSumsToOne) {
  for (int n : {1, 3, 8, 13, 512}) {
    std::vector<float> want = RandomFloats(n, 5, 8.0f);
    want[0] = -200.0f;  // far below the max: exp underflows to about 0
    std::vector<float> got = want;
    ScalarKernels().softmax(want.data(), n);
    Simd().softmax(got.data(), n);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      ASSERT_NEAR(got[i], want[i], 1e-6 + 2e-6 * want[i]) << n << " " << i;
      sum += got[i];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
}

TEST_P(KernelIsaTest, SwiGluMatchesScalarIncludingLargeInputs) {
  for (int n : {1, 7, 8, 172, 1536}) {
    std::vector<float> g = RandomFloats(n, 6, 3.0f), u = RandomFloats(n, 7);
    g[0] = 100.0f;
    if (n > 1) g[n - 1] = -100.0f;
    std::vector<float> want(n), got(n);
    ScalarKernels().swiglu(g.data(), u.data(), n, want.data());
    Simd().swiglu(g.data(), u.data(), n, got.data());
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(std::isfinite(got[i]));
      ASSERT_NEAR(got[i], want[i], 1e-6 + 1e-6 * std::fabs(want[i])) << n << " " << i;
    }
  }
}

TEST_P(KernelIsaTest, AddAndBenchLoops) {
  std::vector<float> y = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<float> x = {9, 8, 7, 6, 5, 4, 3, 2, 1};
  Simd().add(x.data(), 9, y.data());
  for (float v : y) EXPECT_EQ(v, 10.0f);
  std::vector<float> ones(1003, 1.0f);
  EXPECT_EQ(Simd().sum_floats(ones.data(), ones.size()), 1003.0f);
  const float f = Simd().fma_loop(1000);
  EXPECT_TRUE(std::isfinite(f));
  EXPECT_GT(f, 0.0f);
  EXPECT_GT(Simd().fma_flops_per_iteration, 0);
}

// Q8_0 quantizes activations per 32-block (llama.cpp's scheme): the result is
// the exact product up to that rounding, at most half a step (max|x| / 254)
// per activation.
TEST_P(KernelIsaTest, Q8MatmulIsTheExactProductUpToActivationRounding) {
  const int64_t K = 192, M = 17;
  const TestMatrix m = MakeMatrix(DType::kQ8_0, M, K, 5);
  for (int N : {1, 2, 5}) {
    const std::vector<float> x = RandomFloats(static_cast<size_t>(N * K), 6 + N);
    const std::vector<float> got = RunMatmul(Simd(), m.view(), x, N);
    for (int n = 0; n < N; ++n) {
      for (int64_t r = 0; r < M; ++r) {
        double exact = 0, bound = 1e-5;
        for (int64_t b = 0; b < K / 32; ++b) {
          float amax = 0;
          for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[n * K + 32 * b + i]));
          for (int i = 0; i < 32; ++i) {
            const int64_t k = 32 * b + i;
            exact += static_cast<double>(m.exact[r * K + k]) * x[n * K + k];
            bound += std::fabs(m.exact[r * K + k]) * amax / 254.0 * 1.001;
          }
        }
        ASSERT_NEAR(got[n * M + r], exact, bound) << "N=" << N << " n=" << n << " r=" << r;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, KernelIsaTest, ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& info) { return std::string(IsaName(info.param)); });

// The SIMD activation quantizer must give the scalar one's bits: it is part of
// the Q8_0 numerics.
TEST(QuantizeRowQ8Test, Avx2MatchesScalarBitForBit) {
  if (!IsaSupported(Isa::kAvx2)) GTEST_SKIP() << "avx2 is not available on this CPU";
  std::vector<float> x = RandomFloats(32 * 40, 11, 3.0f);
  for (int i = 0; i < 32; ++i) x[i] = 0.0f;                          // an all-zero block
  for (int i = 32; i < 64; ++i) x[i] = (i % 2 ? 0.5f : -0.5f) / 127.0f * 3.0f;  // halfway cases
  x[64] = 127.0f;
  x[65] = 63.5f;  // exactly half a step: ties to even
  x[66] = -0.5f;
  x[100] = 1e-30f;
  std::vector<int8_t> qa(x.size()), qb(x.size());
  std::vector<float> da(x.size() / 32), db(x.size() / 32);
  QuantizeRowQ8Scalar(x.data(), static_cast<int64_t>(x.size()), qa.data(), da.data());
  QuantizeRowQ8Avx2(x.data(), static_cast<int64_t>(x.size()), qb.data(), db.data());
  EXPECT_EQ(qa, qb);
  for (size_t b = 0; b < da.size(); ++b) EXPECT_TRUE(SameBits(da[b], db[b])) << b;
  EXPECT_EQ(da[0], 0.0f);
  EXPECT_EQ(qa[64], 127);
  EXPECT_EQ(qa[65], 64);  // 63.5 * 127 / 127 = 63.5 -> 64 (even)
  EXPECT_EQ(qa[66], 0);   // -0.5 -> -0 (even)
}

// The VNNI kernel keeps the scalar reference's chain of roundings, so it must
// give its bits exactly: from packed weights (what the engine passes) and
// from the stored ones, for any row range (unaligned to the 16-row groups,
// as threads and heads split them) and with the residual add.
TEST(Q8VnniTest, GivesTheScalarBitsPackedOrNotForAnyRowRange) {
  if (!HostCpuFeatures().avx512vnni) GTEST_SKIP() << "avx512 vnni is not available on this CPU";
  for (int64_t K : {32, 96, 576}) {
    for (int64_t M : {1, 15, 16, 17, 37, 64}) {
      const TestMatrix m = MakeMatrix(DType::kQ8_0, M, K, static_cast<uint32_t>(7 * K + M));
      const PackedMatrix packed = PackQ8ForVnni(m.view());
      ASSERT_EQ(packed.size(), static_cast<size_t>(PackedQ8Groups(M)) * PackedQ8GroupStride(K));
      for (int N : {1, 2, 3, 4, 5, 9, 13}) {
        const std::vector<float> x = RandomFloats(static_cast<size_t>(N * K), static_cast<uint32_t>(N * 31 + K));
        const std::vector<float> start = RandomFloats(static_cast<size_t>(N * M), 77);
        for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, M}, {M / 3, M - M / 4}}) {
          if (begin >= end) continue;
          for (bool accumulate : {false, true}) {
            std::vector<float> want = start, raw = start, fast = start;
            MatmulArgs a = Args(m.view(), x, N, want.data(), begin, end, accumulate);
            MatmulQ8Scalar(a);
            a.y = raw.data();
            MatmulQ8Avx512Vnni(a);
            a.y = fast.data();
            a.packed = packed.data();
            MatmulQ8Avx512Vnni(a);
            for (size_t i = 0; i < want.size(); ++i) {
              ASSERT_TRUE(SameBits(raw[i], want[i]) && SameBits(fast[i], want[i]))
                  << "K=" << K << " M=" << M << " N=" << N << " rows [" << begin << ", " << end
                  << ") accumulate=" << accumulate << " i=" << i << ": scalar " << want[i] << ", unpacked " << raw[i]
                  << ", packed " << fast[i];
            }
          }
        }
      }
    }
  }
}

// The BF16 dot arithmetic (matmul_bf16.h). Its paths: the scalar reference,
// the AVX2 emulation (any AVX2 CPU) and vdpbf16ps (AVX512_BF16).
struct Bf16Path {
  const char* name;
  bool available;
  void (*matmul)(const MatmulArgs&);
  void (*round)(const float*, int64_t, uint16_t*);
};

std::vector<Bf16Path> Bf16SimdPaths() {
  return {{"avx2", IsaSupported(Isa::kAvx2), MatmulBf16Avx2, ActivationsToBf16Avx2},
          {"avx512bf16", IsaSupported(Isa::kAvx512) && HostCpuFeatures().avx512bf16, MatmulBf16Avx512Dot,
           ActivationsToBf16Avx512}};
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Values over the whole exponent range, both signs, with zeros, denormals,
// the smallest normals, infinities, NaNs and rounding ties mixed in.
std::vector<float> EdgeAndRandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> v;
  for (uint32_t u : {0x00000000u, 0x80000000u, 0x00000001u, 0x807FFFFFu, 0x00800000u, 0x80800000u, 0x7F7FFFFFu,
                     0xFF7FFFFFu, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0x7F800001u, 0xFF812345u, 0x3F808000u,
                     0x3F818000u, 0x3F808001u, 0x3F817FFFu, 0x7F7F8000u, 0x007F8000u, 0x00FF8000u}) {
    v.push_back(FromBits(u));
  }
  while (v.size() < n) v.push_back(FromBits(static_cast<uint32_t>(rng())));
  v.resize(n);
  return v;
}

TEST(Bf16DotTest, ActivationRoundingIsTheInstructionsConversion) {
  EXPECT_EQ(ActivationToBf16(1.0f), 0x3F80);
  EXPECT_EQ(ActivationToBf16(FromBits(0x3F808000u)), 0x3F80);  // tie, even below
  EXPECT_EQ(ActivationToBf16(FromBits(0x3F818000u)), 0x3F82);  // tie, odd below: up
  EXPECT_EQ(ActivationToBf16(FromBits(0x3F808001u)), 0x3F81);
  EXPECT_EQ(ActivationToBf16(FromBits(0x00000001u)), 0x0000);  // denormals: a zero of their sign
  EXPECT_EQ(ActivationToBf16(FromBits(0x807FFFFFu)), 0x8000);
  EXPECT_EQ(ActivationToBf16(FromBits(0x00800000u)), 0x0080);
  EXPECT_EQ(ActivationToBf16(FromBits(0x7F7FFFFFu)), 0x7F80);  // rounds up to infinity
  EXPECT_EQ(ActivationToBf16(FromBits(0xFF800000u)), 0xFF80);
  EXPECT_EQ(ActivationToBf16(FromBits(0x7F800001u)), 0x7FC0);  // signalling NaN made quiet
  EXPECT_EQ(ActivationToBf16(FromBits(0xFF812345u)), 0xFFC1);
  const std::vector<float> x = EdgeAndRandomFloats(1 << 16, 3);
  for (int64_t k : {int64_t{1} << 16, int64_t{1001}, int64_t{7}}) {
    std::vector<uint16_t> want(static_cast<size_t>(Bf16PaddedLength(k)), 0xDEAD), got = want;
    ActivationsToBf16Scalar(x.data(), k, want.data());
    ASSERT_EQ(want.size() % 32, 0u);
    for (int64_t i = k; i < Bf16PaddedLength(k); ++i) ASSERT_EQ(want[i], 0) << "padding " << i;
    for (const Bf16Path& path : Bf16SimdPaths()) {
      if (!path.available) continue;
      std::fill(got.begin(), got.end(), 0xDEAD);
      path.round(x.data(), k, got.data());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(got[i], want[i]) << path.name << " k=" << k << " x=" << std::hexfloat << x[i];
      }
    }
  }
}

// Every SIMD path gives the reference's bits: any K (tails of every length),
// any row range (threads and heads cut rows anywhere), any batch (tiles of
// every shape), with and without the residual add.
TEST(Bf16DotTest, SimdGivesTheReferenceBitsForAnyRowRangeAndBatch) {
  for (const Bf16Path& path : Bf16SimdPaths()) {
    if (!path.available) {
      std::printf("[ SKIPPED  ] bf16 path %s is not available on this CPU\n", path.name);
      continue;
    }
    SCOPED_TRACE(path.name);
    for (int64_t K : {1, 2, 31, 32, 33, 64, 95, 576}) {
      for (int64_t M : {1, 7, 8, 9, 17, 37}) {
        const TestMatrix m = MakeMatrix(DType::kBF16, M, K, static_cast<uint32_t>(13 * K + M));
        for (int N : {1, 2, 3, 4, 5, 9, 13}) {
          const std::vector<float> x = RandomFloats(static_cast<size_t>(N * K), static_cast<uint32_t>(N * 17 + K));
          const std::vector<float> start = RandomFloats(static_cast<size_t>(N * M), 5);
          for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, M}, {M / 3, M - M / 4}}) {
            if (begin >= end) continue;
            for (bool accumulate : {false, true}) {
              std::vector<float> want = start, got = start;
              MatmulArgs a = Args(m.view(), x, N, want.data(), begin, end, accumulate);
              MatmulBf16Scalar(a);
              a.y = got.data();
              path.matmul(a);
              for (size_t i = 0; i < want.size(); ++i) {
                ASSERT_EQ(Bits(got[i]), Bits(want[i]))
                    << "K=" << K << " M=" << M << " N=" << N << " rows [" << begin << ", " << end
                    << ") accumulate=" << accumulate << " i=" << i << ": " << want[i] << " vs " << got[i];
              }
            }
          }
        }
      }
    }
  }
}

// Products that underflow, denormal weights, sums in the denormal range,
// infinities: the instruction's DAZ/FTZ behaviour, which the reference spells
// out. Rows and activation rows each draw exponents from a class: the whole
// range, or a narrow band around 2^-63 (products near the smallest normal,
// 2^-126, so most lane sums and tree adds meet the flushing).
TEST(Bf16DotTest, SimdGivesTheReferenceBitsAtTheEdgesOfTheRange) {
  const int64_t M = 24, K = 67;
  const int N = 6;
  std::mt19937 rng(21);
  auto exponent = [&](int cls) -> uint32_t {
    if (cls == 0) return rng() % 255;        // anything but infinity/NaN exponents (255 below)
    if (cls == 1) return 54 + rng() % 20;    // 2^-73 .. 2^-54
    return rng() % 8 == 0 ? 255 : rng() % 255;
  };
  std::vector<std::byte> w(static_cast<size_t>(2 * M * K));
  for (int64_t r = 0; r < M; ++r) {
    for (int64_t k = 0; k < K; ++k) {
      const uint32_t e = std::min<uint32_t>(exponent(r % 3 == 2 && k % 9 != 0 ? 1 : r % 3), r % 3 == 2 ? 255 : 254);
      const uint16_t h = static_cast<uint16_t>(((rng() & 1) << 15) | (e << 7) | (rng() & 0x7F));
      std::memcpy(w.data() + 2 * (r * K + k), &h, 2);
    }
  }
  std::vector<float> x(static_cast<size_t>(N * K));
  for (int n = 0; n < N; ++n) {
    for (int64_t k = 0; k < K; ++k) {
      const uint32_t e = std::min<uint32_t>(exponent(n % 2), 254);
      x[n * K + k] = FromBits(((rng() & 1) << 31) | (e << 23) | (rng() & 0x7FFFFF));
    }
  }
  const TensorView view{DType::kBF16, M, K, w.data()};
  const std::vector<float> want = RunMatmul(ScalarKernels(), view, x, N);
  int tiny_sums = 0;
  for (float v : want) tiny_sums += v != 0.0f && std::fabs(v) < 0x1p-100f;
  EXPECT_GT(tiny_sums, 10);  // the band rows do reach the bottom of the range
  for (const Bf16Path& path : Bf16SimdPaths()) {
    if (!path.available) continue;
    std::vector<float> got(want.size());
    path.matmul(Args(view, x, N, got.data()));
    int nans = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      if (std::isnan(want[i])) {  // which NaN comes out is not part of the arithmetic
        ASSERT_TRUE(std::isnan(got[i])) << path.name << " i=" << i;
        ++nans;
        continue;
      }
      ASSERT_EQ(Bits(got[i]), Bits(want[i])) << path.name << " i=" << i << ": " << std::hexfloat << want[i] << " vs "
                                             << got[i];
    }
    EXPECT_LT(nans, static_cast<int>(want.size()) / 2);
  }
}

// The corner of FTZ that rounding on the denormal grid gets wrong: lane 0
// holds 2^-126 + 2^-149 after the first chunk, then adds -3 * 2^-150. The
// exact 2^-126 - 2^-150 rounds to 2^-126 on the denormal grid, but x86 calls
// it tiny (it is below 2^-126 with an unbounded exponent) and flushes it.
TEST(Bf16DotTest, ResultJustBelowTheSmallestNormalIsFlushed) {
  const int64_t K = 64;
  std::vector<float> weights(K, 0.0f), x(K, 0.0f);
  weights[1] = std::ldexp(1.0f, -63), x[1] = std::ldexp(1.0f, -63);    // odd: 2^-126
  weights[0] = std::ldexp(1.0f, -75), x[0] = std::ldexp(1.0f, -74);    // even: 2^-149
  weights[33] = std::ldexp(1.5f, -74), x[33] = -std::ldexp(1.0f, -75);  // odd of chunk 1: -3 * 2^-150
  std::vector<std::byte> w(2 * K);
  FloatsToBFloat16(weights, w);
  const TensorView view{DType::kBF16, 1, K, w.data()};
  const std::vector<float> want = RunMatmul(ScalarKernels(), view, x, 1);
  EXPECT_EQ(Bits(want[0]), 0u) << std::hexfloat << want[0];
  for (const Bf16Path& path : Bf16SimdPaths()) {
    if (!path.available) continue;
    std::vector<float> got(1, 7.0f);
    path.matmul(Args(view, x, 1, got.data()));
    EXPECT_EQ(Bits(got[0]), 0u) << path.name << ": " << std::hexfloat << got[0];
  }
}

// What the rounding costs: the exact product of the bf16 weights and the f32
// activations, within the activations' rounding (half a bf16 step, 2^-9
// relative) plus f32 sums.
TEST(Bf16DotTest, IsTheExactProductUpToActivationRounding) {
  const int64_t K = 576, M = 9;
  const TestMatrix m = MakeMatrix(DType::kBF16, M, K, 41);
  const std::vector<float> x = RandomFloats(static_cast<size_t>(3 * K), 42);
  const std::vector<float> got = RunMatmul(KernelsFor(DefaultIsa()), m.view(), x, 3);
  for (int n = 0; n < 3; ++n) {
    for (int64_t r = 0; r < M; ++r) {
      double exact = 0, mag = 0;
      for (int64_t k = 0; k < K; ++k) {
        exact += static_cast<double>(m.exact[r * K + k]) * x[n * K + k];
        mag += std::fabs(m.exact[r * K + k] * x[n * K + k]);
      }
      ASSERT_NEAR(got[n * M + r], exact, mag * (0x1p-9 + 1e-6)) << "n=" << n << " r=" << r;
    }
  }
}

TEST(CpuFeaturesTest, DefaultIsaIsSupportedAndParsable) {
  EXPECT_TRUE(IsaSupported(DefaultIsa()));
  EXPECT_TRUE(IsaSupported(Isa::kScalar));
  EXPECT_EQ(*ParseIsa("avx2"), Isa::kAvx2);
  EXPECT_FALSE(ParseIsa("sse9").ok());
}

}  // namespace
}  // namespace doomscope::engine::kernels
