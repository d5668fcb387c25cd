// attention_bench: the attention of one layer alone, to compare the kernels'
// two ways of running many queries over one head's keys and values: one
// attention_head call per query ("heads", what the forward pass did first) or
// one attention_queries call for them all ("queries", blocks of positions
// read once for every query).
//
//   build/release/benchmarks/perf/attention_bench [--mode queries|heads] [--head-dim 64]
//       [--group 3] [--kv-heads 3] [--sequences 32] [--context 1024] [--rows 1] [--steps 20]
//
// Builds --sequences caches of --kv-heads heads and --context positions (the
// smollm2-135m shape by default: 3 key/value heads of 64, 3 query heads each),
// far larger than L2 together, and runs --steps times the attention of every
// (sequence, key/value head): --group query heads over all positions (batched
// decode) or, with --rows R > 1, R consecutive causal rows of one query head
// each (a prefill's rows, row r over context - R + 1 + r positions). Prints
// the time per step and the rate of key/value bytes; time the whole process
// from outside to compare modes.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "engine/kernels/kernels.h"

namespace doomscope {
namespace {

using engine::kernels::AttentionQuery;
using engine::kernels::KernelTable;

struct Options {
  bool queries = true;
  int head_dim = 64;
  int group = 3;
  int kv_heads = 3;
  int sequences = 32;
  int context = 1024;
  int rows = 1;
  int steps = 20;
};

bool ParseInt(const char* flag, const char* value, int lo, int hi, int* out) {
  if (!absl::SimpleAtoi(value, out) || *out < lo || *out > hi) {
    std::fprintf(stderr, "%s: '%s' is not an integer in [%d, %d]\n", flag, value, lo, hi);
    return false;
  }
  return true;
}

bool ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n", flag.c_str());
      return false;
    }
    const char* value = argv[++i];
    bool ok = true;
    if (flag == "--mode") {
      ok = std::strcmp(value, "queries") == 0 || std::strcmp(value, "heads") == 0;
      if (!ok) std::fprintf(stderr, "--mode: '%s' is neither queries nor heads\n", value);
      o->queries = std::strcmp(value, "queries") == 0;
    } else if (flag == "--head-dim") {
      ok = ParseInt("--head-dim", value, 1, 512, &o->head_dim);
    } else if (flag == "--group") {
      ok = ParseInt("--group", value, 1, 64, &o->group);
    } else if (flag == "--kv-heads") {
      ok = ParseInt("--kv-heads", value, 1, 64, &o->kv_heads);
    } else if (flag == "--sequences") {
      ok = ParseInt("--sequences", value, 1, 4096, &o->sequences);
    } else if (flag == "--context") {
      ok = ParseInt("--context", value, 1, 1 << 20, &o->context);
    } else if (flag == "--rows") {
      ok = ParseInt("--rows", value, 1, 4096, &o->rows);
    } else if (flag == "--steps") {
      ok = ParseInt("--steps", value, 1, 100000, &o->steps);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      ok = false;
    }
    if (!ok) return false;
  }
  if (o->rows > o->context) {
    std::fprintf(stderr, "--rows (%d) must not exceed --context (%d)\n", o->rows, o->context);
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  Options o;
  if (!ParseOptions(argc, argv, &o)) return 2;
  const KernelTable& k = engine::kernels::KernelsFor(engine::DefaultIsa());
  const size_t head_floats = static_cast<size_t>(o.context) * o.head_dim;
  const size_t caches = static_cast<size_t>(o.sequences) * o.kv_heads;
  // Values in [-1, 1) from a multiplicative hash: cheap to make, so the set-up
  // stays small beside the attention when the whole process is timed.
  auto fill = [](std::vector<float>& v, uint32_t seed) {
    for (size_t i = 0; i < v.size(); ++i) {
      const uint32_t h = (static_cast<uint32_t>(i) ^ seed) * 2654435761u;
      v[i] = static_cast<float>(h >> 16) / 32768.0f - 1.0f;
    }
  };
  std::vector<float> keys(caches * head_floats), values(caches * head_floats);
  fill(keys, 1);
  fill(values, 2);
  // One query per head of the group (decode) or per row (prefill).
  const int per_call = o.rows > 1 ? o.rows : o.group;
  std::vector<float> q(static_cast<size_t>(per_call) * o.head_dim), out(q.size());
  fill(q, 3);
  std::vector<AttentionQuery> queries(per_call);
  for (int i = 0; i < per_call; ++i) {
    const int n_pos = o.rows > 1 ? o.context - o.rows + 1 + i : o.context;
    queries[i] = AttentionQuery{q.data() + static_cast<size_t>(i) * o.head_dim, n_pos,
                                out.data() + static_cast<size_t>(i) * o.head_dim};
  }
  std::vector<float> scores(static_cast<size_t>(per_call) * o.context);
  double checksum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int step = 0; step < o.steps; ++step) {
    for (size_t c = 0; c < caches; ++c) {
      const float* kc = keys.data() + c * head_floats;
      const float* vc = values.data() + c * head_floats;
      if (o.queries) {
        k.attention_queries(queries, kc, vc, o.head_dim, o.head_dim, scores.data());
      } else {
        for (const AttentionQuery& query : queries) {
          k.attention_head(query.q, kc, vc, o.head_dim, query.n_pos, o.head_dim, scores.data(), query.out);
        }
      }
      checksum += out[0];
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double kv_bytes = 2.0 * caches * head_floats * sizeof(float) * o.steps;
  std::printf("%s isa %s: %d steps of %zu (sequence, kv head) caches, %d queries each over up to %d positions of %d\n",
              o.queries ? "attention_queries" : "attention_head per query", engine::IsaName(k.isa), o.steps, caches,
              per_call, o.context, o.head_dim);
  std::printf("%.3f ms a step, key/value bytes at %.1f GB/s (checksum %g)\n", 1e3 * seconds / o.steps,
              kv_bytes / seconds / 1e9, checksum);
  return 0;
}

}  // namespace
}  // namespace doomscope

int main(int argc, char** argv) { return doomscope::Main(argc, argv); }
