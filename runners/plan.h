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
};

// Every sample of `suite` in `shard`, ordered by checkpoint, task, item,
// sampling and rollout as the suite lists them. `item_ids[t]` are the item ids
// of task t (after its limit). Duplicate item ids within a task are an error
// (they would share sample ids).
absl::StatusOr<std::vector<PlannedSample>> BuildPlan(const SuiteConfig& suite,
                                                     const std::vector<std::vector<std::string>>& item_ids,
                                                     const Shard& shard);

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_PLAN_H_
