#include "results/dashboard/sample_compaction.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>

#include "detectors/normalize.h"
#include "results/generations/finish_reason.h"
#include "google/protobuf/util/json_util.h"
#include "results/dashboard/html_escape.h"
#include "results/stage_report.h"

namespace doomscope::results {
namespace {

// Whitespace runs at least this long are kept verbatim by the normalizer
// (AnalyzeSample passes tail.l_min_chars, default 128). A run dir made with
// another value fails the n_units check and falls back to the unit search.
constexpr int kKeepRunMin = 128;

// Code points the detectors' preview keeps of a unit (DETECTORS.md §2).
constexpr int64_t kUnitPreviewCodePoints = 200;

struct CodePoint {
  int32_t cp;
  size_t offset;  // byte offset in the raw text
  size_t end;     // byte offset just past it
};

// Replays NormalizeText's whitespace folding, recording for each normalized
// code point the raw byte offset it came from (a folded run maps to its
// start). Returns the offsets plus a final entry = text.size().
std::vector<size_t> NormalizedToRawOffsets(std::string_view text) {
  std::vector<size_t> map;
  map.reserve(text.size() + 1);
  size_t i = 0;
  while (i < text.size()) {
    size_t next = i;
    const int32_t cp = DecodeOne(text, &next);
    if (!IsWhitespace(cp)) {
      map.push_back(i);
      i = next;
      continue;
    }
    const size_t run_start = i;
    std::vector<size_t> run_offsets;
    int64_t breaks = 0;
    size_t pos = i;
    while (pos < text.size()) {
      size_t after = pos;
      const int32_t c = DecodeOne(text, &after);
      if (!IsWhitespace(c)) break;
      if (c == '\r') {
        if (!(after < text.size() && text[after] == '\n')) ++breaks;
      } else if (IsLineBreak(c)) {
        ++breaks;
      }
      run_offsets.push_back(pos);
      pos = after;
    }
    i = pos;
    if (static_cast<int64_t>(run_offsets.size()) >= kKeepRunMin) {
      map.insert(map.end(), run_offsets.begin(), run_offsets.end());
    } else if (breaks >= 2) {
      map.push_back(run_start);
      map.push_back(run_start);
    } else {
      map.push_back(run_start);
    }
  }
  map.push_back(text.size());
  return map;
}

std::vector<CodePoint> NonWhitespaceCodePoints(std::string_view text) {
  std::vector<CodePoint> out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    const int32_t cp = DecodeOne(text, &i);
    if (!IsWhitespace(cp)) out.push_back({cp, start, i});
  }
  return out;
}

size_t SkipWhitespaceForward(std::string_view text, size_t pos) {
  while (pos < text.size()) {
    size_t next = pos;
    if (!IsWhitespace(DecodeOne(text, &next))) break;
    pos = next;
  }
  return pos;
}

size_t SkipWhitespaceBackward(std::string_view text, size_t pos) {
  while (pos > 0) {
    size_t start = pos - 1;
    // Back up to the start of the UTF-8 sequence ending at pos.
    while (start > 0 && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80 && pos - start < 4) {
      --start;
    }
    size_t next = start;
    const int32_t cp = DecodeOne(text, &next);
    if (next != pos || !IsWhitespace(cp)) break;
    pos = start;
  }
  return pos;
}

LoopSpan ExactCharSpan(std::string_view text, const TailFindings& tail, int64_t n_units) {
  if (n_units <= 0 || tail.onset_units() < 0 || tail.period_units() <= 0 ||
      tail.onset_units() + tail.period_units() > n_units) {
    return {};
  }
  const std::vector<size_t> map = NormalizedToRawOffsets(text);
  if (static_cast<int64_t>(map.size()) - 1 != n_units) return {};
  LoopSpan span;
  span.mapping = LoopMapping::kExactChars;
  span.onset = map[tail.onset_units()];
  span.unit_end = map[tail.onset_units() + tail.period_units()];
  if (span.unit_end <= span.onset) return {};
  return span;
}

// A unit made only of whitespace (the "\n" x 4000 loop): the trailing
// whitespace run of the output.
LoopSpan WhitespaceUnitSpan(std::string_view text, const TailFindings& tail) {
  const size_t run_start = SkipWhitespaceBackward(text, text.size());
  if (run_start == text.size()) return {};
  const int64_t period = std::max<int64_t>(1, tail.period_chars() > 0 ? tail.period_chars()
                                                                       : tail.period_units());
  size_t unit_end = run_start;
  for (int64_t k = 0; k < period && unit_end < text.size(); ++k) DecodeOne(text, &unit_end);
  if (text.size() - run_start < 3 * (unit_end - run_start)) return {};
  return {LoopMapping::kUnitSearch, run_start, unit_end};
}

bool MatchesAt(const std::vector<CodePoint>& s, size_t pos, const std::vector<int32_t>& u) {
  if (pos + u.size() > s.size()) return false;
  for (size_t k = 0; k < u.size(); ++k) {
    if (s[pos + k].cp != u[k]) return false;
  }
  return true;
}

LoopSpan UnitSearchSpan(std::string_view text, const TailFindings& tail) {
  const std::string& preview = tail.unit_preview();
  if (preview.empty()) return {};
  std::vector<int32_t> unit;
  int64_t preview_cps = 0;
  bool starts_with_space = false, ends_with_space = false;
  {
    size_t i = 0;
    while (i < preview.size()) {
      const int32_t cp = DecodeOne(preview, &i);
      if (preview_cps == 0) starts_with_space = IsWhitespace(cp);
      ends_with_space = IsWhitespace(cp);
      ++preview_cps;
      if (!IsWhitespace(cp)) unit.push_back(cp);
    }
  }
  if (unit.empty()) return WhitespaceUnitSpan(text, tail);
  const bool preview_is_whole =
      tail.period_chars() > 0 ? preview_cps >= tail.period_chars()
                              : preview_cps < kUnitPreviewCodePoints;

  const std::vector<CodePoint> s = NonWhitespaceCodePoints(text);
  if (s.size() < unit.size()) return {};
  // The last occurrence of the unit (or of the preview's prefix).
  size_t last = s.size();
  for (size_t pos = s.size() - unit.size() + 1; pos-- > 0;) {
    if (MatchesAt(s, pos, unit)) {
      last = pos;
      break;
    }
  }
  if (last == s.size()) return {};

  // The period in non-whitespace code points.
  size_t q = unit.size();
  if (!preview_is_whole) {
    q = 0;
    int tried = 0;
    for (size_t pos = last; pos-- > 0 && tried < 64;) {
      if (!MatchesAt(s, pos, unit)) continue;
      ++tried;
      const size_t d = last - pos;
      if (d < unit.size()) continue;
      bool periodic = true;
      for (size_t k = pos; k < last && k + d < s.size(); ++k) {
        if (s[k].cp != s[k + d].cp) {
          periodic = false;
          break;
        }
      }
      if (periodic) {
        q = d;
        break;
      }
    }
    if (q == 0) return {};
  }

  // Grow the q-periodic stretch around the last occurrence.
  size_t begin = last;
  while (begin > 0 && begin - 1 + q < s.size() && s[begin - 1].cp == s[begin - 1 + q].cp) --begin;
  size_t end = std::min(s.size(), last + q);
  while (end < s.size() && end >= q && s[end].cp == s[end - q].cp) ++end;
  if (end - begin < 2 * q) return {};  // fewer than two copies: not this loop

  // The first copy in phase with the unit.
  const size_t first = begin + (last - begin) % q;
  if (first + q > s.size()) return {};
  LoopSpan span;
  span.mapping = LoopMapping::kUnitSearch;
  span.onset = s[first].offset;
  span.unit_end = s[first + q - 1].end;
  if (starts_with_space) span.onset = SkipWhitespaceBackward(text, span.onset);
  if (ends_with_space) span.unit_end = SkipWhitespaceForward(text, span.unit_end);
  return span;
}

double Round4(double x) {
  if (!std::isfinite(x)) return 0;
  return std::round(x * 1e4) / 1e4;
}

// Adds `text` under `key`, or its head and tail with the bytes left out.
void AddCut(json::Object* obj, const std::string& key, std::string_view text, size_t max_bytes,
            double head_share) {
  if (text.size() <= max_bytes) {
    obj->emplace_back(key, ToValidUtf8(text));
    return;
  }
  const auto head_bytes = static_cast<size_t>(static_cast<double>(max_bytes) * head_share);
  const std::string_view head = Utf8SafePrefix(text, head_bytes);
  const std::string_view tail = Utf8SafeSuffix(text, max_bytes - head_bytes);
  obj->emplace_back(key + "_head", ToValidUtf8(head));
  obj->emplace_back(key + "_omit", static_cast<int64_t>(text.size() - head.size() - tail.size()));
  obj->emplace_back(key + "_tail", ToValidUtf8(tail));
}

std::string CellKeyOf(const SampleRecord& r) {
  std::string key = r.checkpoint();
  key += '\x1f';
  key += r.task();
  key += '\x1f';
  key += r.sampling();
  return key;
}

// Interns strings into a table; returns the index.
class StringTable {
 public:
  int Intern(const std::string& s) {
    auto [it, inserted] = index_.emplace(s, static_cast<int>(values_.size()));
    if (inserted) values_.push_back(s);
    return it->second;
  }
  json::Value ToJson() const {
    json::Array a;
    for (const auto& v : values_) a.emplace_back(ToValidUtf8(v));
    return a;
  }

