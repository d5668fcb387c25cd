// `doomscope detect --input GEN.jsonl [--output FINDINGS.jsonl] [--group_by model,task] [--json]
//                   [--assume_capped] [--skip_invalid] [--detector_config FILE.textproto] [--threads N]`
//
// The detectors alone, on any model's stored generations. Input lines: `id`
// (string or integer), `text` and/or `tokens` (generated ids; the token level
// is used when present), `finish_reason` (stop | eos | length | loop | error;
// without one a line counts as capped only with --assume_capped, or when its
// token count reaches max_new_tokens), optional `max_new_tokens`,
// `effective_max_tokens` and `detected_at` (for "loop": the token at which a
// streaming stop fired). Other fields are kept as group keys.
//
// Output: one JSON object per input line, in input order, with the headline
// fields and the full findings under "findings"; written to a temporary file
// and renamed at the end, so a failed run leaves --output untouched. Stdout:
// per group, n, doom loops and the doom-loop ratio with its Wilson 95%
// interval (--json: the same as one JSON object).
//
// Exit codes: 0 ok, 1 I/O failure, 2 bad input (a malformed line names file,
// line and field; --skip_invalid turns it into a counted warning).
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "detectors/analyze.h"
#include "detectors/config_defaults.h"
#include "detectors/detector_version.h"
#include "detectors/wilson.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "results/json/jsonl.h"
#include "runners/command.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_FLAG(std::string, group_by, "", "detect: comma-separated input fields to group the summary by (e.g. model,task).");
ABSL_FLAG(bool, assume_capped, false,
          "detect: count lines without a finish_reason as capped (they ran out of token budget).");
ABSL_FLAG(bool, skip_invalid, false, "detect: skip malformed input lines with a counted warning instead of failing.");
ABSL_FLAG(std::string, detector_config, "",
          "detect: DetectorConfig overrides in protobuf text format (e.g. tail { k_min: 4 }); unset fields keep "
          "the DETECTORS.md defaults.");

namespace doomscope {
namespace {

namespace pb = google::protobuf;

// Lines analysed per parallel batch (bounds memory on large inputs).
constexpr size_t kBatch = 512;

struct Line {
  int line_no = 0;
  json::Value id;
  std::string text;
  std::optional<std::vector<int32_t>> tokens;
  FinishReason finish = FINISH_REASON_UNSPECIFIED;
  int64_t max_new_tokens = 0;
  int64_t effective_max_tokens = 0;
  int64_t detected_at = 0;
  std::vector<std::string> group;  // values of the --group_by keys
  DetectorFindings findings;
};

absl::Status FieldError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("field '", std::string(field), "': ", std::string(what)));
}

absl::StatusOr<FinishReason> ParseFinish(const std::string& s) {
  if (s == "stop") return STOP;
  if (s == "eos") return EOS;
  if (s == "length") return LENGTH;
  if (s == "loop") return LOOP;
  if (s == "error") return ERROR;
  return FieldError("finish_reason", absl::StrCat("unknown value \"", s, "\" (stop, eos, length, loop, error)"));
}

absl::StatusOr<int64_t> OptionalCount(const json::Value& v, std::string_view field, int64_t min) {
  const json::Value* f = v.Find(field);
  if (f == nullptr || f->is_null()) return int64_t{0};
  if (!f->is_int() || f->as_int() < min) {
    return FieldError(field, absl::StrCat("must be an integer >= ", min));
  }
  return f->as_int();
}

// A group key's value in one line: scalars as text, "" when absent.
std::string GroupValue(const json::Value& v, const std::string& key) {
  const json::Value* f = v.Find(key);
  if (f == nullptr || f->is_null()) return "";
  if (f->is_string()) return f->as_string();
  if (f->is_array() || f->is_object()) return json::Serialize(*f);
  return json::Serialize(*f);
}

