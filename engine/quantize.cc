#include "engine/quantize.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace doomscope::engine {

uint16_t FloatToHalf(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const uint32_t x = bits & 0x7FFFFFFF;
  if (x > 0x7F800000) {  // NaN: keep the top mantissa bits, force quiet
    return static_cast<uint16_t>(sign | 0x7E00 | ((x >> 13) & 0x3FF));
  }
  // 65520 = 0x477FF000 is the midpoint between fp16's max 65504 and 65536: ties
  // to even round it (and everything above) to infinity.
  if (x >= 0x477FF000) return static_cast<uint16_t>(sign | 0x7C00);
  if (x < 0x38800000) {  // below fp16's smallest normal 2^-14: subnormal or zero
    if (x <= 0x33000000) return sign;  // <= 2^-25, half the smallest subnormal: ties to 0
    const uint32_t exponent = x >> 23;
    const uint32_t mantissa = (x & 0x7FFFFF) | 0x800000;
    const uint32_t shift = 126 - exponent;  // value / 2^-24 = mantissa >> shift
    uint32_t q = mantissa >> shift;
    const uint32_t rem = mantissa & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;
    return static_cast<uint16_t>(sign | q);
  }
  uint32_t h = (x >> 13) - ((127 - 15) << 10);
  const uint32_t rem = x & 0x1FFF;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;  // a carry may bump the exponent: still right
  return static_cast<uint16_t>(sign | h);
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1F;
  const uint32_t mantissa = h & 0x3FF;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    float v = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -v : v;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7F800000 | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

uint16_t FloatToBFloat16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  if ((bits & 0x7FFFFFFF) > 0x7F800000) return static_cast<uint16_t>((bits >> 16) | 0x40);
  return static_cast<uint16_t>((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

float BFloat16ToFloat(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

void QuantizeQ8_0(std::span<const float> in, std::span<std::byte> out) {
  const size_t blocks = in.size() / kQ8_0BlockElements;
  for (size_t b = 0; b < blocks; ++b) {
    const float* x = in.data() + b * kQ8_0BlockElements;
    std::byte* y = out.data() + b * kQ8_0BlockBytes;
    float amax = 0.0f;
    for (int j = 0; j < kQ8_0BlockElements; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const uint16_t dh = FloatToHalf(d);
    std::memcpy(y, &dh, 2);
    for (int j = 0; j < kQ8_0BlockElements; ++j) {
      const int8_t q = static_cast<int8_t>(std::round(x[j] * id));
      std::memcpy(y + 2 + j, &q, 1);
    }
  }
}

void DequantizeQ8_0(std::span<const std::byte> in, std::span<float> out) {
  const size_t blocks = out.size() / kQ8_0BlockElements;
  for (size_t b = 0; b < blocks; ++b) {
    const std::byte* y = in.data() + b * kQ8_0BlockBytes;
    uint16_t dh;
    std::memcpy(&dh, y, 2);
    const float d = HalfToFloat(dh);
    for (int j = 0; j < kQ8_0BlockElements; ++j) {
      out[b * kQ8_0BlockElements + j] = d * static_cast<float>(static_cast<int8_t>(y[2 + j]));
    }
  }
}

void FloatsToHalf(std::span<const float> in, std::span<std::byte> out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const uint16_t h = FloatToHalf(in[i]);
    std::memcpy(out.data() + 2 * i, &h, 2);
  }
}

void FloatsToBFloat16(std::span<const float> in, std::span<std::byte> out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const uint16_t h = FloatToBFloat16(in[i]);
    std::memcpy(out.data() + 2 * i, &h, 2);
  }
}

void DecodeFloats(DType t, std::span<const std::byte> in, std::span<float> out) {
  switch (t) {
    case DType::kF32:
      std::memcpy(out.data(), in.data(), out.size() * 4);
      return;
    case DType::kF16:
    case DType::kBF16:
      for (size_t i = 0; i < out.size(); ++i) {
        uint16_t h;
        std::memcpy(&h, in.data() + 2 * i, 2);
        out[i] = t == DType::kF16 ? HalfToFloat(h) : BFloat16ToFloat(h);
      }
      return;
    case DType::kQ8_0:
      DequantizeQ8_0(in, out);
      return;
  }
}

void EncodeFloats(DType t, std::span<const float> in, std::span<std::byte> out) {
  switch (t) {
    case DType::kF32: std::memcpy(out.data(), in.data(), in.size() * 4); return;
    case DType::kF16: FloatsToHalf(in, out); return;
    case DType::kBF16: FloatsToBFloat16(in, out); return;
    case DType::kQ8_0: QuantizeQ8_0(in, out); return;
  }
}

}  // namespace doomscope::engine
