// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and the TFRecord mask.
//
// Our own table-driven implementation (slicing by 8): record framing checks
// every byte written to the store, so it must be cheap, but it needs no SIMD.
#ifndef DOOMSCOPE_RESULTS_HASH_CRC32C_H_
#define DOOMSCOPE_RESULTS_HASH_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace doomscope {

// Extends `crc` (the CRC of earlier bytes; 0 to start) over `data`.
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

// TFRecord's masking, so that a CRC stored next to the data it covers does not
// make CRC-of-CRC patterns degenerate.
inline constexpr uint32_t kCrcMaskDelta = 0xa282ead8u;
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  const uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace doomscope

#endif  // DOOMSCOPE_RESULTS_HASH_CRC32C_H_
