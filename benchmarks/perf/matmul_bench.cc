// matmul_bench: the matrix products of one decode step alone, to tune and
// check the streaming kernels (tuning.h) on the machine at hand.
//
//   build/release/benchmarks/perf/matmul_bench [--dtype f16] [--batch 1] [--threads 1]
//       [--rounds 7] [--layers 30] [--classifier 1]
//
// Builds the weight matrices of the smollm2-135m shape (dim 576, FFN 1536, 9
// heads of 64, 3 key/value heads, 30 layers, 49152-token classifier) with
// random values of one type, far larger than the last-level cache, and runs
// the products of a decode step in the forward pass's order and row split.
// For each way of streaming the weights (tuning.h: sequential, interleaved),
// and for a read of a buffer the size of the weights (the roofline), rounds
// run in turn, so a slow spell of a shared host hits every candidate alike.
// Prints GB/s of weights per candidate, best and median over the rounds, and
// the best as a share of the best read, and the arithmetic rate against the
// peak of the instruction that does it (for batches that are compute-bound;
// the wall-clock best). GB/s per CPU second is printed beside
// the wall-clock figure: with other processes on the cores, it is the fairer
// clock (it still counts time a hypervisor took away).
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "engine/bandwidth.h"
#include "engine/cpu_features.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/tuning.h"
#include "engine/synth_model.h"

namespace doomscope {
namespace {

using engine::DType;
using engine::kernels::KernelTable;

struct Matrix {
  engine::TensorView view;
  std::vector<std::byte> bytes;
  engine::kernels::PackedMatrix packed;
};

struct Options {
  DType dtype = DType::kF16;
  int batch = 1;
  int threads = 1;
  int rounds = 7;
  int layers = 30;
  int classifier = 1;  // 0: the layers only (with few layers, a working set in cache: compute-bound)
};

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool Parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "matmul_bench: %s needs a value\n", flag.c_str());
      return false;
    }
    const std::string value = argv[++i];
    if (flag == "--dtype") {
      absl::StatusOr<DType> d = engine::ParseDType(value);
      if (!d.ok()) {
        std::fprintf(stderr, "matmul_bench: %s\n", std::string(d.status().message()).c_str());
        return false;
      }
      o->dtype = *d;
    } else if (flag == "--classifier") {
      o->classifier = value == "0" ? 0 : 1;
    } else if (flag == "--batch" || flag == "--threads" || flag == "--rounds" || flag == "--layers") {
      int v;
      if (!absl::SimpleAtoi(value, &v) || v < 1) {
        std::fprintf(stderr, "matmul_bench: %s wants a positive integer\n", flag.c_str());
        return false;
      }
      (flag == "--batch" ? o->batch : flag == "--threads" ? o->threads : flag == "--rounds" ? o->rounds : o->layers) = v;
    } else {
      std::fprintf(stderr, "matmul_bench: unknown flag %s\n", flag.c_str());
      return false;
    }
  }
  return true;
}

Matrix MakeMatrix(const KernelTable& k, DType dtype, int64_t rows, int64_t cols, std::mt19937& rng) {
  Matrix m;
  const size_t n = static_cast<size_t>(rows * cols);
  m.bytes.resize(engine::DTypeBytes(dtype, n));
  if (dtype == DType::kQ8_0) {
    // Blocks of a small fp16 scale and random int8 values.
    for (size_t b = 0; b < m.bytes.size(); b += 34) {
      m.bytes[b] = std::byte{0x00};
      m.bytes[b + 1] = std::byte{0x20};
      for (int i = 2; i < 34; ++i) m.bytes[b + i] = static_cast<std::byte>(rng());
    }
  } else {
    // Values of a few bits set in the usual range (no denormals, infinities or NaNs).
    const size_t width = engine::DTypeBytes(dtype, 1);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t r = rng();
      uint32_t bits = dtype == DType::kF32 ? (0x3C000000u | (r & 0x81FFFFFFu))
                      : dtype == DType::kF16 ? (0x2000u | (r & 0x83FFu))
                                             : (0x3C00u | (r & 0x81FFu));
      std::memcpy(m.bytes.data() + i * width, &bits, width);
    }
  }
  m.view = engine::TensorView{dtype, rows, cols, m.bytes.data()};
  m.packed = k.pack(m.view);
  return m;
}

// The forward pass's split: contiguous 16-row-aligned runs per thread.
void Matmul(const KernelTable& k, const Matrix& m, const float* x, int n, float* y, int tid, int nthreads) {
  const int64_t per = (m.view.rows + nthreads - 1) / nthreads;
  const int64_t rounded = (per + 15) / 16 * 16;
  engine::kernels::MatmulArgs a;
  a.w = m.view;
  a.packed = m.packed.data();
  a.x = x;
  a.ldx = m.view.cols;
  a.n_rows = n;
  a.y = y;
  a.ldy = m.view.rows;
  a.row_begin = std::min<int64_t>(m.view.rows, rounded * tid);
  a.row_end = std::min<int64_t>(m.view.rows, a.row_begin + rounded);
  if (a.row_begin < a.row_end) k.matmul(a);
}

