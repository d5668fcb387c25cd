// Kernels: every SIMD table against the scalar reference (run.c's order) for
// every weight type and odd sizes, and the invariants the batched generator
// relies on, bit for bit: an output does not depend on the batch size, on how
// the rows were split between threads, or on the path (in-register conversion
// or f32 panel) that computed it.
#include "engine/kernels/kernels.h"

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

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

std::vector<float> RunMatmul(const KernelTable& k, TensorView w, const std::vector<float>& x, int n,
                             int64_t row_begin = 0, int64_t row_end = -1) {
  std::vector<float> y(static_cast<size_t>(n * w.rows), -12345.0f);
  MatmulArgs a;
  a.w = w;
  a.x = x.data();
  a.ldx = w.cols;
  a.n_rows = n;
  a.y = y.data();
  a.ldy = w.rows;
  a.row_begin = row_begin;
  a.row_end = row_end < 0 ? w.rows : row_end;
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
// f32 matrix of its values, in every batch size (both paths).
TEST_P(KernelIsaTest, HalfWeightsGiveTheBitsOfTheirExactF32Values) {
  for (DType dtype : {DType::kF16, DType::kBF16}) {
    const int64_t K = 96, M = 23;
    const TestMatrix m = MakeMatrix(dtype, M, K, 99);
    std::vector<std::byte> f32_bytes(m.exact.size() * 4);
    std::memcpy(f32_bytes.data(), m.exact.data(), f32_bytes.size());
    const TensorView f32{DType::kF32, M, K, f32_bytes.data()};
    for (int N : {1, 2, 3, 9}) {
      const std::vector<float> x = RandomFloats(static_cast<size_t>(N * K), 100 + N);
      const std::vector<float> a = RunMatmul(Simd(), m.view(), x, N);
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
  for (int head_dim : {6, 8, 12, 64, 72}) {
    for (int n_pos : {1, 2, 7, 8, 9, 17, 64, 130}) {
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
            MatmulArgs a;
            a.w = m.view();
            a.x = x.data();
            a.ldx = K;
            a.n_rows = N;
            a.ldy = M;
            a.row_begin = begin;
            a.row_end = end;
            a.accumulate = accumulate;
            a.y = want.data();
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

TEST(CpuFeaturesTest, DefaultIsaIsSupportedAndParsable) {
  EXPECT_TRUE(IsaSupported(DefaultIsa()));
  EXPECT_TRUE(IsaSupported(Isa::kScalar));
  EXPECT_EQ(*ParseIsa("avx2"), Isa::kAvx2);
  EXPECT_FALSE(ParseIsa("sse9").ok());
}

}  // namespace
}  // namespace doomscope::engine::kernels
