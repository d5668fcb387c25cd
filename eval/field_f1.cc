#include "eval/field_f1.h"

#include <array>
#include <map>

#include "benchmarks/tasks/json_object_extract.h"
#include "benchmarks/tasks/wnut17.h"
#include "eval/error_classes.h"

namespace doomscope::eval {
namespace {

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsAsciiPunct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

// Multi-byte punctuation stripped from the ends: ‘ ’ “ ” « » – — … ¡ ¿.
constexpr std::array<std::string_view, 11> kUnicodePunct = {
    "\xE2\x80\x98", "\xE2\x80\x99", "\xE2\x80\x9C", "\xE2\x80\x9D", "\xC2\xAB", "\xC2\xBB",
    "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\xA6", "\xC2\xA1", "\xC2\xBF"};

size_t PunctPrefix(std::string_view s) {
  if (!s.empty() && IsAsciiPunct(s[0])) return 1;
  for (std::string_view p : kUnicodePunct) {
    if (s.substr(0, p.size()) == p) return p.size();
  }
  return 0;
}

size_t PunctSuffix(std::string_view s) {
  if (!s.empty() && IsAsciiPunct(s.back())) return 1;
  for (std::string_view p : kUnicodePunct) {
    if (s.size() >= p.size() && s.substr(s.size() - p.size()) == p) return p.size();
  }
  return 0;
}

using Multiset = std::map<std::string, int64_t>;

// The six lists of an answer object, normalized; `valid` says whether the
// object had exactly the six keys with lists of strings.
std::map<std::string, Multiset> ReadFields(const json::Value& obj, bool* valid) {
  std::map<std::string, Multiset> out;
  *valid = obj.is_object();
  size_t known_keys = 0;
  for (std::string_view type : tasks::WnutEntityTypes()) {
    Multiset& set = out[std::string(type)];
    const json::Value* list = obj.Find(type);
    if (list == nullptr) {
      *valid = false;
      continue;
    }
    ++known_keys;
    auto add = [&](const std::string& s) {
      std::string n = NormalizeEntity(s);
      if (!n.empty()) ++set[n];
    };
    if (list->is_string()) {
      *valid = false;
      add(list->as_string());
    } else if (list->is_array()) {
      for (const json::Value& e : list->as_array()) {
        if (e.is_string()) {
          add(e.as_string());
        } else {
          *valid = false;
        }
      }
    } else {
      *valid = false;
    }
  }
  if (obj.is_object() && obj.as_object().size() != known_keys) *valid = false;
  return out;
}

}  // namespace

std::string NormalizeEntity(std::string_view s) {
  std::string folded;
  folded.reserve(s.size());
  bool pending_space = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (IsAsciiSpace(static_cast<char>(c))) {
      pending_space = !folded.empty();
      continue;
    }
    if (pending_space) {
      folded.push_back(' ');
      pending_space = false;
    }
    if (c >= 'A' && c <= 'Z') {
      folded.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == 0xC3 && i + 1 < s.size()) {
      // Latin-1 capitals U+00C0..U+00DE (except U+00D7 '×') are 0xC3 0x80..0x9E.
      const unsigned char d = static_cast<unsigned char>(s[i + 1]);
      folded.push_back(static_cast<char>(c));
      folded.push_back(static_cast<char>(d >= 0x80 && d <= 0x9E && d != 0x97 ? d + 0x20 : d));
      ++i;
    } else {
      folded.push_back(static_cast<char>(c));
    }
  }
  std::string_view v = folded;
  while (true) {
    if (size_t n = PunctPrefix(v); n > 0) {
      v.remove_prefix(n);
    } else if (size_t m = PunctSuffix(v); m > 0) {
      v.remove_suffix(m);
    } else if (!v.empty() && v.front() == ' ') {
      v.remove_prefix(1);
    } else if (!v.empty() && v.back() == ' ') {
      v.remove_suffix(1);
    } else {
      break;
    }
  }
  return std::string(v);
}

Prf PrfFromCounts(int64_t tp, int64_t fp, int64_t fn) {
  Prf out;
  if (tp + fp + fn == 0) return Prf{1, 1, 1};
  out.precision = tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0;
  out.recall = tp + fn > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 0;
  out.f1 = 2 * tp + fp + fn > 0 ? 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn) : 0;
  return out;
}

json::Value EmptyPredictionCounts(const json::Value& gold_fields) {
  bool unused = false;
  const std::map<std::string, Multiset> gold = ReadFields(gold_fields, &unused);
  json::Value counts{json::Object{}};
  for (std::string_view type : tasks::WnutEntityTypes()) {
    int64_t fn = 0;
    for (const auto& [s, n] : gold.at(std::string(type))) fn += n;
    counts.Set(type, json::Value(json::Array{json::Value(0), json::Value(0), json::Value(fn)}));
  }
  return counts;
}

ScoreResult ScoreWnut17(const tasks::TaskItem& item, std::string_view output) {
  ScoreResult r;
  const tasks::JsonObjectExtraction ex = tasks::ExtractFirstJsonObject(output);
  bool valid = false;
  json::Value prediction{json::Object{}};
  switch (ex.outcome) {
    case tasks::JsonObjectOutcome::kEmpty: r.error_class = error_class::kEmpty; break;
    case tasks::JsonObjectOutcome::kInvalid:
    case tasks::JsonObjectOutcome::kNotFound: r.error_class = error_class::kInvalidJson; break;
    case tasks::JsonObjectOutcome::kFound:
      prediction = ex.value;
      r.answer_extractable = true;
      r.extracted = json::Serialize(ex.value);
      break;
  }
  std::map<std::string, Multiset> pred = ReadFields(prediction, &valid);
  if (ex.outcome == tasks::JsonObjectOutcome::kFound) {
    r.error_class = valid ? error_class::kValid : error_class::kWrongSchema;
  } else {
    valid = false;
  }
  bool gold_valid = false;
  const std::map<std::string, Multiset> gold = ReadFields(item.gold, &gold_valid);

  json::Value counts{json::Object{}};
  int64_t tp = 0, fp = 0, fn = 0;
  for (std::string_view type_view : tasks::WnutEntityTypes()) {
    const std::string type(type_view);
    int64_t t_tp = 0, t_pred = 0, t_gold = 0;
    for (const auto& [s, n] : pred[type]) {
      t_pred += n;
      auto it = gold.at(type).find(s);
      if (it != gold.at(type).end()) t_tp += std::min(n, it->second);
    }
    for (const auto& [s, n] : gold.at(type)) t_gold += n;
    counts.Set(type, json::Value(json::Array{json::Value(t_tp), json::Value(t_pred - t_tp), json::Value(t_gold - t_tp)}));
    tp += t_tp;
    fp += t_pred - t_tp;
    fn += t_gold - t_tp;
  }
  // Without an answer object there is nothing to credit, even on a sentence without entities.
  r.score = r.answer_extractable ? PrfFromCounts(tp, fp, fn).f1 : 0;
  r.correct = valid && fp == 0 && fn == 0;
  json::Value details{json::Object{}};
  details.Set("counts", std::move(counts));
  details.Set("exact_match", json::Value(r.correct));
  details.Set("schema_valid", json::Value(valid));
  if (!ex.error.empty()) details.Set("message", json::Value(ex.error));
  r.details = std::move(details);
  return r;
}

}  // namespace doomscope::eval
