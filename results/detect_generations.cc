#include "results/detect_generations.h"

#include <omp.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "detectors/analyze.h"
#include "detectors/detector_version.h"
#include "results/generations/finish_reason.h"
#include "results/generations/generations_reader.h"
#include "results/proto_json.h"
#include "results/stats/wilson.h"

namespace doomscope::results {
namespace {

// Lines analysed per parallel batch (bounds memory on large inputs).
constexpr size_t kBatch = 512;
// A batch is also cut once it holds this many bytes of text, so a few huge
// lines are not held together.
constexpr size_t kBatchBytes = 64u << 20;

struct Line {
  Generation gen;
  DetectorFindings findings;
};

// Fields of ours a group key must not shadow in an output line.
constexpr const char* kOwnFields[] = {"id", "doom_loop", "recovered_loop", "loop_any", "kind", "level", "capped",
                                      "finish_reason", "period", "repeats", "full_copies", "onset", "coverage",
                                      "unit_kind", "unit_preview", "seq_rep_4", "distinct_4", "ngram_loop",
                                      "findings"};

json::Value OutputLine(const Line& l, const std::vector<std::string>& group_by) {
  const DetectorFindings& f = l.findings;
  json::Object o;
  o.emplace_back("id", l.gen.id);
  for (size_t k = 0; k < group_by.size(); ++k) {
    if (std::find(std::begin(kOwnFields), std::end(kOwnFields), group_by[k]) == std::end(kOwnFields)) {
      o.emplace_back(group_by[k], json::Value(l.gen.kept[k]));
    }
  }
  o.emplace_back("doom_loop", json::Value(f.verdict().doom_loop()));
  o.emplace_back("recovered_loop", json::Value(f.runs().recovered_loop()));
  o.emplace_back("loop_any", json::Value(f.verdict().loop_any()));
  o.emplace_back("kind", json::Value(absl::AsciiStrToLower(LoopKind_Name(f.verdict().kind()))));
  o.emplace_back("level", json::Value(absl::AsciiStrToLower(Level_Name(f.level()))));
  o.emplace_back("capped", json::Value(f.capped()));
  o.emplace_back("finish_reason", json::Value(f.finish_reason() == FINISH_REASON_UNSPECIFIED
                                                   ? std::string_view()
                                                   : FinishReasonName(f.finish_reason())));
  o.emplace_back("period", json::Value(f.tail().period_units()));
  o.emplace_back("repeats", json::Value(f.tail().repeats()));
  o.emplace_back("full_copies", json::Value(f.tail().full_copies()));
  o.emplace_back("onset", json::Value(f.tail().onset_units()));
  o.emplace_back("coverage", json::Value(f.tail().coverage()));
  o.emplace_back("unit_kind", json::Value(f.tail().unit_kind() == UNIT_KIND_UNSPECIFIED
                                               ? std::string()
                                               : absl::AsciiStrToLower(UnitKind_Name(f.tail().unit_kind()))));
  o.emplace_back("unit_preview", json::Value(f.tail().unit_preview()));
  o.emplace_back("seq_rep_4", json::Value(f.ngram().seq_rep_4()));
  o.emplace_back("distinct_4", json::Value(f.ngram().distinct_4()));
  o.emplace_back("ngram_loop", json::Value(f.ngram().pipis_loop()));
  o.emplace_back("findings", MessageToJson(f));
  return json::Value(std::move(o));
}

void Count(const DetectorFindings& f, DetectGroup* g) {
  ++g->n;
  g->doom += f.verdict().doom_loop();
  g->recovered += f.runs().recovered_loop();
  g->loop_any += f.verdict().loop_any();
  g->capped += f.capped();
  g->ngram += f.ngram().pipis_loop();
}

std::string Fixed3(double v) { return absl::StrFormat("%.3f", v); }

json::Value GroupJson(const DetectGroup& g, const std::vector<std::string>& group_by) {
  json::Object key;
  for (size_t k = 0; k < group_by.size() && k < g.key.size(); ++k) key.emplace_back(group_by[k], json::Value(g.key[k]));
  const Interval ci = WilsonInterval(static_cast<double>(g.doom), static_cast<double>(g.n));
  json::Object o;
  if (!group_by.empty()) o.emplace_back("key", json::Value(std::move(key)));
  o.emplace_back("n", json::Value(g.n));
  o.emplace_back("doom_loops", json::Value(g.doom));
  o.emplace_back("ratio", json::Value(g.n > 0 ? static_cast<double>(g.doom) / static_cast<double>(g.n) : 0.0));
  o.emplace_back("ci95", json::Value(json::Array{json::Value(ci.lo), json::Value(ci.hi)}));
  o.emplace_back("recovered_loops", json::Value(g.recovered));
  o.emplace_back("loop_any", json::Value(g.loop_any));
  o.emplace_back("capped", json::Value(g.capped));
  o.emplace_back("ngram_loops", json::Value(g.ngram));
  return json::Value(std::move(o));
}

// Analyses a batch in parallel, then writes and counts it in input order.
class BatchRunner {
 public:
  BatchRunner(const DetectOptions& options, json::AtomicFileWriter* writer, DetectSummary* summary)
      : options_(options), writer_(writer), summary_(summary) {}