 private:
  std::map<std::string, int> index_;
  std::vector<std::string> values_;
};

json::Value ProtoToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return {};
  auto parsed = json::Parse(out);
  return parsed.ok() ? *std::move(parsed) : json::Value();
}

}  // namespace

std::string_view LoopMappingName(LoopMapping mapping) {
  switch (mapping) {
    case LoopMapping::kExactChars: return "exact_chars";
    case LoopMapping::kUnitSearch: return "unit_search";
    case LoopMapping::kNone: break;
  }
  return "none";
}

LoopSpan LocateTailLoop(std::string_view text, const DetectorFindings& findings) {
  const TailFindings& tail = findings.tail();
  if (!tail.periodic() || text.empty()) return {};
  if (findings.level() == CHAR &&
      (findings.segment() == FULL || findings.segment() == SEGMENT_UNSPECIFIED)) {
    LoopSpan exact = ExactCharSpan(text, tail, findings.n_units());
    if (exact.mapping != LoopMapping::kNone) return exact;
  }
  return UnitSearchSpan(text, tail);
}

std::string_view VerdictClassName(VerdictClass v) {
  switch (v) {
    case VerdictClass::kDoomLoop: return "doom_loop";
    case VerdictClass::kRecoveredLoop: return "recovered_loop";
    case VerdictClass::kTailLoop: return "tail_loop";
    case VerdictClass::kNearLoop: return "near_loop";
    case VerdictClass::kToolCallRepeat: return "tool_call_repeat";
    case VerdictClass::kUnclosedThink: return "unclosed_think";
    case VerdictClass::kNgramLoop: return "ngram_loop";
    case VerdictClass::kCapNoLoop: return "cap_no_loop";
    case VerdictClass::kClean: break;
  }
  return "clean";
}

