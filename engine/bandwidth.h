// What this machine can do, measured in the same run as an engine benchmark so
// the engine's speed is reported as a share of it: the memory read bandwidth
// (the roofline of batch-1 decode, which streams every weight once per token)
// and the peak of the instruction that does prefill's products (its roofline).
#ifndef DOOMSCOPE_ENGINE_BANDWIDTH_H_
#define DOOMSCOPE_ENGINE_BANDWIDTH_H_

#include <cstddef>
#include <memory>

#include "engine/kernels/kernels.h"

namespace doomscope::engine {

// A buffer of `bytes` that `threads` threads read again and again, each its
// own share (touched first by that thread, so its pages sit near it): the
// read-bandwidth probe a benchmark can interleave with the runs it measures.
class ReadBandwidthProbe {
 public:
  ReadBandwidthProbe(const kernels::KernelTable& k, int threads, size_t bytes);
  // Best GB/s (1e9 bytes per second) over `passes` reads of the whole buffer.
  double BestGbps(int passes);

 private:
  const kernels::KernelTable& k_;
  int threads_;
  size_t n_;  // floats
  std::unique_ptr<float[]> data_;
};

// Best read bandwidth in GB/s (1e9 bytes per second) over `repeats` passes of
// `threads` threads each summing its share of a `bytes` buffer (far larger than
// the last-level cache, so it comes from DRAM). Each thread touches its own
// share first, so pages sit near the thread that reads them.
double MeasureReadBandwidthGbps(const kernels::KernelTable& k, int threads, size_t bytes = size_t{512} << 20,
                                int repeats = 8);

// Best rate in G operations/s (a multiply-add counts two) over three runs of
// about `seconds` each, every thread running `loop` (independent chains of the
// instruction a matmul uses: kernels.h's PeakLoop).
double MeasurePeakGops(const kernels::PeakLoop& loop, int threads, double seconds = 0.1);

// MeasurePeakGops of the float32 FMA of the widest vectors `k` uses.
double MeasureFmaPeakGflops(const kernels::KernelTable& k, int threads, double seconds = 0.1);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_BANDWIDTH_H_
