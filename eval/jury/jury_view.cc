#include "eval/jury/jury_view.h"

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "eval/jury/agreement.h"

namespace doomscope::jury {
namespace {

json::Value OptionalNumber(const std::optional<double>& v) { return v.has_value() ? json::Value(*v) : json::Value(); }

// Abstention reasons grouped by their head ("timeout: ..." -> "timeout").
std::string ReasonClass(const std::string& reason) {
  const size_t colon = reason.find(':');
  return colon == std::string::npos ? reason : reason.substr(0, colon);
}

}  // namespace

std::string PromptGroup(const SampleRecord& r) {
  return absl::StrCat(r.checkpoint(), "\x1f", r.task(), "\x1f", r.item_id());
}

std::string JudgeKindName(const JudgeConfig& judge) {
  switch (judge.kind_case()) {
    case JudgeConfig::kRule:
      return absl::StrCat("rule:", RuleCheck_Name(judge.rule().check()));
    case JudgeConfig::kLogprob:
      return "logprob";
    case JudgeConfig::kOpenai:
      return "openai";
    default:
      return "unset";
  }
}

JuryView BuildJuryView(std::span<const SampleRecord> records, const JuryManifest& manifest,
                       const VoteLookup& lookup) {
  JuryView view;
  view.jury = manifest.jury();
  view.judges.assign(manifest.judge().begin(), manifest.judge().end());
  view.votes.resize(records.size());
  view.sample_votes.resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    SampleVotes& sv = view.sample_votes[i];
    sv.group = PromptGroup(records[i]);
    for (const JudgeIdentity& judge : view.judges) {
      const JudgeVote* vote = lookup(records[i].sample_id(), judge);
      view.votes[i].push_back(vote);
      if (vote != nullptr && !vote->abstained()) {
        sv.scores.push_back(vote->score());
      } else {
        sv.scores.push_back(std::nullopt);
      }
    }
  }
  view.aggregates = AggregateVotes(view.sample_votes, view.jury);
  return view;
}

json::Value SampleJuryJson(const JuryView& view, size_t sample) {
  const Aggregate& a = view.aggregates[sample];
  json::Value out;
  out.Set("aggregate", a.scored ? json::Value(a.value) : json::Value());
  out.Set("votes", a.votes);
  out.Set("missing", a.missing);
  json::Value judges{json::Object{}};
  for (size_t j = 0; j < view.judges.size(); ++j) {
    const JudgeVote* vote = view.votes[sample][j];
    json::Value v;
    if (vote != nullptr && vote->abstained()) {
      v.Set("abstained", vote->reason());
    } else if (vote != nullptr) {
      v.Set("score", vote->score());
      v.Set("raw", vote->raw());
    }
    judges.Set(view.judges[j].name(), std::move(v));
  }
  out.Set("judges", std::move(judges));
  return out;
}

json::Value JuryReportJson(const JuryView& view, std::span<const SampleRecord> records) {
  json::Value out;
  out.Set("aggregate", Aggregation_Name(EffectiveAggregation(view.jury)));
  out.Set("quorum", EffectiveQuorum(view.jury));
  int64_t scored = 0, below_quorum = 0, ties = 0;
  for (const Aggregate& a : view.aggregates) {
    scored += a.scored ? 1 : 0;
    below_quorum += a.scored ? 0 : 1;
    ties += a.tie_broken ? 1 : 0;
  }
  out.Set("samples", static_cast<int64_t>(records.size()));
  out.Set("scored", scored);
  out.Set("below_quorum", below_quorum);
  out.Set("majority_ties_broken", ties);

  json::Array judges;
  for (size_t j = 0; j < view.judges.size(); ++j) {
    int64_t votes = 0, abstentions = 0, retryable = 0, missing = 0;
    double sum = 0;
    std::map<std::string, int64_t> reasons;
    std::vector<double> judge_scores, task_scores;
    for (size_t i = 0; i < records.size(); ++i) {
      const JudgeVote* vote = view.votes[i][j];
      if (vote == nullptr) {
        ++missing;
      } else if (vote->abstained()) {
        ++abstentions;
        retryable += vote->retryable() ? 1 : 0;
        ++reasons[ReasonClass(vote->reason())];
      } else {
        ++votes;
        sum += vote->score();
        if (records[i].score().scored()) {
          judge_scores.push_back(vote->score());
          task_scores.push_back(records[i].score().score());
        }
      }
    }
    json::Value judge;
    judge.Set("name", view.judges[j].name());
    judge.Set("kind", j < static_cast<size_t>(view.jury.judge_size()) ? JudgeKindName(view.jury.judge(static_cast<int>(j)))
                                                                       : std::string("unset"));
    judge.Set("votes", votes);
    judge.Set("abstentions", abstentions);
    judge.Set("retryable_abstentions", retryable);
    judge.Set("missing", missing);
    judge.Set("mean_score", votes > 0 ? json::Value(sum / static_cast<double>(votes)) : json::Value());
    json::Value why{json::Object{}};
    for (const auto& [reason, n] : reasons) why.Set(reason, n);
    judge.Set("abstain_reasons", std::move(why));
    if (!judge_scores.empty()) {
      const TaskAgreement t = AgreementWithTask(judge_scores, task_scores);
      json::Value agreement;
      agreement.Set("n", t.n);
      agreement.Set("pearson", OptionalNumber(t.pearson));
      agreement.Set("alpha", OptionalNumber(t.alpha));
      agreement.Set("agreement", OptionalNumber(t.agreement));
      judge.Set("task_agreement", std::move(agreement));
    } else {
      judge.Set("task_agreement", json::Value());  // no task score to compare with
    }
    judges.push_back(std::move(judge));
  }
  out.Set("judges", json::Value(std::move(judges)));
  std::vector<std::vector<std::optional<double>>> units;
  units.reserve(view.sample_votes.size());
  for (const SampleVotes& sv : view.sample_votes) units.push_back(sv.scores);
  out.Set("alpha_interval", OptionalNumber(KrippendorffAlphaInterval(units)));

  // Mean aggregate per checkpoint, in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::pair<int64_t, double>> by_checkpoint;
  for (size_t i = 0; i < records.size(); ++i) {
    auto [it, inserted] = by_checkpoint.try_emplace(records[i].checkpoint(), 0, 0.0);
    if (inserted) order.push_back(records[i].checkpoint());
    if (view.aggregates[i].scored) {
      ++it->second.first;
      it->second.second += view.aggregates[i].value;
    }
  }
  json::Array rows;
  for (const std::string& c : order) {
    const auto& [n, sum] = by_checkpoint[c];
    json::Value row;
    row.Set("checkpoint", c);
    row.Set("scored", n);
    row.Set("mean_aggregate", n > 0 ? json::Value(sum / static_cast<double>(n)) : json::Value());
    rows.push_back(std::move(row));
  }
  out.Set("by_checkpoint", json::Value(std::move(rows)));
  return out;
}

}  // namespace doomscope::jury
