#include "engine/kernels/tuning.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "engine/cpu_features.h"

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
  t.streaming = HostCpuFeatures().vendor == CpuVendor::kAmd ? Streaming::kSequential : Streaming::kInterleaved;
  t.l2_prefetch_bytes = std::max<int64_t>(8 << 10, t.l2_bytes / 64);
  if (const char* env = std::getenv("DOOMSCOPE_L2_PREFETCH_BYTES"); env != nullptr && *env != '\0') {
    t.l2_prefetch_bytes = std::max<long long>(0, std::atoll(env));
  }
  if (const char* env = std::getenv("DOOMSCOPE_STREAMING"); env != nullptr) {
    if (std::strcmp(env, StreamingName(Streaming::kSequential)) == 0) t.streaming = Streaming::kSequential;
    if (std::strcmp(env, StreamingName(Streaming::kInterleaved)) == 0) t.streaming = Streaming::kInterleaved;
  }
  return t;
}

MatmulTuning& Mutable() {
  static MatmulTuning tuning = FromHost();
  return tuning;
}

}  // namespace

const char* StreamingName(Streaming s) { return s == Streaming::kSequential ? "sequential" : "interleaved"; }

const MatmulTuning& HostMatmulTuning() { return Mutable(); }

void SetMatmulTuning(const MatmulTuning& tuning) { Mutable() = tuning; }

StreamTiling ChooseStreamTiling(size_t row_bytes, int max_rows, bool l1_prefetch, bool l2_prefetch) {
  StreamTiling t;
  if (HostMatmulTuning().streaming == Streaming::kSequential) {
    if (l2_prefetch) t.l2_prefetch_bytes = HostMatmulTuning().l2_prefetch_bytes;  // one row; far ahead into L2
    return t;
  }
  t.rows = std::max(1, max_rows);
  // The same place of the next tile, which follows this one in memory.
  if (l1_prefetch) t.l1_prefetch_bytes = static_cast<int64_t>(t.rows) * static_cast<int64_t>(row_bytes);
  return t;
}

}  // namespace doomscope::engine::kernels
