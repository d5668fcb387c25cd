// Tile and prefetch choices of the matrix-multiply kernels, made at run time
// from the host (CPUID: vendor, cache sizes), not constants fitted to one
// machine.
//
// Streaming products (one or two activation rows, so each weight is used once
// or twice: batch-1 and batch-2 decode) are bound by how fast the weights come
// from memory, which depends on how the hardware prefetchers see the reads.
// Two ways to read a tile of weight rows, measured with matmul_bench:
//  - kSequential: one row (Q8_0 VNNI: one 16-row group) at a time, so memory
//    sees one forward stream per thread, with a prefetch into L2 (not L1) far
//    ahead of it (l2_prefetch_bytes). On Zen 4 (EPYC, 2 cores) a decode step's
//    F16 products read at 86-100% of a plain read this way against 40-60%
//    with 2-12 rows side by side; prefetches into L1 at 1-32 KiB made it
//    slower, while an L2 prefetch 8-32 KiB ahead took Q8_0 from 60% to 85%
//    (but not F16 or BF16: see ChooseStreamTiling).
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
  // Sequential streaming: how far ahead to prefetch into L2, L2 / 64 (16 KiB
  // of a 1 MiB L2: the middle of the 8-32 KiB measured equally good), at
  // least 8 KiB. DOOMSCOPE_L2_PREFETCH_BYTES overrides it (0: none).
  int64_t l2_prefetch_bytes = 16 << 10;
};

// The host's tuning, made once.
const MatmulTuning& HostMatmulTuning();
// Replaces the host tuning, for benchmarks that compare settings. Not to be
// called while a kernel runs.
void SetMatmulTuning(const MatmulTuning& tuning);

// A streaming tile of a row-major kernel (float and BF16 weights): how many
// rows side by side (1..max_rows) and how far ahead each row prefetches into
// L1 and into L2 (0: not), for rows of `row_bytes`. `l1_prefetch`: whether
// the kernel prefetches into L1 when interleaved; `l2_prefetch`: into L2 when
// sequential (measured per weight type with matmul_bench on Zen 4: Q8_0 +37%,
// F32 +20-40%, but F16 -12% and BF16 -5%, whose rows already stream at the
// read roofline without it).
struct StreamTiling {
  int rows = 1;
  int64_t l1_prefetch_bytes = 0;
  int64_t l2_prefetch_bytes = 0;
};
StreamTiling ChooseStreamTiling(size_t row_bytes, int max_rows, bool l1_prefetch, bool l2_prefetch);

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_TUNING_H_
