#include "eval/jury/aggregate.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace doomscope::jury {

int EffectiveQuorum(const JuryConfig& jury) {
  if (jury.quorum() > 0) return jury.quorum();
  return jury.judge_size() / 2 + 1;
}

double EffectivePassThreshold(const JuryConfig& jury) {
  return jury.pass_threshold() > 0 ? jury.pass_threshold() : 0.5;
}

Aggregation EffectiveAggregation(const JuryConfig& jury) {
  return jury.aggregate() == AGGREGATION_UNSPECIFIED ? MEAN : jury.aggregate();
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double MajorityVote(std::span<const double> votes, double threshold, bool* tie_broken) {
  int pass = 0, fail = 0;
  double pass_margin = 0, fail_margin = 0;
  for (double v : votes) {
    if (v >= threshold) {
      ++pass;
      pass_margin += v - threshold;
    } else {
      ++fail;
      fail_margin += threshold - v;
    }
  }
  *tie_broken = pass == fail;
  if (pass != fail) return pass > fail ? 1 : 0;
  // Equal counts: the more confident side (mean distance from the threshold).
  return pass > 0 && pass_margin / pass > fail_margin / fail ? 1 : 0;
}

std::vector<double> MidRanks(std::span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double mid = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = mid;
    i = j + 1;
  }
  return ranks;
}

namespace {

// RANK_AVERAGE: per sample, the sum and count of its judges' scaled ranks.
void AddScaledRanks(std::span<const SampleVotes> samples, size_t judges, std::vector<double>* sum,
                    std::vector<int>* count) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < samples.size(); ++i) groups[samples[i].group].push_back(i);
  for (const auto& [group, members] : groups) {
    for (size_t j = 0; j < judges; ++j) {
      std::vector<size_t> voted;
      std::vector<double> values;
      for (size_t i : members) {
        if (j < samples[i].scores.size() && samples[i].scores[j].has_value()) {
          voted.push_back(i);
          values.push_back(*samples[i].scores[j]);
        }
      }
      if (voted.empty()) continue;
      const std::vector<double> ranks = MidRanks(values);
      for (size_t k = 0; k < voted.size(); ++k) {
        const double scaled = voted.size() == 1 ? 0.5 : (ranks[k] - 1) / static_cast<double>(voted.size() - 1);
        (*sum)[voted[k]] += scaled;
        ++(*count)[voted[k]];
      }
    }
  }
}

}  // namespace

std::vector<Aggregate> AggregateVotes(std::span<const SampleVotes> samples, const JuryConfig& jury) {
  const size_t judges = static_cast<size_t>(jury.judge_size());
  const int quorum = EffectiveQuorum(jury);
  const Aggregation how = EffectiveAggregation(jury);
  std::vector<double> rank_sum;
  std::vector<int> rank_count;
  if (how == RANK_AVERAGE) {
    rank_sum.assign(samples.size(), 0);
    rank_count.assign(samples.size(), 0);
    AddScaledRanks(samples, judges, &rank_sum, &rank_count);
  }
  std::vector<Aggregate> out(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    std::vector<double> votes;
    for (size_t j = 0; j < judges; ++j) {
      if (j < samples[i].scores.size() && samples[i].scores[j].has_value()) votes.push_back(*samples[i].scores[j]);
    }
    Aggregate& a = out[i];
    a.votes = static_cast<int>(votes.size());
    a.missing = static_cast<int>(judges) - a.votes;
    if (a.votes == 0 || a.votes < quorum) continue;
    a.scored = true;
    switch (how) {
      case MEDIAN:
        a.value = Median(votes);
        break;
      case MAJORITY:
        a.value = MajorityVote(votes, EffectivePassThreshold(jury), &a.tie_broken);
        break;
      case RANK_AVERAGE:
        a.value = rank_sum[i] / rank_count[i];
        break;
      default:
        a.value = std::accumulate(votes.begin(), votes.end(), 0.0) / static_cast<double>(votes.size());
        break;
    }
  }
  return out;
}

}  // namespace doomscope::jury
