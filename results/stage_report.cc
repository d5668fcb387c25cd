#include "results/stage_report.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "results/stats/stats.h"

namespace doomscope::results {
namespace {

// Tokens the generation was allowed: the detector's effective budget, else the
// configured one, else what was generated (a sample with no budget wastes nothing).
double Budget(const SampleRecord& r) {
  const DetectorFindings& f = r.findings();
  if (f.effective_max_tokens() > 0) return static_cast<double>(f.effective_max_tokens());
  if (r.max_new_tokens() > 0) return static_cast<double>(r.max_new_tokens());
  return static_cast<double>(f.n_generated_tokens() > 0 ? f.n_generated_tokens() : r.tokens_size());
}

double NewTokens(const SampleRecord& r) {
  const int64_t n = r.findings().n_generated_tokens();
  return static_cast<double>(n > 0 ? n : r.tokens_size());
}

// Where the loop starts, in tokens: the tail onset at the token level; at the
// character level its fraction of the output scaled to the tokens generated.
double OnsetTokens(const SampleRecord& r) {
  const DetectorFindings& f = r.findings();
  if (f.level() == TOKEN) return static_cast<double>(f.tail().onset_units());
  return f.tail().onset_frac() * NewTokens(r);
}

double Ratio(int64_t k, int64_t n) { return n > 0 ? static_cast<double>(k) / static_cast<double>(n) : 0.0; }

std::pair<std::string, int32_t> PairKey(const SampleRecord& r) { return {r.item_id(), r.rollout()}; }

struct CellId {
  std::string task, sampling;
  int stage_order;
  int64_t step;
  std::string checkpoint;
  auto Tie() const { return std::tie(task, sampling, stage_order, step, checkpoint); }
  bool operator<(const CellId& o) const { return Tie() < o.Tie(); }
};

}  // namespace

const char* StageName(Stage stage) {
  switch (stage) {
    case PRETRAIN: return "PRETRAIN";
    case SFT: return "SFT";
    case DPO: return "DPO";
    case RL: return "RL";
    case OTHER: return "OTHER";
    default: return "UNSPECIFIED";
  }
}

int StageOrder(Stage stage) {
  switch (stage) {
    case PRETRAIN: return 0;
    case SFT: return 1;
    case DPO: return 2;
    case RL: return 3;
    case OTHER: return 4;
    default: return 5;
  }
}

StageRow ComputeRow(const CellKey& key, const std::vector<const SampleRecord*>& records) {
  StageRow row;
  row.key = key;
  row.n = static_cast<int64_t>(records.size());
  // Per-prompt counts for the clustered intervals, in first-seen order.
  absl::flat_hash_map<std::string, size_t> cluster_index;
  std::vector<ClusterCount> loops, accuracy;
  double seq_rep_4 = 0, new_tokens = 0, wasted = 0, budget = 0, think_tokens = 0;
  for (const SampleRecord* r : records) {
    const DetectorFindings& f = r->findings();
    auto [it, inserted] = cluster_index.try_emplace(r->item_id(), loops.size());
    if (inserted) {
      loops.emplace_back();
      accuracy.emplace_back();
    }
    ClusterCount& lc = loops[it->second];
    ++lc.n;
    const bool doom = f.verdict().doom_loop();
    if (doom) {
      ++row.doom_loops;
      ++lc.successes;
      const double b = Budget(*r);
      wasted += std::clamp(b - OnsetTokens(*r), 0.0, b);
      if (r->score().answer_extractable()) ++row.looped_but_extractable;
    }
    if (f.runs().recovered_loop()) ++row.recovered_loops;
    if (f.ngram().pipis_loop()) ++row.ngram_loops;
    if (f.verdict().loop_any()) ++row.loop_any;
    if (f.near().periodic()) ++row.near_loops;
    if (f.capped()) ++row.cap_hits;
    if (f.verdict().kind() == CAP_NO_LOOP) ++row.cap_no_loop;
    if (f.early_stopped()) ++row.early_stops;
    if (f.think().opened()) {
      ++row.think_opened;
      if (!f.think().closed()) ++row.think_unclosed;
      if (doom && f.segment() == THINK) ++row.think_doom_loops;
      think_tokens += static_cast<double>(f.think().tokens());
    }
    seq_rep_4 += f.ngram().seq_rep_4();
    new_tokens += NewTokens(*r);
    budget += Budget(*r);
    if (r->shadow().shadow()) {
      ++row.shadow_samples;
      if (r->shadow().fired()) ++row.shadow_fired;
      if (r->shadow().escaped()) ++row.shadow_escaped;
    }
    if (r->score().scored()) {
      row.has_accuracy = true;
      ++row.n_scored;
      ClusterCount& ac = accuracy[it->second];
      ++ac.n;
      if (r->score().correct()) {
        ++row.correct;
        ++ac.successes;
      }
    }
  }
  row.n_prompts = static_cast<int64_t>(loops.size());
  row.doom_loop_ratio = Ratio(row.doom_loops, row.n);
  const Interval ci = RatioInterval(loops);
  row.ci_low = ci.lo;
  row.ci_high = ci.hi;
  row.recovered_rate = Ratio(row.recovered_loops, row.n);
  row.ngram_loop_rate = Ratio(row.ngram_loops, row.n);
  row.loop_any_rate = Ratio(row.loop_any, row.n);
  row.near_loop_rate = Ratio(row.near_loops, row.n);
  row.cap_hit_rate = Ratio(row.cap_hits, row.n);
  row.cap_no_loop_rate = Ratio(row.cap_no_loop, row.n);
  row.early_stop_rate = Ratio(row.early_stops, row.n);
  if (row.n > 0) {
    row.mean_seq_rep_4 = seq_rep_4 / static_cast<double>(row.n);
    row.mean_new_tokens = new_tokens / static_cast<double>(row.n);
  }
  row.wasted_token_share = budget > 0 ? wasted / budget : 0.0;
  if (row.think_opened > 0) row.mean_think_tokens = think_tokens / static_cast<double>(row.think_opened);
  if (row.shadow_fired > 0) {
    row.escape_rate = Ratio(row.shadow_escaped, row.shadow_fired);
    const Interval eci = WilsonInterval(row.shadow_escaped, row.shadow_fired);
    row.escape_ci_low = eci.lo;
    row.escape_ci_high = eci.hi;
  }
  if (row.has_accuracy) {
    row.accuracy = Ratio(row.correct, row.n_scored);
    const Interval aci = RatioInterval(accuracy);
    row.acc_ci_low = aci.lo;
    row.acc_ci_high = aci.hi;
  }
  return row;
}

Transition ComparePaired(const CellKey& from_key, const std::vector<const SampleRecord*>& from,
                         const CellKey& to_key, const std::vector<const SampleRecord*>& to) {
  Transition t;
  t.from = from_key;
  t.to = to_key;
  std::map<std::pair<std::string, int32_t>, const SampleRecord*> before;
  for (const SampleRecord* r : from) before.emplace(PairKey(*r), r);
  for (const SampleRecord* r : to) {
    auto it = before.find(PairKey(*r));
    if (it == before.end()) continue;
    const SampleRecord& a = *it->second;
    before.erase(it);  // one pair per key even if `to` repeats it
    ++t.n_paired;
    const bool was = a.findings().verdict().doom_loop();
    const bool is = r->findings().verdict().doom_loop();
    if (!was && is) ++t.newly_looping;
    if (was && !is) ++t.recovered;
    if (a.score().scored() && r->score().scored()) {
      t.has_accuracy = true;
      ++t.n_acc_paired;
      if (!a.score().correct() && r->score().correct()) ++t.acc_gained;
      if (a.score().correct() && !r->score().correct()) ++t.acc_lost;
    }
  }
  t.doom_loop_delta = Ratio(t.newly_looping - t.recovered, t.n_paired);
  t.mcnemar_p = McNemarExactP(t.newly_looping, t.recovered);
  if (t.has_accuracy) {
    t.accuracy_delta = Ratio(t.acc_gained - t.acc_lost, t.n_acc_paired);
    t.accuracy_p = McNemarExactP(t.acc_gained, t.acc_lost);
  }
  return t;
}

StageReport BuildStageReport(const std::vector<SampleRecord>& records) {
  std::map<CellId, std::pair<CellKey, std::vector<const SampleRecord*>>> cells;
  for (const SampleRecord& r : records) {
    CellId id{r.task(), r.sampling(), StageOrder(r.stage()), r.checkpoint_step(), r.checkpoint()};
    auto& cell = cells[id];
    if (cell.second.empty()) {
      cell.first = CellKey{r.checkpoint(), r.stage(), r.task(), r.sampling(), r.checkpoint_step()};
    }
    cell.second.push_back(&r);
  }
  StageReport report;
  using Cell = std::pair<CellKey, std::vector<const SampleRecord*>>;
  std::map<std::tuple<std::string, std::string, std::string>, const Cell*> by_checkpoint;  // task, sampling, name
  for (const auto& [id, cell] : cells) by_checkpoint[{id.task, id.sampling, id.checkpoint}] = &cell;
  const CellId* prev_id = nullptr;
  const Cell* prev = nullptr;
  for (const auto& [id, cell] : cells) {
    report.rows.push_back(ComputeRow(cell.first, cell.second));
    const std::string& parent = cell.second.front()->checkpoint_parent();
    report.rows.back().parent = parent;
    const bool same_group = prev_id != nullptr && prev_id->task == id.task && prev_id->sampling == id.sampling;
    const Cell* from = same_group ? prev : nullptr;
    if (!parent.empty()) {
      auto it = by_checkpoint.find({id.task, id.sampling, parent});
      if (it != by_checkpoint.end()) from = it->second;
    }
    if (from != nullptr) report.transitions.push_back(ComparePaired(from->first, from->second, cell.first, cell.second));
    prev_id = &id;
    prev = &cell;
  }
  return report;
}

}  // namespace doomscope::results