absl::Status ParseLine(const json::Value& v, const std::vector<std::string>& group_by, Line* out) {
  if (!v.is_object()) return absl::InvalidArgumentError("expected a JSON object");
  const json::Value* id = v.Find("id");
  if (id == nullptr) return FieldError("id", "missing");
  if (!(id->is_string() || id->is_int())) return FieldError("id", "must be a string or an integer");
  out->id = *id;
  const json::Value* text = v.Find("text");
  if (text != nullptr && !text->is_null()) {
    if (!text->is_string()) return FieldError("text", "must be a string");
    out->text = text->as_string();
  }
  const json::Value* tokens = v.Find("tokens");
  if (tokens != nullptr && !tokens->is_null()) {
    if (!tokens->is_array()) return FieldError("tokens", "must be an array of token ids");
    std::vector<int32_t> ids;
    ids.reserve(tokens->as_array().size());
    for (size_t i = 0; i < tokens->as_array().size(); ++i) {
      const json::Value& t = tokens->as_array()[i];
      if (!t.is_int() || t.as_int() < 0 || t.as_int() > INT32_MAX) {
        return FieldError("tokens", absl::StrCat("element ", i, " is not a token id (an integer in [0, 2^31))"));
      }
      ids.push_back(static_cast<int32_t>(t.as_int()));
    }
    out->tokens = std::move(ids);
  }
  if ((text == nullptr || text->is_null()) && !out->tokens) return FieldError("text", "missing (give text and/or tokens)");
  const json::Value* finish = v.Find("finish_reason");
  if (finish != nullptr && !finish->is_null()) {
    if (!finish->is_string()) return FieldError("finish_reason", "must be a string");
    auto f = ParseFinish(finish->as_string());
    if (!f.ok()) return f.status();
    out->finish = *f;
  }
  auto max_new = OptionalCount(v, "max_new_tokens", 1);
  if (!max_new.ok()) return max_new.status();
  out->max_new_tokens = *max_new;
  auto effective = OptionalCount(v, "effective_max_tokens", 1);
  if (!effective.ok()) return effective.status();
  out->effective_max_tokens = *effective;
  auto detected = OptionalCount(v, "detected_at", 0);
  if (!detected.ok()) return detected.status();
  out->detected_at = *detected;
  out->group.clear();
  for (const std::string& key : group_by) out->group.push_back(GroupValue(v, key));
  return absl::OkStatus();
}

// "tail_loop" for TAIL_LOOP; every *_UNSPECIFIED zero value reads "unspecified".
std::string LowerEnumName(const pb::EnumValueDescriptor* e) {
  if (e == nullptr || e->number() == 0) return "unspecified";
  return absl::AsciiStrToLower(e->name());
}

// A message as a JSON object: every field (defaults included, so all lines
// have the same shape), proto field names, enums as lowercase names, 64-bit
// unsigned values as decimal strings (JSON readers lose precision past 2^53).
json::Value MessageToJson(const pb::Message& m) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  json::Object obj;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    auto scalar = [&](int index) -> json::Value {
      const bool rep = f->is_repeated();
      switch (f->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_INT32:
          return json::Value(static_cast<int64_t>(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f)));
        case pb::FieldDescriptor::CPPTYPE_INT64:
          return json::Value(static_cast<int64_t>(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f)));
        case pb::FieldDescriptor::CPPTYPE_UINT32:
          return json::Value(static_cast<int64_t>(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f)));
        case pb::FieldDescriptor::CPPTYPE_UINT64:
          return json::Value(absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f)));
        case pb::FieldDescriptor::CPPTYPE_DOUBLE:
          return json::Value(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
        case pb::FieldDescriptor::CPPTYPE_FLOAT:
          return json::Value(static_cast<double>(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f)));
        case pb::FieldDescriptor::CPPTYPE_BOOL:
          return json::Value(rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f));
        case pb::FieldDescriptor::CPPTYPE_STRING:
          return json::Value(rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f));
        case pb::FieldDescriptor::CPPTYPE_ENUM:
          return json::Value(LowerEnumName(rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f)));
        case pb::FieldDescriptor::CPPTYPE_MESSAGE:
          return MessageToJson(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
      }
      return json::Value();
    };
    if (f->is_repeated()) {
      json::Array arr;
      for (int k = 0; k < r->FieldSize(m, f); ++k) arr.push_back(scalar(k));
      obj.emplace_back(f->name(), json::Value(std::move(arr)));
    } else {
      obj.emplace_back(f->name(), scalar(0));
    }
  }
  return json::Value(std::move(obj));
}

std::string FinishName(FinishReason f) { return f == FINISH_REASON_UNSPECIFIED ? "" : absl::AsciiStrToLower(FinishReason_Name(f)); }