  absl::Status Add(Generation gen) {
    batch_bytes_ += gen.text.size() + (gen.tokens ? gen.tokens->size() * sizeof(int32_t) : 0);
    batch_.push_back(Line{std::move(gen), {}});
    if (batch_.size() >= kBatch || batch_bytes_ >= kBatchBytes) return Flush();
    return absl::OkStatus();
  }

  absl::Status Flush() {
    const int n = static_cast<int>(batch_.size());
    // One huge line gets the machine to itself: parallel copies of the
    // detectors' per-unit buffers would multiply its memory.
    const int threads = batch_bytes_ >= kBatchBytes ? 1 : std::max(1, options_.threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int i = 0; i < n; ++i) {
      Line& l = batch_[static_cast<size_t>(i)];
      SampleText s;
      s.text = l.gen.text;
      s.prompt = l.gen.prompt;
      if (l.gen.tokens) s.tokens = std::span<const int32_t>(*l.gen.tokens);
      s.finish_reason = l.gen.finish_reason;
      s.assume_capped = options_.assume_capped;
      s.max_new_tokens = l.gen.max_new_tokens;
      s.effective_max_tokens = l.gen.effective_max_tokens;
      s.detected_at = l.gen.detected_at;
      l.findings = AnalyzeSample(s, options_.config);
    }
    absl::Status io;
    for (Line& l : batch_) {
      if (writer_ != nullptr && io.ok()) io = writer_->WriteLine(OutputLine(l, options_.group_by));
      const std::string key = absl::StrJoin(l.gen.kept, std::string(1, '\x1f'));
      auto [it, inserted] = group_index_.try_emplace(key, summary_->groups.size());
      if (inserted) summary_->groups.push_back(DetectGroup{l.gen.kept});
      Count(l.findings, &summary_->groups[it->second]);
      Count(l.findings, &summary_->total);
    }
    batch_.clear();
    batch_bytes_ = 0;
    return io;
  }

