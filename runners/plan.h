// The plan of a run: every sample (checkpoint, task, item, sampling config,
// rollout) with a stable id, and the deterministic shard slice.
//
// Sample id: the first 128 bits, as 32 lower-case hex digits, of
//   SHA-256("doomscope-sample/1" || F(checkpoint) || F(task) || F(item_id)
//           || F(sampling) || F(decimal rollout))
// where F(s) = 8-byte little-endian length of s followed by s's bytes. It
// names only those five strings, never positions in the suite, so reordering
// or adding suite entries keeps every existing id, and a rerun into the same
// folder recognises what is stored.
//
// Shard: a sample belongs to shard i of n (0-based, 0 <= i < n) when the
// first 64 bits of its id, read big-endian from the hex, are i modulo n. The
// slices are disjoint, cover the plan, and do not depend on the suite order.
//
// Shadow: an early-stop sample is a shadow sample when
//   SplitMix64(seed XOR 0x736861646f77) / 2^64 < stream.shadow_rate.
//
// Seed: a sample's RNG seed is the first 64 bits of
//   SHA-256("doomscope-seed/1" || F(decimal sampling.seed) || F(task)
//           || F(item_id) || F(sampling) || F(decimal rollout)).
// It leaves the checkpoint out on purpose: every checkpoint draws rollout r of
// an item with the same random numbers (common random numbers make stage-to-
// stage comparisons less noisy), and the same seed gives the same tokens
// whatever the batch or thread count.
#ifndef DOOMSCOPE_RUNNERS_PLAN_H_
#define DOOMSCOPE_RUNNERS_PLAN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "results/proto/suite.pb.h"

namespace doomscope {

struct Shard {
  int index = 0;  // 0-based
  int count = 1;
};

// Parses "i/n" (0 <= i < n, n >= 1); "" is the whole plan (0/1).
absl::StatusOr<Shard> ParseShard(std::string_view text);

std::string SampleId(std::string_view checkpoint, std::string_view task, std::string_view item_id,
                     std::string_view sampling, int rollout);
uint64_t SampleSeed(uint64_t sampling_seed, std::string_view task, std::string_view item_id,
                    std::string_view sampling, int rollout);
// Whether the sample with this id belongs to `shard`.
bool InShard(std::string_view sample_id, const Shard& shard);

struct PlannedSample {
  std::string sample_id;
  int checkpoint = 0;  // index into SuiteConfig.checkpoint
  int task = 0;        // index into SuiteConfig.task
  int item = 0;        // index into the task's items
  int sampling = 0;    // index into SuiteConfig.sampling
  int rollout = 0;     // 0 .. samples-1
  uint64_t seed = 0;
  // The streaming rule stops the sample (suite early_stop, and the task does
  // not expect repetition)...
  bool early_stop = false;
  // ...unless it is one of the stream.shadow_rate of them that run on to the
  // cap to measure how often loops escape: drawn from the seed, so a resumed
  // or sharded run picks the same ones.
  bool shadow = false;
};

// Whether the sample with this seed is a shadow sample at `shadow_rate`.
bool IsShadowSample(uint64_t seed, double shadow_rate);

// The most samples a suite may plan (checkpoints x items x rollouts, before
// sharding): planning and resuming stay bounded in time and memory.
inline constexpr int64_t kMaxPlannedSamples = 100'000'000;

// `item_ids[t]` are the item ids of task t (after its limit). Errors:
// duplicate item ids within a task (they would share sample ids), a plan
// larger than kMaxPlannedSamples. Returns the number of planned samples
// (all shards).
absl::StatusOr<int64_t> CheckPlan(const SuiteConfig& suite, const std::vector<std::vector<std::string>>& item_ids);

// Calls `fn` for every sample of checkpoint index `checkpoint` (-1: of every
// checkpoint) in `shard`, in plan order (checkpoint, task, item, sampling,
// rollout as the suite lists them), without holding the plan in memory. `fn`
// returns false to stop early.
void ForEachPlannedSample(const SuiteConfig& suite, const std::vector<std::vector<std::string>>& item_ids,
                          const Shard& shard, int checkpoint, const std::function<bool(PlannedSample)>& fn);

// The whole plan of `shard` at once (CheckPlan, then every sample in order).
absl::StatusOr<std::vector<PlannedSample>> BuildPlan(const SuiteConfig& suite,
                                                     const std::vector<std::vector<std::string>>& item_ids,
                                                     const Shard& shard);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_PLAN_H_