struct Sample {
  double wall_gbps = 0, cpu_gbps = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double Best(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

int Run(const Options& o) {
  const KernelTable& k = engine::kernels::KernelsFor(engine::DefaultIsa());
  std::mt19937 rng(1);
  const int64_t dim = 576, hidden = 1536, kv = 192, vocab = 49152;
  std::vector<Matrix> matrices;
  for (int l = 0; l < o.layers; ++l) {
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{dim, dim}, {kv, dim}, {kv, dim}, {dim, dim}, {hidden, dim},
                              {hidden, dim}, {dim, hidden}}) {
      matrices.push_back(MakeMatrix(k, o.dtype, rows, cols, rng));
    }
  }
  if (o.classifier != 0) matrices.push_back(MakeMatrix(k, o.dtype, vocab, dim, rng));
  size_t bytes = 0;
  double macs = 0;  // per activation row
  for (const Matrix& m : matrices) {
    bytes += m.bytes.size();
    macs += static_cast<double>(m.view.rows) * static_cast<double>(m.view.cols);
  }
  std::vector<float> x(static_cast<size_t>(o.batch * hidden)), y(static_cast<size_t>(o.batch * vocab));
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (float& v : x) v = dist(rng);

  const engine::kernels::MatmulTuning& host = engine::kernels::HostMatmulTuning();
  std::printf("%s weights, %.1f MB a step, batch %d, %d thread(s), isa %s, %s CPU, L1 %lld KiB, L2 %lld KiB, "
              "default streaming %s\n",
              engine::DTypeName(o.dtype), static_cast<double>(bytes) / 1e6, o.batch, o.threads,
              engine::IsaName(k.isa), engine::CpuVendorName(engine::HostCpuFeatures().vendor),
              static_cast<long long>(host.l1d_bytes >> 10), static_cast<long long>(host.l2_bytes >> 10),
              engine::kernels::StreamingName(host.streaming));
  const engine::kernels::Streaming modes[] = {engine::kernels::Streaming::kSequential,
                                              engine::kernels::Streaming::kInterleaved};
  const engine::kernels::MatmulTuning base = engine::kernels::HostMatmulTuning();
  // The roofline: a plain read of as many bytes, from a buffer each thread touched first.
  std::vector<float> read_buffer(bytes / sizeof(float));
#pragma omp parallel for num_threads(o.threads) schedule(static)
  for (size_t i = 0; i < read_buffer.size(); ++i) read_buffer[i] = 1.0f;
  volatile float sink = 0;
  std::vector<std::vector<Sample>> samples(std::size(modes));
  std::vector<Sample> reads;
  for (int round = 0; round < o.rounds; ++round) {
    for (size_t t = 0; t < std::size(modes); ++t) {
      engine::kernels::MatmulTuning tuning = base;
      tuning.streaming = modes[t];
      engine::kernels::SetMatmulTuning(tuning);
      const double w0 = WallSeconds(), c0 = CpuSeconds();
      constexpr int kSteps = 3;
      for (int s = 0; s < kSteps; ++s) {
#pragma omp parallel num_threads(o.threads)
        for (const Matrix& m : matrices) {
          Matmul(k, m, x.data(), o.batch, y.data(), omp_get_thread_num(), omp_get_num_threads());
#pragma omp barrier
        }
      }
      const double wall = WallSeconds() - w0, cpu = (CpuSeconds() - c0) / o.threads;
      const double moved = static_cast<double>(bytes) * kSteps / 1e9;
      samples[t].push_back(Sample{moved / wall, moved / cpu});
    }
    const double w0 = WallSeconds(), c0 = CpuSeconds();
    float total = 0;
    for (int s = 0; s < 3; ++s) {
#pragma omp parallel num_threads(o.threads) reduction(+ : total)
      {
        const size_t per = read_buffer.size() / static_cast<size_t>(omp_get_num_threads());
        total += k.sum_floats(read_buffer.data() + per * omp_get_thread_num(), per);
      }
    }
    sink = sink + total;
    const double wall = WallSeconds() - w0, cpu = (CpuSeconds() - c0) / o.threads;
    reads.push_back(Sample{3 * static_cast<double>(bytes) / 1e9 / wall, 3 * static_cast<double>(bytes) / 1e9 / cpu});
  }
  engine::kernels::SetMatmulTuning(base);
  auto column = [](const std::vector<Sample>& s, bool cpu) {
    std::vector<double> v;
    for (const Sample& x : s) v.push_back(cpu ? x.cpu_gbps : x.wall_gbps);
    return v;
  };
  const double read_wall = Best(column(reads, false)), read_cpu = Best(column(reads, true));
  // The instruction peak, for batches that are compute-bound.
  const engine::kernels::PeakLoop peak = k.peak_loop(o.dtype);
  const double peak_gops = engine::MeasurePeakGops(peak, o.threads);
  std::printf("%-18s %10s %10s %10s %10s %9s %10s %9s\n", "streaming", "best GB/s", "median", "GB/cpu-s", "median",
              "% read", "G ops/s", "% peak");
  std::printf("%-18s %10.1f %10.1f %10.1f %10.1f %8.1f%% %10.1f %8.1f%%  (%s peak)\n", "(read roofline)", read_wall,
              Median(column(reads, false)), read_cpu, Median(column(reads, true)), 100.0, peak_gops, 100.0, peak.name);
  for (size_t t = 0; t < std::size(modes); ++t) {
    const double best = Best(column(samples[t], false));
    // Weights are read once per step for the whole batch: ops per weight byte.
    const double gops = best * 2.0 * macs * o.batch / static_cast<double>(bytes);
    std::printf("%-18s %10.1f %10.1f %10.1f %10.1f %8.1f%% %10.1f %8.1f%%\n", engine::kernels::StreamingName(modes[t]),
                best, Median(column(samples[t], false)), Best(column(samples[t], true)), Median(column(samples[t], true)),
                100.0 * best / read_wall, gops, 100.0 * gops / peak_gops);
  }
  return 0;
}

}  // namespace
}  // namespace doomscope

int main(int argc, char** argv) {
  doomscope::Options o;
  if (!doomscope::Parse(argc, argv, &o)) return 2;
  return doomscope::Run(o);
}