VerdictClass ClassifyVerdict(const DetectorFindings& f) {
  if (f.verdict().doom_loop()) return VerdictClass::kDoomLoop;
  if (f.runs().recovered_loop()) return VerdictClass::kRecoveredLoop;
  switch (f.verdict().kind()) {
    case TAIL_LOOP: return VerdictClass::kTailLoop;
    case TAIL_NEAR_LOOP: return VerdictClass::kNearLoop;
    case TOOL_CALL_REPEAT: return VerdictClass::kToolCallRepeat;
    case UNCLOSED_THINK: return VerdictClass::kUnclosedThink;
    default: break;
  }
  if (f.ngram().pipis_loop()) return VerdictClass::kNgramLoop;
  if (f.verdict().kind() == CAP_NO_LOOP) return VerdictClass::kCapNoLoop;
  return VerdictClass::kClean;
}

std::string_view UnitKindName(int unit_kind) {
  switch (unit_kind) {
    case TEXT: return "text";
    case WHITESPACE: return "whitespace";
    case SEPARATOR: return "separator";
    case STRUCTURED: return "structured";
    case MARKUP: return "markup";
    default: return "";
  }
}

json::Value CompactSampleText(const SampleRecord& r, const CompactionLimits& limits) {
  json::Object obj;
  obj.reserve(24);  // also keeps GCC 12's -Warray-bounds false positive quiet
  const DetectorFindings& f = r.findings();
  obj.emplace_back("id", ToValidUtf8(r.sample_id()));
  AddCut(&obj, "prompt", r.prompt(), limits.max_prompt_bytes, 0.35);
  const std::string& text = r.text();
  const LoopSpan span = LocateTailLoop(text, f);
  if (span.mapping != LoopMapping::kNone) {
    // Keep mostly the end of the prefix: the lead-in to the loop matters most.
    AddCut(&obj, "pre", std::string_view(text).substr(0, span.onset), limits.max_prefix_bytes,
           0.25);
    AddCut(&obj, "unit",
           std::string_view(text).substr(span.onset, span.unit_end - span.onset),
           limits.max_unit_bytes, 0.6);
    obj.emplace_back("copies", Round4(f.tail().repeats()));
    obj.emplace_back("after_bytes", static_cast<int64_t>(text.size() - span.unit_end));
    obj.emplace_back("map", std::string(LoopMappingName(span.mapping)));
  } else {
    AddCut(&obj, "out", text, limits.max_output_bytes, 0.5);
  }
  // Findings and score details only the sample card shows.
  const TaskScore& s = r.score();
  if (!s.extracted().empty()) obj.emplace_back("extracted", ToValidUtf8(s.extracted()));
  if (!s.error_class().empty()) obj.emplace_back("error_class", ToValidUtf8(s.error_class()));
  obj.emplace_back("extractable", s.answer_extractable());
  json::Object det;
  det.reserve(20);
  det.emplace_back("level", f.level() == TOKEN ? "token" : f.level() == CHAR ? "char" : "");
  det.emplace_back("segment", f.segment() == THINK    ? "think"
                              : f.segment() == ANSWER ? "answer"
                                                      : "full");
  det.emplace_back("full_copies", f.tail().full_copies());
  det.emplace_back("covered", f.tail().covered_units());
  det.emplace_back("partial_last_copy", f.tail().partial_last_copy());
  det.emplace_back("runs_max_exp", Round4(f.runs().max_exponent()));
  det.emplace_back("runs_cov", Round4(f.runs().coverage()));
  det.emplace_back("near", f.near().periodic());
  det.emplace_back("distinct_4", Round4(f.ngram().distinct_4()));
  det.emplace_back("lrs_frac", Round4(f.ngram().lrs_frac()));
  det.emplace_back("pipis_first_fire", f.ngram().pipis_first_fire());
  det.emplace_back("rl_openr1_w3", Round4(f.rl().rep_openr1_w3()));
  det.emplace_back("rl_trl_t3", Round4(f.rl().rep_trl_t3()));
  det.emplace_back("rep40", Round4(f.rl().rep40_token_frac()));
  det.emplace_back("early_stopped", f.early_stopped());
  det.emplace_back("tokens_saved_est", f.tokens_saved_est());
  det.emplace_back("level_disagreement", f.verdict().level_disagreement());
  det.emplace_back("version", ToValidUtf8(f.detector_version()));
  obj.emplace_back("det", json::Value(std::move(det)));
  return json::Value(std::move(obj));
}

