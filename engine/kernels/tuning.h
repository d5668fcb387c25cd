// Tile and prefetch sizes of the matrix-multiply kernels, chosen once per
// process from the host's cache sizes (CPUID, through sysconf), not fitted to
// one machine: the same binary runs on Intel and AMD parts whose L1 (32 or
// 48 KiB) and L2 (1 or 2 MiB) differ.
//
// Streaming products (one or two activation rows, so each weight is used once
// or twice: batch-1 and batch-2 decode) are bound by how fast the weights come
// from memory. They read a tile of weight rows that follow each other in
// memory, all rows advancing together, and prefetch the same place of the next
// tile (one tile ahead: every line once). A tile too small leaves too little
// time for the prefetch to land; one too large evicts the prefetched lines
// from L1 before they are read (the previous fixed 12-row tile prefetched
// 36 KiB ahead on 3 KiB rows, more than a 32 KiB L1).
#ifndef DOOMSCOPE_ENGINE_KERNELS_TUNING_H_
#define DOOMSCOPE_ENGINE_KERNELS_TUNING_H_

#include <cstddef>
#include <cstdint>

namespace doomscope::engine::kernels {

struct MatmulTuning {
  int64_t l1d_bytes = 32 << 10;  // per core
  int64_t l2_bytes = 1 << 20;    // per core
  // Bytes of weight rows a streaming tile reads (and so how far ahead it
  // prefetches): a quarter of L1 (this tile, the next one on its way, and the
  // activations fit with room to spare), at least 2 KiB.
  int64_t stream_tile_bytes = 8 << 10;
};

// The host's tuning: from its cache sizes, with DOOMSCOPE_STREAM_TILE_BYTES
// (bytes) overriding the streaming tile size when set, for experiments.
const MatmulTuning& HostMatmulTuning();
// Replaces the host tuning, for benchmarks that sweep it. Not to be called
// while a kernel runs.
void SetMatmulTuning(const MatmulTuning& tuning);

// The streaming tile for rows of `row_bytes`: as many rows (1..max_rows) as
// fill about stream_tile_bytes, and the prefetch distance that is one such tile.
struct StreamTiling {
  int rows = 1;
  int64_t prefetch_bytes = 0;
};
StreamTiling ChooseStreamTiling(size_t row_bytes, int max_rows);

}  // namespace doomscope::engine::kernels

#endif  // DOOMSCOPE_ENGINE_KERNELS_TUNING_H_
