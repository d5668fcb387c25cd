// What this machine can do, measured in the same run as an engine benchmark so
// the engine's speed is reported as a share of it: the memory read bandwidth
// (the roofline of batch-1 decode, which streams every weight once per token)
// and the float32 FMA peak (the roofline of prefill).
#ifndef DOOMSCOPE_ENGINE_BANDWIDTH_H_
#define DOOMSCOPE_ENGINE_BANDWIDTH_H_

#include <cstddef>

#include "engine/kernels/kernels.h"

namespace doomscope::engine {

// Best read bandwidth in GB/s (1e9 bytes per second) over `repeats` passes of
// `threads` threads each summing its share of a `bytes` buffer (far larger than
// the last-level cache, so it comes from DRAM). Each thread touches its own
// share first, so pages sit near the thread that reads them.
double MeasureReadBandwidthGbps(const kernels::KernelTable& k, int threads, size_t bytes = size_t{512} << 20,
                                int repeats = 8);

// Best float32 GFLOP/s over three runs of about `seconds` each, every thread
// running independent fused multiply-add chains of the widest vectors `k` uses.
double MeasureFmaPeakGflops(const kernels::KernelTable& k, int threads, double seconds = 0.1);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_BANDWIDTH_H_