 private:
  const DetectOptions& options_;
  json::AtomicFileWriter* writer_;
  DetectSummary* summary_;
  std::vector<Line> batch_;
  size_t batch_bytes_ = 0;
  absl::flat_hash_map<std::string, size_t> group_index_;
};

}  // namespace

bool IsIoFailure(const absl::Status& status) {
  return status.code() == absl::StatusCode::kDataLoss || status.code() == absl::StatusCode::kInternal ||
         status.code() == absl::StatusCode::kUnavailable;
}

absl::StatusOr<DetectSummary> DetectGenerations(const DetectOptions& options) {
  std::unique_ptr<json::AtomicFileWriter> writer;
  if (!options.output.empty()) {
    writer = std::make_unique<json::AtomicFileWriter>(options.output);
    if (absl::Status st = writer->Open(); !st.ok()) return st;
  }
  DetectSummary summary;
  BatchRunner runner(options, writer.get(), &summary);
  GenerationsOptions read;
  read.allow_token_only = true;
  read.keep_fields = options.group_by;
  read.max_line_bytes = options.max_line_bytes;
  absl::Status io;  // a write failure stops the read but is reported as I/O
  absl::Status st = ReadGenerations(
      options.input, read,
      [&](Generation g) -> absl::Status {
        io = runner.Add(std::move(g));
        return io.ok() ? absl::OkStatus() : absl::CancelledError("write failed");
      },
      options.skip_invalid ? std::function<void(const absl::Status&)>([&](const absl::Status& bad) {
        if (summary.skipped++ == 0) summary.first_skipped = std::string(bad.message());
      })
                           : nullptr);
  if (!io.ok()) return io;
  if (!st.ok()) {
    // An unreadable input is an I/O failure only when the read itself failed.
    if (st.code() == absl::StatusCode::kUnavailable) return absl::DataLossError(st.message());
    return absl::InvalidArgumentError(st.message());
  }
  if (absl::Status fst = runner.Flush(); !fst.ok()) return fst;
  if (writer != nullptr) {
    if (absl::Status cst = writer->Commit(); !cst.ok()) return cst;
  }
  return summary;
}

std::string DetectTable(const std::vector<std::string>& group_by, const DetectSummary& summary) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"group", "n", "doom loops", "ratio", "95% CI", "recovered", "capped", "ngram loop"});
  auto row = [&](const std::string& name, const DetectGroup& g) {
    const Interval ci = WilsonInterval(static_cast<double>(g.doom), static_cast<double>(g.n));
    rows.push_back({name, absl::StrCat(g.n), absl::StrCat(g.doom),
                    g.n > 0 ? Fixed3(static_cast<double>(g.doom) / static_cast<double>(g.n)) : "-",
                    absl::StrCat("[", Fixed3(ci.lo), ", ", Fixed3(ci.hi), "]"), absl::StrCat(g.recovered),
                    absl::StrCat(g.capped), absl::StrCat(g.ngram)});
  };
  for (const DetectGroup& g : summary.groups) {
    std::vector<std::string> parts;
    for (size_t k = 0; k < group_by.size(); ++k) {
      parts.push_back(absl::StrCat(group_by[k], "=", g.key[k].empty() ? "(none)" : g.key[k]));
    }
    row(absl::StrJoin(parts, " "), g);
  }
  if (group_by.empty() || summary.groups.size() != 1) row("all", summary.total);
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::string out;
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) {
      const std::string& cell = r[c];
      if (c == 0) {
        absl::StrAppend(&out, cell, std::string(width[c] - cell.size(), ' '));
      } else {
        absl::StrAppend(&out, "  ", std::string(width[c] - cell.size(), ' '), cell);
      }
    }
    out += '\n';
  }
  if (summary.skipped > 0) absl::StrAppend(&out, "(", summary.skipped, " invalid lines skipped)\n");
  return out;
}

json::Value DetectSummaryJson(const DetectOptions& options, const DetectSummary& summary) {
  json::Array groups;
  for (const DetectGroup& g : summary.groups) groups.push_back(GroupJson(g, options.group_by));
  json::Object o;
  o.emplace_back("input", json::Value(options.input));
  if (!options.output.empty()) o.emplace_back("output", json::Value(options.output));
  o.emplace_back("detector_version", json::Value(kDetectorVersion));
  o.emplace_back("lines", json::Value(summary.total.n));
  o.emplace_back("skipped", json::Value(summary.skipped));
  o.emplace_back("groups", json::Value(std::move(groups)));
  o.emplace_back("total", GroupJson(summary.total, {}));
  return json::Value(std::move(o));
}

}  // namespace doomscope::results