std::vector<bool> SelectTextSamples(const std::vector<SampleRecord>& records,
                                    const CompactionLimits& limits) {
  // Per cell and verdict class, record indices in sample-id order.
  std::map<std::string, std::vector<std::vector<size_t>>> cells;
  for (size_t i = 0; i < records.size(); ++i) {
    auto& classes = cells[CellKeyOf(records[i])];
    classes.resize(kNumVerdictClasses);
    classes[static_cast<int>(ClassifyVerdict(records[i].findings()))].push_back(i);
  }
  int per_cell = std::max(0, limits.text_samples_per_cell);
  if (!cells.empty() && limits.max_text_samples > 0) {
    const int fair = limits.max_text_samples / static_cast<int>(cells.size());
    per_cell = std::min(per_cell, std::max(1, fair));
  }
  std::vector<bool> keep(records.size(), false);
  for (auto& [key, classes] : cells) {
    for (auto& members : classes) {
      std::sort(members.begin(), members.end(), [&](size_t a, size_t b) {
        return std::tie(records[a].sample_id(), a) < std::tie(records[b].sample_id(), b);
      });
    }
    // Round robin over classes, doom loops first, until the cell's budget is used.
    int kept = 0;
    for (size_t round = 0; kept < per_cell; ++round) {
      bool any = false;
      for (auto& members : classes) {
        if (round < members.size() && kept < per_cell) {
          keep[members[round]] = true;
          ++kept;
          any = true;
        }
      }
      if (!any) break;
    }
  }
  return keep;
}