json::Value OutputLine(const Line& l, const std::vector<std::string>& group_by) {
  const DetectorFindings& f = l.findings;
  json::Object o;
  o.emplace_back("id", l.id);
  // Group keys ride along, unless they would shadow a field of ours.
  static const char* kOwn[] = {"id", "doom_loop", "recovered_loop", "loop_any", "kind", "level", "capped",
                               "finish_reason", "period", "repeats", "full_copies", "onset", "coverage",
                               "unit_kind", "unit_preview", "seq_rep_4", "distinct_4", "ngram_loop", "findings"};
  for (size_t k = 0; k < group_by.size(); ++k) {
    if (std::find(std::begin(kOwn), std::end(kOwn), group_by[k]) == std::end(kOwn)) {
      o.emplace_back(group_by[k], json::Value(l.group[k]));
    }
  }
  o.emplace_back("doom_loop", json::Value(f.verdict().doom_loop()));
  o.emplace_back("recovered_loop", json::Value(f.runs().recovered_loop()));
  o.emplace_back("loop_any", json::Value(f.verdict().loop_any()));
  o.emplace_back("kind", json::Value(absl::AsciiStrToLower(LoopKind_Name(f.verdict().kind()))));
  o.emplace_back("level", json::Value(absl::AsciiStrToLower(Level_Name(f.level()))));
  o.emplace_back("capped", json::Value(f.capped()));
  o.emplace_back("finish_reason", json::Value(FinishName(f.finish_reason())));
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

struct GroupStats {
  std::vector<std::string> key;
  int64_t n = 0, doom = 0, recovered = 0, loop_any = 0, capped = 0, ngram = 0;
};

class ErrorCollector : public pb::io::ErrorCollector {
 public:
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

absl::StatusOr<ResolvedConfig> LoadConfig(const std::string& path) {
  DetectorConfig config;
  if (!path.empty()) {
    std::string text;
    if (auto st = json::ReadFileToString(path, &text); !st.ok()) return absl::InvalidArgumentError(st.message());
    pb::TextFormat::Parser parser;
    ErrorCollector errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(text, &config)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", errors.first()));
    }
    if (auto st = ValidateDetectorConfig(config); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", st.message()));
    }
  }
  return ResolveConfig(config);
}

std::string Pct(double v) { return absl::StrFormat("%.3f", v); }

void PrintTable(const std::vector<std::string>& group_by, const std::vector<GroupStats>& groups,
                const GroupStats& total, int64_t skipped) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"group", "n", "doom loops", "ratio", "95% CI", "recovered", "capped", "ngram loop"});
  auto row = [&](const std::string& name, const GroupStats& g) {
    const Interval ci = WilsonInterval(static_cast<double>(g.doom), static_cast<double>(g.n));
    rows.push_back({name, absl::StrCat(g.n), absl::StrCat(g.doom),
                    g.n > 0 ? Pct(static_cast<double>(g.doom) / static_cast<double>(g.n)) : "-",
                    absl::StrCat("[", Pct(ci.lo), ", ", Pct(ci.hi), "]"), absl::StrCat(g.recovered),
                    absl::StrCat(g.capped), absl::StrCat(g.ngram)});
  };
  for (const GroupStats& g : groups) {
    std::vector<std::string> parts;
    for (size_t k = 0; k < group_by.size(); ++k) {
      parts.push_back(absl::StrCat(group_by[k], "=", g.key[k].empty() ? "(none)" : g.key[k]));
    }
    row(absl::StrJoin(parts, " "), g);
  }
  if (group_by.empty() || groups.size() != 1) row("all", total);
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      const std::string& cell = r[c];
      if (c == 0) {
        line += cell + std::string(width[c] - cell.size(), ' ');
      } else {
        line += "  " + std::string(width[c] - cell.size(), ' ') + cell;
      }
    }
    std::printf("%s\n", line.c_str());
  }
  if (skipped > 0) std::printf("(%lld invalid lines skipped)\n", static_cast<long long>(skipped));
}

