// tokenizer_bench: encoding speed of the Qwen3 tokenizer on GSM8K, in one run.
//
//   build/release/benchmarks/perf/tokenizer_bench [--passes N] [--shared DIR]
//
// Prints:
//   * tokenizer.json load time (parse + build), wall clock;
//   * encoding MB/s on one thread over GSM8K's questions and answers
//     (../shared/data/gsm8k/test.jsonl, ~0.75 MB of text), first pass (the
//     per-thread word cache cold) and best later pass (cache warm, as in a run
//     that tokenizes many prompts);
//   * a plain memory-read pass over the same bytes, the ratio's yardstick.
// Target (issue 11): >= 10 MB/s; transformers.js encodes this text at 0.44 MB/s.
// Times are thread CPU time so that other processes do not inflate them.
// --passes 0 only loads the tokenizer (the baseline when the whole process is timed
// A against B, pair by pair).
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/tokenizer_loader.h"
#include "results/json/jsonl.h"

namespace doomscope {
namespace {

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int Main(int argc, char** argv) {
  int passes = 5;
  std::string shared = std::getenv("DOOMSCOPE_SHARED") != nullptr ? std::getenv("DOOMSCOPE_SHARED") : "../shared";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--passes") == 0) passes = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--shared") == 0) shared = argv[i + 1];
  }
  const auto load_start = std::chrono::steady_clock::now();
  const double load_cpu_start = CpuSeconds();
  absl::StatusOr<engine::Tokenizer> tok = engine::OpenTokenizer(shared + "/tokenizers/qwen3/tokenizer.json");
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  const double load_cpu_s = CpuSeconds() - load_cpu_start;
  if (!tok.ok()) {
    std::fprintf(stderr, "tokenizer_bench: %s\n", std::string(tok.status().message()).c_str());
    return 2;
  }
  std::printf("qwen3 tokenizer.json load: %.0f ms wall, %.0f ms thread CPU (vocabulary %d)\n", load_s * 1e3,
              load_cpu_s * 1e3, tok->vocab_size());
  if (passes <= 0) return 0;

  std::vector<std::string> texts;
  size_t bytes = 0;
  absl::Status s = json::ReadJsonl(shared + "/data/gsm8k/test.jsonl", [&](int, json::Value v) {
    for (const char* key : {"question", "answer"}) {
      if (const json::Value* t = v.Find(key); t != nullptr && t->is_string()) {
        texts.push_back(t->as_string());
        bytes += texts.back().size();
      }
    }
    return absl::OkStatus();
  });
  if (!s.ok()) {
    std::fprintf(stderr, "tokenizer_bench: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  const double mb = static_cast<double>(bytes) / 1e6;

  size_t tokens = 0;
  double first = 0, best = 1e30;
  for (int p = 0; p < passes; ++p) {
    const double t0 = CpuSeconds();
    size_t n = 0;
    for (const std::string& t : texts) n += tok->Encode(t, false).size();
    const double dt = CpuSeconds() - t0;
    if (p == 0) first = dt;
    best = std::min(best, dt);
    tokens = n;
  }
  // The yardstick: read every byte once (a sum the compiler cannot drop).
  double read_best = 1e30;
  uint64_t sum = 0;
  for (int p = 0; p < 20; ++p) {
    const double t0 = CpuSeconds();
    for (const std::string& t : texts) {
      for (unsigned char c : t) sum += c;
    }
    read_best = std::min(read_best, CpuSeconds() - t0);
  }
  std::printf("gsm8k: %zu texts, %.2f MB, %zu tokens (%.2f bytes/token)\n", texts.size(), mb, tokens,
              static_cast<double>(bytes) / static_cast<double>(tokens));
  std::printf("encode, 1 thread, first pass (cold word cache): %.1f MB/s\n", mb / first);
  std::printf("encode, 1 thread, best of %d passes (warm):     %.1f MB/s\n", passes, mb / best);
  std::printf("plain memory read of the same bytes:           %.0f MB/s (checksum %llu)\n", mb / read_best,
              static_cast<unsigned long long>(sum));
  std::printf("encode / memory read: %.4f (cold) %.4f (warm)\n", read_best / first, read_best / best);
  return 0;
}

}  // namespace
}  // namespace doomscope

int main(int argc, char** argv) { return doomscope::Main(argc, argv); }
