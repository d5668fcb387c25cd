#include "engine/bandwidth.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

namespace doomscope::engine {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// Thread `tid`'s share of n floats: 4 KiB-aligned, so no page is split between threads.
void Share(size_t n, int tid, int threads, size_t* begin, size_t* end) {
  const size_t per = (n / threads + 1023) / 1024 * 1024;
  *begin = std::min(n, per * tid);
  *end = tid == threads - 1 ? n : std::min(n, *begin + per);
}

}  // namespace

ReadBandwidthProbe::ReadBandwidthProbe(const kernels::KernelTable& k, int threads, size_t bytes)
    : k_(k), threads_(std::max(1, threads)), n_(bytes / sizeof(float)), data_(new float[n_]) {
  float* data = data_.get();
#pragma omp parallel num_threads(threads_)
  {
    size_t b, e;
    Share(n_, omp_get_thread_num(), threads_, &b, &e);
    for (size_t i = b; i < e; ++i) data[i] = 1.0f;
  }
}

double ReadBandwidthProbe::BestGbps(int passes) {
  const float* data = data_.get();
  double best = 0.0;
  volatile float sink = 0.0f;
  for (int r = 0; r < passes; ++r) {
    float total = 0.0f;
    const Clock::time_point start = Clock::now();
#pragma omp parallel num_threads(threads_) reduction(+ : total)
    {
      size_t b, e;
      Share(n_, omp_get_thread_num(), threads_, &b, &e);
      total += k_.sum_floats(data + b, e - b);
    }
    const double s = Seconds(start, Clock::now());
    sink = sink + total;
    if (s > 0) best = std::max(best, static_cast<double>(n_ * sizeof(float)) / s / 1e9);
  }
  return best;
}

double MeasureReadBandwidthGbps(const kernels::KernelTable& k, int threads, size_t bytes, int repeats) {
  return ReadBandwidthProbe(k, threads, bytes).BestGbps(repeats);
}

double MeasureFmaPeakGflops(const kernels::KernelTable& k, int threads, double seconds) {
  return MeasurePeakGops(kernels::PeakLoop{"fp32 FMA", k.fma_loop, k.fma_flops_per_iteration}, threads, seconds);
}

double MeasurePeakGops(const kernels::PeakLoop& loop, int threads, double seconds) {
  threads = std::max(1, threads);
  // Calibrate the iteration count on one thread.
  int64_t iterations = 1 << 16;
  volatile float sink = 0.0f;
  for (;;) {
    const Clock::time_point start = Clock::now();
    sink = sink + loop.run(iterations);
    const double s = Seconds(start, Clock::now());
    if (s > seconds / 4 || iterations > (int64_t{1} << 40)) {
      iterations = static_cast<int64_t>(static_cast<double>(iterations) * seconds / std::max(s, 1e-9));
      break;
    }
    iterations *= 4;
  }
  iterations = std::max<int64_t>(iterations, 1024);
  double best = 0.0;
  for (int r = 0; r < 3; ++r) {
    float total = 0.0f;
    const Clock::time_point start = Clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : total)
    total += loop.run(iterations);
    const double s = Seconds(start, Clock::now());
    sink = sink + total;
    const double flops = static_cast<double>(iterations) * static_cast<double>(loop.ops_per_iteration) * threads;
    if (s > 0) best = std::max(best, flops / s / 1e9);
  }
  return best;
}

}  // namespace doomscope::engine
