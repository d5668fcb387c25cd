#include "engine/weight_check.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/quantize.h"

namespace doomscope::engine {
namespace {

// Elements per block: the test of a block has no early exit (so it
// vectorizes); the search for the bad index runs only on a bad block.
constexpr size_t kBlock = 4096;

// 1 when some word of [p, p + n words) has all `exponent` bits set, else 0:
// the test of one block, without an early exit so it vectorizes, compiled for
// AVX-512, AVX2 and plain x86-64 with the best chosen when the program starts.
template <typename Word>
inline unsigned AnyAllOnes(const std::byte* p, size_t n, Word exponent) {
  unsigned bad = 0;
  for (size_t i = 0; i < n; ++i) {
    Word w;
    std::memcpy(&w, p + i * sizeof(Word), sizeof(Word));  // tensors need not be aligned
    bad |= static_cast<unsigned>((w & exponent) == exponent);
  }
  return bad;
}
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"))) unsigned AnyAllOnes16(const std::byte* p, size_t n,
                                                                                     uint16_t exponent) {
  return AnyAllOnes<uint16_t>(p, n, exponent);
}
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"))) unsigned AnyAllOnes32(const std::byte* p, size_t n,
                                                                                     uint32_t exponent) {
  return AnyAllOnes<uint32_t>(p, n, exponent);
}

// The first element of a flat array of `count` elements (each `Stride` bytes
// apart, tested on the `Word` at its start: all exponent bits set means NaN or
// infinity) that is not finite, or -1.
template <typename Word, size_t Stride>
int64_t FirstNonFinite(const std::byte* data, size_t count, Word exponent) {
  auto at = [data](size_t i) {
    Word w;
    std::memcpy(&w, data + i * Stride, sizeof(Word));  // tensors need not be aligned
    return w;
  };
  const int64_t blocks = static_cast<int64_t>((count + kBlock - 1) / kBlock);
  int64_t first_bad_block = blocks;
  for (int64_t b = 0; b < blocks && first_bad_block == blocks; ++b) {
    const size_t begin = static_cast<size_t>(b) * kBlock;
    const size_t end = std::min(begin + kBlock, count);
    unsigned bad = 0;
    if constexpr (Stride == sizeof(uint16_t)) {
      bad = AnyAllOnes16(data + begin * Stride, end - begin, exponent);
    } else if constexpr (Stride == sizeof(uint32_t)) {
      bad = AnyAllOnes32(data + begin * Stride, end - begin, exponent);
    } else {
      for (size_t i = begin; i < end; ++i) bad |= static_cast<unsigned>((at(i) & exponent) == exponent);
    }
    if (bad != 0) first_bad_block = b;
  }
  if (first_bad_block == blocks) return -1;
  for (size_t i = static_cast<size_t>(first_bad_block) * kBlock; i < count; ++i) {
    if ((at(i) & exponent) == exponent) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace

absl::Status CheckTensorFinite(const TensorView& t, std::string_view name) {
  if (t.data == nullptr) return absl::OkStatus();
  const size_t n = static_cast<size_t>(t.rows * t.cols);
  int64_t bad = -1;
  switch (t.dtype) {
    case DType::kF32: bad = FirstNonFinite<uint32_t, 4>(t.data, n, 0x7F800000u); break;
    case DType::kF16: bad = FirstNonFinite<uint16_t, 2>(t.data, n, 0x7C00); break;
    case DType::kBF16: bad = FirstNonFinite<uint16_t, 2>(t.data, n, 0x7F80); break;
    case DType::kQ8_0: {
      const int64_t block = FirstNonFinite<uint16_t, kQ8_0BlockBytes>(t.data, n / kQ8_0BlockElements, 0x7C00);
      bad = block < 0 ? -1 : block * kQ8_0BlockElements;
      break;
    }
  }
  if (bad < 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "tensor '", std::string(name), "' holds a NaN or infinity (element ", bad,
      t.rows > 1 ? absl::StrCat(": row ", bad / t.cols, ", column ", bad % t.cols) : "",
      t.dtype == DType::kQ8_0 ? ", in its block's scale" : "", "); the weights are corrupt or diverged"));
}

}  // namespace doomscope::engine
