// Conversions between float32 and the stored element types: IEEE fp16 and
// bfloat16 (round to nearest even, NaN kept a NaN, fp16 overflow to infinity),
// and GGUF's Q8_0 blocks (32 values: fp16 scale d = max|x| / 127, then
// int8 q = round(x / d), rounding half away from zero, as ggml's reference
// quantizer does).
#ifndef DOOMSCOPE_ENGINE_QUANTIZE_H_
#define DOOMSCOPE_ENGINE_QUANTIZE_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/model_weights.h"

namespace doomscope::engine {

inline constexpr int kQ8_0BlockElements = 32;
inline constexpr int kQ8_0BlockBytes = 34;

uint16_t FloatToHalf(float f);
float HalfToFloat(uint16_t h);
uint16_t FloatToBFloat16(float f);
float BFloat16ToFloat(uint16_t b);

// `in.size()` must be a multiple of 32; `out` holds in.size() / 32 * 34 bytes.
void QuantizeQ8_0(std::span<const float> in, std::span<std::byte> out);
// `out.size()` values from out.size() / 32 blocks of `in`.
void DequantizeQ8_0(std::span<const std::byte> in, std::span<float> out);

void FloatsToHalf(std::span<const float> in, std::span<std::byte> out);
void FloatsToBFloat16(std::span<const float> in, std::span<std::byte> out);

// `out.size()` values of type `t` from `in` (exact for F32, F16, BF16).
void DecodeFloats(DType t, std::span<const std::byte> in, std::span<float> out);
// `in` stored as type `t` into DTypeBytes(t, in.size()) bytes of `out` (Q8_0:
// in.size() a multiple of 32).
void EncodeFloats(DType t, std::span<const float> in, std::span<std::byte> out);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_QUANTIZE_H_