json::Value BuildSampleBlob(const std::vector<SampleRecord>& records,
                            const CompactionLimits& limits) {
  const std::vector<bool> keep = SelectTextSamples(records, limits);
  StringTable checkpoints, tasks, samplings;
  json::Array rows;
  rows.reserve(records.size());
  json::Array texts;
  for (size_t i = 0; i < records.size(); ++i) {
    const SampleRecord& r = records[i];
    const DetectorFindings& f = r.findings();
    int scored = -1;
    if (r.score().scored()) scored = r.score().correct() ? 1 : 0;
    int64_t text_index = -1;
    if (keep[i]) {
      text_index = static_cast<int64_t>(texts.size());
      texts.push_back(CompactSampleText(r, limits));
    }
    const int64_t n_tokens =
        f.n_generated_tokens() > 0 ? f.n_generated_tokens() : static_cast<int64_t>(r.tokens_size());
    rows.emplace_back(json::Array{
        checkpoints.Intern(r.checkpoint()),
        static_cast<int>(r.stage()),
        tasks.Intern(r.task()),
        samplings.Intern(r.sampling()),
        ToValidUtf8(r.item_id()),
        r.rollout(),
        static_cast<int>(ClassifyVerdict(f)),
        static_cast<int>(r.finish_reason() != FINISH_REASON_UNSPECIFIED ? r.finish_reason()
                                                                         : f.finish_reason()),
        n_tokens,
        r.max_new_tokens(),
        f.tail().periodic() ? f.tail().period_units() : int64_t{0},
        f.tail().periodic() ? f.tail().onset_units() : int64_t{0},
        Round4(f.tail().periodic() ? f.tail().onset_frac() : 0.0),
        Round4(f.tail().periodic() ? f.tail().repeats() : 0.0),
        Round4(f.tail().periodic() ? f.tail().coverage() : 0.0),
        static_cast<int>(f.tail().unit_kind()),
        Round4(f.ngram().seq_rep_4()),
        f.ngram().pipis_loop() ? 1 : 0,
        scored,
        Round4(r.score().score()),
        text_index,
    });
  }
  json::Array verdicts;
  for (int v = 0; v < kNumVerdictClasses; ++v) {
    verdicts.emplace_back(std::string(VerdictClassName(static_cast<VerdictClass>(v))));
  }
  json::Object blob;
  blob.reserve(12);
  blob.emplace_back("n", static_cast<int64_t>(records.size()));
  blob.emplace_back("kept", static_cast<int64_t>(texts.size()));
  blob.emplace_back("checkpoints", checkpoints.ToJson());
  blob.emplace_back("tasks", tasks.ToJson());
  blob.emplace_back("samplings", samplings.ToJson());
  blob.emplace_back("verdicts", json::Value(std::move(verdicts)));
  blob.emplace_back("cols", json::Array{"ck", "stage", "task", "samp", "item", "roll", "verdict",
                                        "fin", "ntok", "max", "period", "onset", "onset_frac",
                                        "repeats", "coverage", "unit_kind", "seq_rep_4", "pipis",
                                        "correct", "score", "text"});
  blob.emplace_back("rows", json::Value(std::move(rows)));
  blob.emplace_back("texts", json::Value(std::move(texts)));
  return json::Value(std::move(blob));
}

json::Value SampleToApiJson(const SampleRecord& r) {
  json::Object obj;
  obj.reserve(16);
  obj.emplace_back("sample_id", ToValidUtf8(r.sample_id()));
  obj.emplace_back("checkpoint", ToValidUtf8(r.checkpoint()));
  obj.emplace_back("stage", std::string(StageName(r.stage())));
  obj.emplace_back("task", ToValidUtf8(r.task()));
  obj.emplace_back("sampling", ToValidUtf8(r.sampling()));
  obj.emplace_back("item_id", ToValidUtf8(r.item_id()));
  obj.emplace_back("rollout", r.rollout());
  obj.emplace_back("verdict", std::string(VerdictClassName(ClassifyVerdict(r.findings()))));
  obj.emplace_back("finish_reason", std::string(FinishReasonName(r.finish_reason())));
  obj.emplace_back("prompt", ToValidUtf8(r.prompt()));
  obj.emplace_back("text", ToValidUtf8(r.text()));
  const LoopSpan span = LocateTailLoop(r.text(), r.findings());
  if (span.mapping != LoopMapping::kNone) {
    obj.emplace_back("loop", json::Object{{"onset_byte", static_cast<int64_t>(span.onset)},
                                          {"unit_end_byte", static_cast<int64_t>(span.unit_end)},
                                          {"mapping", std::string(LoopMappingName(span.mapping))}});
  }
  obj.emplace_back("findings", ProtoToJson(r.findings()));
  obj.emplace_back("score", ProtoToJson(r.score()));
  return json::Value(std::move(obj));
}

}  // namespace doomscope::results
