// The numeric kernels of the forward pass, one table per instruction-set level.
//
// Every entry has a scalar reference (kernels_scalar.cc) that follows llama2.c
// run.c's float32 order of operations exactly (sequential sums, no fused
// multiply-add), and SIMD versions (kernels_avx2.cc, kernels_avx512.cc) that
// tests compare against it.
//
// The invariant the batched generator relies on: for a given table, an output
// element of Matmul depends only on its own weight row and its own input row,
// never on how many input rows are in the batch, which rows a thread was given
// or which internal path (weights converted in registers, or into an f32 panel
// first) computed it. F32 and F16 weights convert to float32 exactly, and
// every path sums each dot product in the same order: lane j of a vector
// accumulator takes the elements k = j (mod lanes) with one fused
// multiply-add each, the lanes are added by one fixed tree, and the tail
// (K mod lanes) is added in order. Q8_0 weights use integer dot products with
// activations quantized per row (matmul_q8.h), the same way in every path.
// BF16 weights use bf16 dot products with activations rounded to bf16
// (matmul_bf16.h), the same bits on every path and CPU.
#ifndef DOOMSCOPE_ENGINE_KERNELS_KERNELS_H_
#define DOOMSCOPE_ENGINE_KERNELS_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "engine/cpu_features.h"
#include "engine/model_weights.h"

namespace doomscope::engine::kernels {

// A weight matrix copied into the layout one table's matmul reads fastest
// (KernelTable::pack), made once when a model is loaded. Empty when the table
// reads the stored layout. 64-byte aligned.
class PackedMatrix {
 public:
  PackedMatrix() = default;
  explicit PackedMatrix(size_t bytes);
  bool empty() const { return bytes_ == 0; }
  size_t size() const { return bytes_; }
  std::byte* data() { return aligned_; }
  const std::byte* data() const { return aligned_; }

 private:
  std::unique_ptr<std::byte[]> storage_;
  std::byte* aligned_ = nullptr;
  size_t bytes_ = 0;
};

// y[n * ldy + r] = sum_k x[n * ldx + k] * w[r][k] for n in [0, n_rows), r in
// [row_begin, row_end); with `accumulate`, y[n * ldy + r] += that sum (one
// rounding: the sum is formed first, then added, as run.c's residual adds).
// K = w.cols. Supports every DType; Q8_0 needs K % 32 == 0.
struct MatmulArgs {
  TensorView w;
  // w as KernelTable::pack made it for this table, or null (the table then
  // reads w itself, giving the same bits, only slower).
  const std::byte* packed = nullptr;
  const float* x = nullptr;
  int64_t ldx = 0;
  int n_rows = 0;
  float* y = nullptr;
  int64_t ldy = 0;
  int64_t row_begin = 0;
  int64_t row_end = 0;
  bool accumulate = false;
  // BF16 weights only: multiply the f32 activations by the weights converted
  // exactly (the arithmetic of F16 weights) instead of the default bf16 dot
  // products of matmul_bf16.h; about twice the instructions.
  bool bf16_f32_activations = false;
};

// For bench: a loop of the instruction that does a matmul's multiply-adds,
// on independent accumulators (more chains than latency x throughput), so
// its rate is the peak those products can reach.
struct PeakLoop {
  const char* name = "";  // "fp32 FMA", "int8 VNNI", "bf16 dot", ...
  // Runs `iterations` iterations; returns a value that depends on every
  // operation (so nothing is optimized away).
  float (*run)(int64_t iterations) = nullptr;
  // Arithmetic operations per iteration (a multiply-add counts two).
  int64_t ops_per_iteration = 0;
};

// One query of KernelTable::attention_queries: attention_head's q, its
// positions [0, n_pos) and its output.
struct AttentionQuery {
  const float* q = nullptr;
  int n_pos = 0;
  float* out = nullptr;
};

struct KernelTable {
  Isa isa = Isa::kScalar;
  // Single-threaded: callers split [row_begin, row_end) across threads.
  void (*matmul)(const MatmulArgs& args);
  // The copy of `w` that matmul reads fastest as MatmulArgs::packed, or an
  // empty one when it reads w as stored.
  PackedMatrix (*pack)(const TensorView& w);
  // out[i] = weight[i] * (x[i] / sqrt(mean(x^2) + eps)), as run.c's rmsnorm.
  void (*rmsnorm)(const float* x, const float* weight, int n, float eps, float* out);
  // One query head attending over positions [0, n_pos): scores_t = q.k_t /
  // sqrt(head_dim), softmax, out = sum_t p_t v_t. Row t of k and v is at
  // k + t * stride. `scores` is scratch of n_pos floats.
  void (*attention_head)(const float* q, const float* k, const float* v, int64_t stride, int n_pos,
                         int head_dim, float* scores, float* out);
  // attention_head for several queries over the same keys and values, each
  // with its own n_pos: the query heads that share a key/value head, and the
  // consecutive rows of one sequence in a prefill (row i over n_pos + i
  // positions). Each query's out is attention_head's, bit for bit, while the
  // AVX-512 kernel reads each block of key and value rows once for all the
  // queries instead of once per query. `scores` is scratch of sum(n_pos).
  // That pays only once a head's keys and values outgrow L2 (attention_bench:
  // on par at 1,024 positions of 64, 9% less CPU at 4,096), so the forward
  // pass still calls attention_head; a long-context path can switch.
  void (*attention_queries)(std::span<const AttentionQuery> queries, const float* k, const float* v, int64_t stride,
                            int head_dim, float* scores);
  // out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g)).
  void (*swiglu)(const float* gate, const float* up, int n, float* out);
  // y[i] += x[i].
  void (*add)(const float* x, int n, float* y);
  // In place: x = exp(x - max) / sum.
  void (*softmax)(float* x, int n);
  // For bench: a dependent-free chain of FMAs on independent accumulators;
  // `iterations` * fma_flops_per_iteration floating-point operations. Returns a
  // value that depends on every operation (so nothing is optimized away).
  float (*fma_loop)(int64_t iterations);
  int64_t fma_flops_per_iteration;
  // For bench: the instruction that does the products of weights of `dtype`
  // in this table's matmul (fp32 FMA, or int8 VNNI for Q8_0 and bf16 dot for
  // BF16 where the CPU has them).
  PeakLoop (*peak_loop)(DType dtype);
  // For bench: the sum of n floats (a pure streaming read).
  float (*sum_floats)(const float* x, size_t n);
};

// KernelTable::pack of the tables that read every matrix as stored.
PackedMatrix NoPacking(const TensorView& w);

// The table for `isa` (which must be supported: IsaSupported(isa)).
const KernelTable& KernelsFor(Isa isa);

// The per-ISA tables (kernels_scalar.cc, kernels_avx2.cc, kernels_avx512.cc).
const KernelTable& ScalarKernels();
const KernelTable& Avx2Kernels();
const KernelTable& Avx512Kernels();

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_KERNELS_H_
