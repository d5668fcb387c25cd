#include "engine/forward_step.h"

#include <algorithm>
#include <cstring>

#include "engine/quantize.h"

namespace doomscope::engine {

void FeatureShare(int64_t n, int tid, int nthreads, int64_t* begin, int64_t* end) {
  const int64_t per = (n + nthreads - 1) / nthreads;
  const int64_t rounded = (per + 15) / 16 * 16;
  *begin = std::min<int64_t>(n, rounded * tid);
  *end = std::min<int64_t>(n, *begin + rounded);
}

float* StepContext::NormalizeRows(const std::vector<float>& gain, int tid) const {
  const int dim = config->dim;
  float* xb = buffers->xb[tid].data();
  for (int i = 0; i < n(); ++i) {
    kernels->rmsnorm(buffers->x.data() + static_cast<size_t>(i) * dim, gain.data(), dim, config->norm_eps,
                     xb + static_cast<size_t>(i) * dim);
  }
  return xb;
}

void StepContext::Matmul(const TensorView& w, const kernels::PackedMatrix& packed, const float* x, int n_rows,
                         float* y, int tid, int nthreads, bool accumulate) const {
  int64_t begin, end;
  FeatureShare(w.rows, tid, nthreads, &begin, &end);
  if (begin >= end) return;
  kernels::MatmulArgs a;
  a.w = w;
  a.packed = packed.data();
  a.x = x;
  a.ldx = w.cols;
  a.n_rows = n_rows;
  a.y = y;
  a.ldy = w.rows;
  a.row_begin = begin;
  a.row_end = end;
  a.accumulate = accumulate;
  kernels->matmul(a);
}

void ConvertRow(const TensorView& t, int64_t row, float* out) {
  const size_t row_bytes = DTypeBytes(t.dtype, static_cast<size_t>(t.cols));
  const std::byte* p = t.data + static_cast<size_t>(row) * row_bytes;
  switch (t.dtype) {
    case DType::kF32:
      std::memcpy(out, p, row_bytes);
      return;
    case DType::kF16:
    case DType::kBF16:
      for (int64_t i = 0; i < t.cols; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = t.dtype == DType::kF16 ? HalfToFloat(h) : BFloat16ToFloat(h);
      }
      return;
    case DType::kQ8_0:
      DequantizeQ8_0(std::span<const std::byte>(p, row_bytes), std::span<float>(out, t.cols));
      return;
  }
}

std::vector<float> TensorToFloats(const TensorView& t) {
  std::vector<float> out(static_cast<size_t>(t.rows * t.cols));
  if (out.empty()) return out;  // an absent optional tensor (e.g. Llama's Q/K norms): no copy from null
  TensorView flat = t;
  flat.rows = 1;
  flat.cols = t.rows * t.cols;
  ConvertRow(flat, 0, out.data());
  return out;
}

}  // namespace doomscope::engine
