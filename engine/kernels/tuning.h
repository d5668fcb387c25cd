// Tile and prefetch choices of the matrix-multiply kernels, made at run time
// from the host (CPUID: vendor, cache sizes), not constants fitted to one
// machine.
//
// Streaming products (one or two activation rows, so each weight is used once
// or twice: batch-1 and batch-2 decode) are bound by how fast the weights come
// from memory, which depends on how the hardware prefetchers see the reads.
// Two ways to read a tile of weight rows, measured with matmul_bench:
//  - kSequential: one row (Q8_0 VNNI: one 16-row group) at a time, no software
//    prefetch, so memory sees one forward stream per thread. On Zen 4 (EPYC,
//    2 cores) a decode step's F16 products read at 86% of a plain read this
//    way against 40-60% with 2-12 rows side by side, and every software
//    prefetch distance tried (1-32 KiB) made it slower.
//  - kInterleaved: as many rows side by side as the registers hold, each row
//    prefetching the same place of the next tile (16-bit and BF16 weights;
//    Q8_0 4 KiB ahead, AVX2 Q8_0 8 KiB). The configuration measured best on
//    a Sapphire Rapids-class Xeon in the previous engine work (F16 decode 54%
//    -> 100% of the read roofline with the prefetch).
// The default is kSequential on AMD and kInterleaved elsewhere;
// DOOMSCOPE_STREAMING=sequential|interleaved overrides it, and matmul_bench
// shows which is faster on the machine at hand.
#ifndef DOOMSCOPE_ENGINE_KERNELS_TUNING_H_
#define DOOMSCOPE_ENGINE_KERNELS_TUNING_H_

#include <cstddef>
#include <cstdint>

namespace doomscope::engine::kernels {

enum class Streaming { kSequential, kInterleaved };

const char* StreamingName(Streaming s);  // "sequential", "interleaved"

struct MatmulTuning {
  int64_t l1d_bytes = 32 << 10;  // per core
  int64_t l2_bytes = 1 << 20;    // per core: sizes the activation blocks and f32 panels
  Streaming streaming = Streaming::kInterleaved;
};

// The host's tuning, made once.
const MatmulTuning& HostMatmulTuning();
// Replaces the host tuning, for benchmarks that compare settings. Not to be
// called while a kernel runs.
void SetMatmulTuning(const MatmulTuning& tuning);

// A streaming tile of a row-major kernel (float and BF16 weights): how many
// rows side by side (1..max_rows) and how far ahead each row prefetches (0:
// none), for rows of `row_bytes`. `prefetch` says whether the kernel
// prefetches at all in interleaved mode.
struct StreamTiling {
  int rows = 1;
  int64_t prefetch_bytes = 0;
};
StreamTiling ChooseStreamTiling(size_t row_bytes, int max_rows, bool prefetch);

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_TUNING_H_
