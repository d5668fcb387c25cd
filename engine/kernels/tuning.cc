#include "engine/kernels/tuning.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace doomscope::engine::kernels {
namespace {

int64_t CacheBytes(int name, int64_t fallback) {
  const long v = sysconf(name);
  return v > 0 ? static_cast<int64_t>(v) : fallback;
}

MatmulTuning FromHost() {
  MatmulTuning t;
  t.l1d_bytes = CacheBytes(_SC_LEVEL1_DCACHE_SIZE, t.l1d_bytes);
  t.l2_bytes = CacheBytes(_SC_LEVEL2_CACHE_SIZE, t.l2_bytes);
  t.stream_tile_bytes = std::max<int64_t>(2 << 10, t.l1d_bytes / 4);
  if (const char* env = std::getenv("DOOMSCOPE_STREAM_TILE_BYTES"); env != nullptr && *env != '\0') {
    const long long v = std::atoll(env);
    if (v > 0) t.stream_tile_bytes = v;
  }
  return t;
}

MatmulTuning& Mutable() {
  static MatmulTuning tuning = FromHost();
  return tuning;
}

}  // namespace

const MatmulTuning& HostMatmulTuning() { return Mutable(); }

void SetMatmulTuning(const MatmulTuning& tuning) { Mutable() = tuning; }

StreamTiling ChooseStreamTiling(size_t row_bytes, int max_rows) {
  const int64_t target = HostMatmulTuning().stream_tile_bytes;
  const int64_t bytes = std::max<int64_t>(1, static_cast<int64_t>(row_bytes));
  StreamTiling t;
  t.rows = static_cast<int>(std::clamp<int64_t>((target + bytes / 2) / bytes, 1, std::max(1, max_rows)));
  t.prefetch_bytes = t.rows * bytes;
  return t;
}

}  // namespace doomscope::engine::kernels
