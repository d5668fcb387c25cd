#include "runners/plan.h"

#include <array>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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

}  // namespace

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

absl::StatusOr<std::vector<PlannedSample>> BuildPlan(const SuiteConfig& suite,
                                                     const std::vector<std::vector<std::string>>& item_ids,
                                                     const Shard& shard) {
  if (item_ids.size() != static_cast<size_t>(suite.task_size())) {
    return absl::InternalError("BuildPlan: one item list per task expected");
  }
  for (int t = 0; t < suite.task_size(); ++t) {
    absl::flat_hash_set<std::string> seen;
    for (const std::string& id : item_ids[t]) {
      if (!seen.insert(id).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("task \"", suite.task(t).name(), "\": item id \"", id, "\" appears twice"));
      }
    }
  }
  std::vector<PlannedSample> plan;
  for (int c = 0; c < suite.checkpoint_size(); ++c) {
    for (int t = 0; t < suite.task_size(); ++t) {
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
            plan.push_back(std::move(p));
          }
        }
      }
    }
  }
  return plan;
}

}  // namespace doomscope
