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

}  // namespace

double MeasureReadBandwidthGbps(const kernels::KernelTable& k, int threads, size_t bytes, int repeats) {
  threads = std::max(1, threads);
  const size_t n = bytes / sizeof(float);
  std::unique_ptr<float[]> buffer(new float[n]);
  float* data = buffer.get();
  auto share = [&](int tid, size_t* begin, size_t* end) {
    // 4 KiB-aligned shares so no page is split between threads.
    const size_t per = (n / threads + 1023) / 1024 * 1024;
    *begin = std::min(n, per * tid);
    *end = tid == threads - 1 ? n : std::min(n, *begin + per);
  };
#pragma omp parallel num_threads(threads)
  {
    size_t b, e;
    share(omp_get_thread_num(), &b, &e);
    for (size_t i = b; i < e; ++i) data[i] = 1.0f;
  }
  double best = 0.0;
  volatile float sink = 0.0f;
  for (int r = 0; r < repeats; ++r) {
    float total = 0.0f;
    const Clock::time_point start = Clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : total)
    {
      size_t b, e;
      share(omp_get_thread_num(), &b, &e);
      total += k.sum_floats(data + b, e - b);
    }
    const double s = Seconds(start, Clock::now());
    sink = sink + total;
    if (s > 0) best = std::max(best, static_cast<double>(n * sizeof(float)) / s / 1e9);
  }
  return best;
}

double MeasureFmaPeakGflops(const kernels::KernelTable& k, int threads, double seconds) {
  threads = std::max(1, threads);
  // Calibrate the iteration count on one thread.
  int64_t iterations = 1 << 16;
  volatile float sink = 0.0f;
  for (;;) {
    const Clock::time_point start = Clock::now();
    sink = sink + k.fma_loop(iterations);
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
    total += k.fma_loop(iterations);
    const double s = Seconds(start, Clock::now());
    sink = sink + total;
    const double flops = static_cast<double>(iterations) * k.fma_flops_per_iteration * threads;
    if (s > 0) best = std::max(best, flops / s / 1e9);
  }
  return best;
}

}  // namespace doomscope::engine
