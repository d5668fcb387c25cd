#include "eval/field_f1.h"

#include <array>
#include <algorithm>
#include <map>


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

FieldLists ReadFieldLists(const json::Value& obj, std::span<const std::string_view> keys) {
  FieldLists out;
  out.valid = obj.is_object();
  size_t known_keys = 0;
  for (std::string_view key : keys) {
    StringMultiset& set = out.lists[std::string(key)];
    const json::Value* list = obj.Find(key);
    if (list == nullptr) {
      out.valid = false;
      continue;
    }
    ++known_keys;
    auto add = [&](const std::string& s) {
      std::string n = NormalizeEntity(s);
      if (!n.empty()) ++set[n];
    };
    if (list->is_string()) {
      out.valid = false;
      add(list->as_string());
    } else if (list->is_array()) {
      for (const json::Value& e : list->as_array()) {
        if (e.is_string()) {
          add(e.as_string());
        } else {
          out.valid = false;
        }
      }
    } else {
      out.valid = false;
    }
  }
  if (obj.is_object() && obj.as_object().size() != known_keys) out.valid = false;
  return out;
}

FieldCounts CompareMultisets(const StringMultiset& predicted, const StringMultiset& gold) {
  int64_t n_pred = 0, n_gold = 0, tp = 0;
  for (const auto& [s, n] : predicted) {
    n_pred += n;
    auto it = gold.find(s);
    if (it != gold.end()) tp += std::min(n, it->second);
  }
  for (const auto& [s, n] : gold) n_gold += n;
  return FieldCounts{tp, n_pred - tp, n_gold - tp};
}

json::Value PrfJson(int64_t tp, int64_t fp, int64_t fn) {
  const Prf p = PrfFromCounts(tp, fp, fn);
  return json::Value(json::Object{{"precision", json::Value(p.precision)},
                                  {"recall", json::Value(p.recall)},
                                  {"f1", json::Value(p.f1)},
                                  {"tp", json::Value(tp)},
                                  {"fp", json::Value(fp)},
                                  {"fn", json::Value(fn)}});
}

}  // namespace doomscope::eval
