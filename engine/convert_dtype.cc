#include "engine/convert_dtype.h"

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/quantize.h"
#include "engine/weight_storage.h"

namespace doomscope::engine {
namespace {

DType TargetFor(DType target, const TensorView& t) {
  if (target == DType::kQ8_0 && t.cols % kQ8_0BlockElements != 0) return DType::kF16;
  return target;
}

TensorView Convert(const TensorView& t, DType to, WeightStorage& storage) {
  std::span<std::byte> out = storage.Allocate(DTypeBytes(to, static_cast<size_t>(t.rows * t.cols)));
  const size_t in_row = DTypeBytes(t.dtype, static_cast<size_t>(t.cols));
  const size_t out_row = DTypeBytes(to, static_cast<size_t>(t.cols));
#pragma omp parallel
  {
    std::vector<float> row(static_cast<size_t>(t.cols));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < t.rows; ++r) {
      DecodeFloats(t.dtype, std::span<const std::byte>(t.data + r * in_row, in_row), row);
      EncodeFloats(to, row, out.subspan(r * out_row, out_row));
    }
  }
  return TensorView{to, t.rows, t.cols, out.data()};
}

}  // namespace

void ConvertMatrices(DType target, ModelWeights* w) {
  auto storage = std::make_shared<WeightStorage>();
  storage->Keep(w->storage);
  // Converted copies by source data, so a tied classifier stays the embedding.
  absl::flat_hash_map<const std::byte*, TensorView> done;
  auto convert = [&](TensorView* t) {
    if (t->empty()) return;
    const DType to = TargetFor(target, *t);
    if (t->dtype == to) return;
    auto it = done.find(t->data);
    if (it == done.end()) it = done.emplace(t->data, Convert(*t, to, *storage)).first;
    *t = it->second;
  };
  convert(&w->token_embedding);
  convert(&w->classifier);
  for (LayerWeights& l : w->layers) {
    // Every matrix a layer multiplies by, whatever its kind (attention, LFM2's
    // short conv, Qwen3.5's Gated DeltaNet), as synth-model and llama.cpp's
    // converter store them; norms, conv taps and per-head scalars stay F32.
    for (TensorView* t : {&l.wq, &l.wk, &l.wv, &l.wo, &l.conv_in, &l.conv_out, &l.ssm_qkv, &l.ssm_gate, &l.ssm_alpha,
                          &l.ssm_beta, &l.ssm_out, &l.w_gate, &l.w_up, &l.w_down}) {
      convert(t);
    }
  }
  w->storage = std::move(storage);
}

}  // namespace doomscope::engine
