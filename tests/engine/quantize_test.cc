// fp16 / bf16 rounding and Q8_0 blocks, checked exhaustively where the domain is small.
#include "engine/quantize.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace doomscope::engine {
namespace {

bool IsHalfNaN(uint16_t h) { return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0; }

TEST(QuantizeTest, HalfKnownValues) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(FloatToHalf(65519.996f), 0x7BFF);
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);  // the midpoint ties to even: infinity
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(FloatToHalf(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_TRUE(IsHalfNaN(FloatToHalf(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(FloatToHalf(0x1p-14f), 0x0400);  // smallest normal
  EXPECT_EQ(FloatToHalf(0x1p-24f), 0x0001);  // smallest subnormal
  EXPECT_EQ(FloatToHalf(0x1p-25f), 0x0000);  // half of it: ties to even (0)
  EXPECT_EQ(FloatToHalf(0x1.8p-25f), 0x0001);
  EXPECT_EQ(FloatToHalf(0x3p-25f), 0x0002);   // 1.5 units: ties to even (2)
  EXPECT_EQ(FloatToHalf(1.0f + 0x1p-11f), 0x3C00);  // tie: even mantissa
  EXPECT_EQ(FloatToHalf(1.0f + 0x3p-11f), 0x3C02);
  EXPECT_EQ(FloatToHalf(0x1p-14f - 0x1p-25f), 0x0400);  // rounds up into the normals
}

TEST(QuantizeTest, HalfRoundTripsAndMidpointsExhaustively) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if (IsHalfNaN(static_cast<uint16_t>(h))) {
      EXPECT_TRUE(std::isnan(HalfToFloat(static_cast<uint16_t>(h))));
      continue;
    }
    ASSERT_EQ(FloatToHalf(HalfToFloat(static_cast<uint16_t>(h))), h) << h;
  }
  // Between consecutive positive finite halves a < b: the midpoint goes to the
  // one with the even mantissa, anything just off it to the nearer one.
  for (uint32_t a = 0; a < 0x7BFF; ++a) {
    const uint16_t b = static_cast<uint16_t>(a + 1);
    const float fa = HalfToFloat(static_cast<uint16_t>(a)), fb = HalfToFloat(b);
    const float mid = (fa + fb) / 2;  // exact: fp16 values have few mantissa bits
    const uint16_t even = (a & 1) == 0 ? static_cast<uint16_t>(a) : b;
    ASSERT_EQ(FloatToHalf(mid), even) << a;
    ASSERT_EQ(FloatToHalf(std::nextafter(mid, 0.0f)), a) << a;
    ASSERT_EQ(FloatToHalf(std::nextafter(mid, 1e9f)), b) << a;
    ASSERT_EQ(FloatToHalf(-mid), even | 0x8000) << a;
  }
}

TEST(QuantizeTest, BFloat16RoundsToNearestEven) {
  EXPECT_EQ(FloatToBFloat16(1.0f), 0x3F80);
  EXPECT_EQ(FloatToBFloat16(std::bit_cast<float>(0x3F808000u)), 0x3F80);  // tie, even stays
  EXPECT_EQ(FloatToBFloat16(std::bit_cast<float>(0x3F818000u)), 0x3F82);  // tie, odd rounds up
  EXPECT_EQ(FloatToBFloat16(std::bit_cast<float>(0x3F808001u)), 0x3F81);
  EXPECT_EQ(FloatToBFloat16(std::bit_cast<float>(0x7F7FFFFFu)), 0x7F80);  // overflow to inf
  EXPECT_TRUE(std::isnan(BFloat16ToFloat(FloatToBFloat16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(BFloat16ToFloat(0xC040), -3.0f);
}

TEST(QuantizeTest, Q8_0BlockLayoutAndError) {
  std::vector<float> x(64);
  for (int i = 0; i < 64; ++i) x[i] = std::sin(0.37f * i) * (i < 32 ? 1.0f : 0.01f);
  x[5] = -1.5f;  // block 0's max |x|
  std::vector<std::byte> q(2 * kQ8_0BlockBytes);
  QuantizeQ8_0(x, q);
  uint16_t d0;
  std::memcpy(&d0, q.data(), 2);
  EXPECT_EQ(d0, FloatToHalf(1.5f / 127.0f));
  EXPECT_EQ(static_cast<int8_t>(q[2 + 5]), -127);
  std::vector<float> y(64);
  DequantizeQ8_0(q, y);
  for (int b = 0; b < 2; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
    const float d = amax / 127.0f;
    for (int j = 0; j < 32; ++j) {
      // Half a step, plus the fp16 rounding of the scale applied to |q| <= 127.
      EXPECT_NEAR(y[b * 32 + j], x[b * 32 + j], d * 0.5f + 127 * d * 0x1p-11f) << b << " " << j;
    }
  }
  // An all-zero block has scale 0 and zero quants.
  std::vector<float> zeros(32, 0.0f);
  std::vector<std::byte> qz(kQ8_0BlockBytes, std::byte{0xFF});
  QuantizeQ8_0(zeros, qz);
  for (std::byte b : qz) EXPECT_EQ(b, std::byte{0});
}

TEST(QuantizeTest, Q8_0RoundsHalfAwayFromZero) {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;  // d = 1 exactly
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 0.49f;
  std::vector<std::byte> q(kQ8_0BlockBytes);
  QuantizeQ8_0(x, q);
  EXPECT_EQ(static_cast<int8_t>(q[2 + 1]), 3);
  EXPECT_EQ(static_cast<int8_t>(q[2 + 2]), -3);
  EXPECT_EQ(static_cast<int8_t>(q[2 + 3]), 0);
}

}  // namespace
}  // namespace doomscope::engine