json::Value GroupJson(const GroupStats& g, const std::vector<std::string>& group_by) {
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

int Fail(int code, const absl::Status& st) {
  std::fprintf(stderr, "doomscope detect: %s\n", std::string(st.message()).c_str());
  return code;
}

int RunDetect(const std::vector<std::string>& args) {
  std::string input = absl::GetFlag(FLAGS_input);
  if (input.empty() && args.size() == 1) input = args[0];
  if (input.empty() || args.size() > 1 || (!args.empty() && !absl::GetFlag(FLAGS_input).empty())) {
    return Fail(kExitBadInput, absl::InvalidArgumentError(
                                   "usage: doomscope detect --input GEN.jsonl [--output FINDINGS.jsonl] "
                                   "[--group_by model,task] [--json] (see --help)"));
  }
  const std::string output = absl::GetFlag(FLAGS_output);
  std::vector<std::string> group_by;
  for (absl::string_view k : absl::StrSplit(absl::GetFlag(FLAGS_group_by), ',', absl::SkipWhitespace())) {
    group_by.push_back(std::string(absl::StripAsciiWhitespace(k)));
  }
  auto config = LoadConfig(absl::GetFlag(FLAGS_detector_config));
  if (!config.ok()) return Fail(kExitBadInput, config.status());
  const bool assume_capped = absl::GetFlag(FLAGS_assume_capped);
  const bool skip_invalid = absl::GetFlag(FLAGS_skip_invalid);
  int threads = absl::GetFlag(FLAGS_threads);
  if (threads <= 0) threads = omp_get_num_procs();

  std::unique_ptr<json::AtomicFileWriter> writer;
  if (!output.empty()) {
    writer = std::make_unique<json::AtomicFileWriter>(output);
    if (auto st = writer->Open(); !st.ok()) return Fail(kExitFailure, st);
  }

  std::vector<GroupStats> groups;
  absl::flat_hash_map<std::string, size_t> group_index;
  GroupStats total;
  int64_t skipped = 0;
  std::string first_skipped;
  std::vector<Line> batch;
  absl::Status io;

  auto flush = [&]() {
    const int n = static_cast<int>(batch.size());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int i = 0; i < n; ++i) {
      Line& l = batch[static_cast<size_t>(i)];
      SampleText s;
      s.text = l.text;
      if (l.tokens) s.tokens = std::span<const int32_t>(*l.tokens);
      s.finish_reason = l.finish;
      s.assume_capped = assume_capped;
      s.max_new_tokens = l.max_new_tokens;
      s.effective_max_tokens = l.effective_max_tokens;
      s.detected_at = l.detected_at;
      l.findings = AnalyzeSample(s, *config);
    }
    for (const Line& l : batch) {
      if (writer != nullptr && io.ok()) io = writer->WriteLine(OutputLine(l, group_by));
      const std::string key = absl::StrJoin(l.group, std::string(1, '\x1f'));
      auto [it, inserted] = group_index.try_emplace(key, groups.size());
      if (inserted) groups.push_back(GroupStats{l.group});
      for (GroupStats* g : {&groups[it->second], &total}) {
        const DetectorFindings& f = l.findings;
        ++g->n;
        g->doom += f.verdict().doom_loop();
        g->recovered += f.runs().recovered_loop();
        g->loop_any += f.verdict().loop_any();
        g->capped += f.capped();
        g->ngram += f.ngram().pipis_loop();
      }
    }
    batch.clear();
  };

  absl::Status st = json::ReadJsonl(
      input,
      [&](int line_no, json::Value v) -> absl::Status {
        Line l;
        l.line_no = line_no;
        if (auto pst = ParseLine(v, group_by, &l); !pst.ok()) return pst;
        batch.push_back(std::move(l));
        if (batch.size() >= kBatch) flush();
        return absl::OkStatus();
      },
      skip_invalid ? std::function<void(const absl::Status&)>([&](const absl::Status& bad) {
        if (skipped++ == 0) first_skipped = std::string(bad.message());
      })
                   : nullptr);
  if (!st.ok()) {
    // A missing input or a malformed line: nothing is written.
    return Fail(st.code() == absl::StatusCode::kDataLoss ? kExitFailure : kExitBadInput, st);
  }
  flush();
  if (!io.ok()) return Fail(kExitFailure, io);
  if (writer != nullptr) {
    if (auto cst = writer->Commit(); !cst.ok()) return Fail(kExitFailure, cst);
  }
  if (skipped > 0) {
    std::fprintf(stderr, "doomscope detect: warning: skipped %lld invalid line%s; first: %s\n",
                 static_cast<long long>(skipped), skipped == 1 ? "" : "s", first_skipped.c_str());
  }

  if (absl::GetFlag(FLAGS_json)) {
    json::Array arr;
    for (const GroupStats& g : groups) arr.push_back(GroupJson(g, group_by));
    json::Object o;
    o.emplace_back("input", json::Value(input));
    if (!output.empty()) o.emplace_back("output", json::Value(output));
    o.emplace_back("detector_version", json::Value(kDetectorVersion));
    o.emplace_back("lines", json::Value(total.n));
    o.emplace_back("skipped", json::Value(skipped));
    o.emplace_back("groups", json::Value(std::move(arr)));
    o.emplace_back("total", GroupJson(total, {}));
    std::printf("%s\n", json::Serialize(json::Value(std::move(o))).c_str());
  } else {
    PrintTable(group_by, groups, total, skipped);
  }
  return kExitOk;
}

}  // namespace

Command DetectCommand() {
  return Command{
      "detect",
      "Run the doom-loop detectors on stored generations (JSONL) and summarise the doom-loop ratio",
      "doomscope detect --input GEN.jsonl [--output FINDINGS.jsonl] [--group_by model,task] [--json] "
      "[--assume_capped] [--skip_invalid] [--detector_config FILE.textproto] [--threads N]",
      {"input", "output", "group_by", "json", "assume_capped", "skip_invalid", "detector_config", "threads"},
      RunDetect};
}

}  // namespace doomscope
