#include "runners/plan.h"

#include <algorithm>
#include <array>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "detectors/config_defaults.h"
#include "results/hash/sha256.h"

namespace doomscope {
namespace {

void AddField(Sha256* sha, std::string_view s) {
  uint64_t n = s.size();
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
  sha->Update(len, 8);
  sha->Update(s);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

bool IsShadowSample(uint64_t seed, double shadow_rate) {
  if (!(shadow_rate > 0)) return false;
  const double u = static_cast<double>(SplitMix64(seed ^ 0x736861646f77ull) >> 11) * 0x1.0p-53;
  return u < shadow_rate;
}

absl::StatusOr<Shard> ParseShard(std::string_view text) {
  if (text.empty()) return Shard{};
  size_t slash = text.find('/');
  int index = 0, count = 0;
  if (slash == std::string_view::npos ||
      !absl::SimpleAtoi(absl::string_view(text.data(), slash), &index) ||
      !absl::SimpleAtoi(absl::string_view(text.data() + slash + 1, text.size() - slash - 1), &count) ||
      count < 1 || index < 0 || index >= count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--shard: expected i/n with 0 <= i < n (e.g. 0/4), got \"", std::string(text), "\""));
  }
  return Shard{index, count};
}

std::string SampleId(std::string_view checkpoint, std::string_view task, std::string_view item_id,
                     std::string_view sampling, int rollout) {
  Sha256 sha;
  sha.Update("doomscope-sample/1");
  AddField(&sha, checkpoint);
  AddField(&sha, task);
  AddField(&sha, item_id);
  AddField(&sha, sampling);
  AddField(&sha, absl::StrCat(rollout));
  std::array<uint8_t, 32> digest = sha.Finish();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 16; ++i) {
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 15]);
  }
  return id;
}

uint64_t SampleSeed(uint64_t sampling_seed, std::string_view task, std::string_view item_id,
                    std::string_view sampling, int rollout) {
  Sha256 sha;
  sha.Update("doomscope-seed/1");
  AddField(&sha, absl::StrCat(sampling_seed));
  AddField(&sha, task);
  AddField(&sha, item_id);
  AddField(&sha, sampling);
  AddField(&sha, absl::StrCat(rollout));
  std::array<uint8_t, 32> digest = sha.Finish();
  uint64_t seed = 0;
  for (int i = 0; i < 8; ++i) seed = (seed << 8) | digest[i];
  return seed;
}

bool InShard(std::string_view sample_id, const Shard& shard) {
  if (shard.count <= 1) return true;
  uint64_t key = 0;
  for (size_t i = 0; i < 16 && i < sample_id.size(); ++i) key = (key << 4) | HexValue(sample_id[i]);
  return key % static_cast<uint64_t>(shard.count) == static_cast<uint64_t>(shard.index);
}

absl::StatusOr<int64_t> CheckPlan(const SuiteConfig& suite, const std::vector<std::vector<std::string>>& item_ids) {
  if (item_ids.size() != static_cast<size_t>(suite.task_size())) {
    return absl::InternalError("one item list per task expected");
  }
  int64_t rollouts = 0;  // per item, over the sampling configs
  for (const SamplingConfig& s : suite.sampling()) rollouts += std::max(0, s.samples());
  int64_t total = 0;
  for (int t = 0; t < suite.task_size(); ++t) {
    absl::flat_hash_set<std::string> seen;
    for (const std::string& id : item_ids[t]) {
      if (!seen.insert(id).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("task \"", suite.task(t).name(), "\": item id \"", id, "\" appears twice"));
      }
    }
    total += static_cast<int64_t>(item_ids[t].size()) * rollouts;
    if (total > kMaxPlannedSamples / std::max(1, suite.checkpoint_size())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the suite plans more than ", kMaxPlannedSamples,
          " samples (checkpoints x items x samples); lower sampling samples or task limits, or split the suite"));
    }
  }
  return total * suite.checkpoint_size();
}

void ForEachPlannedSample(const SuiteConfig& suite, const std::vector<std::vector<std::string>>& item_ids,
                          const Shard& shard, int checkpoint, const std::function<bool(PlannedSample)>& fn) {
  const double shadow_rate = ResolveConfig(suite.detector()).stream.shadow_rate;
  const int first = checkpoint < 0 ? 0 : checkpoint;
  const int last = checkpoint < 0 ? suite.checkpoint_size() : std::min(checkpoint + 1, suite.checkpoint_size());
  for (int c = first; c < last; ++c) {
    for (int t = 0; t < suite.task_size() && t < static_cast<int>(item_ids.size()); ++t) {
      for (int i = 0; i < static_cast<int>(item_ids[t].size()); ++i) {
        for (int s = 0; s < suite.sampling_size(); ++s) {
          const SamplingConfig& sampling = suite.sampling(s);
          for (int r = 0; r < sampling.samples(); ++r) {
            std::string id = SampleId(suite.checkpoint(c).name(), suite.task(t).name(), item_ids[t][i],
                                      sampling.name(), r);
            if (!InShard(id, shard)) continue;
            PlannedSample p;
            p.sample_id = std::move(id);
            p.checkpoint = c;
            p.task = t;
            p.item = i;
            p.sampling = s;
            p.rollout = r;
            p.seed = SampleSeed(sampling.seed(), suite.task(t).name(), item_ids[t][i], sampling.name(), r);
            p.early_stop = suite.early_stop() && !suite.task(t).expected_repetition();
            p.shadow = p.early_stop && IsShadowSample(p.seed, shadow_rate);
            if (!fn(std::move(p))) return;
          }
        }
      }
    }
  }
}

absl::StatusOr<std::vector<PlannedSample>> BuildPlan(const SuiteConfig& suite,
                                                     const std::vector<std::vector<std::string>>& item_ids,
                                                     const Shard& shard) {
  if (absl::StatusOr<int64_t> n = CheckPlan(suite, item_ids); !n.ok()) return n.status();
  std::vector<PlannedSample> plan;
  ForEachPlannedSample(suite, item_ids, shard, -1, [&](PlannedSample p) {
    plan.push_back(std::move(p));
    return true;
  });
  return plan;
}

}  // namespace doomscope
