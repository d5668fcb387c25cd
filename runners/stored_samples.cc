#include "runners/stored_samples.h"

#include <filesystem>

#include "absl/container/flat_hash_map.h"
#include "results/run_dir.h"

namespace doomscope {
namespace {

template <typename Entries>
absl::flat_hash_map<std::string, int> IndexByName(const Entries& entries) {
  absl::flat_hash_map<std::string, int> index;
  for (int i = 0; i < entries.size(); ++i) index.emplace(entries.Get(i).name(), i);
  return index;
}

}  // namespace

absl::StatusOr<StoredSamples> ScanStoredSamples(const std::string& dir, const SuiteConfig& suite,
                                                const std::vector<std::vector<std::string>>& item_ids,
                                                const Shard& shard) {
  StoredSamples out;
  for (const CheckpointConfig& c : suite.checkpoint()) out.tallies.push_back({c.name(), 0, 0});
  std::error_code ec;
  if (!std::filesystem::exists(results::RecordsDir(dir), ec)) return out;
  absl::StatusOr<results::RunContents> contents = results::LoadRunDir(dir);
  if (!contents.ok()) return contents.status();

  const auto checkpoints = IndexByName(suite.checkpoint());
  const auto tasks = IndexByName(suite.task());
  const auto samplings = IndexByName(suite.sampling());
  std::vector<absl::flat_hash_set<std::string>> items(item_ids.size());
  for (size_t t = 0; t < item_ids.size(); ++t) items[t].insert(item_ids[t].begin(), item_ids[t].end());
  for (const SampleRecord& r : contents->records) {
    auto c = checkpoints.find(r.checkpoint());
    auto t = tasks.find(r.task());
    auto s = samplings.find(r.sampling());
    if (c == checkpoints.end() || t == tasks.end() || s == samplings.end()) continue;
    if (static_cast<size_t>(t->second) >= items.size() || !items[t->second].contains(r.item_id())) continue;
    if (r.rollout() < 0 || r.rollout() >= suite.sampling(s->second).samples()) continue;
    if (!InShard(r.sample_id(), shard) ||
        r.sample_id() != SampleId(r.checkpoint(), r.task(), r.item_id(), r.sampling(), r.rollout())) {
      continue;
    }
    if (!out.ids.insert(r.sample_id()).second) continue;
    ++out.tallies[c->second].done;
    if (r.findings().verdict().doom_loop()) ++out.tallies[c->second].doom_loops;
  }
  return out;
}

}  // namespace doomscope
