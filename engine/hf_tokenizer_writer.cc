#include "engine/hf_tokenizer_writer.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace doomscope::engine {
namespace {

constexpr char kSpaceMarker[] = "\xE2\x96\x81";  // U+2581, SentencePiece's space

std::string Marked(std::string_view piece) {
  return absl::StrReplaceAll(absl::string_view(piece.data(), piece.size()), {{" ", kSpaceMarker}});
}

// Byte offsets where a code point starts, after the first one.
std::vector<size_t> SplitPoints(std::string_view s) {
  std::vector<size_t> points;
  for (size_t i = 1; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) points.push_back(i);
  }
  return points;
}

nlohmann::ordered_json Merges(const TokenizerVocab& v, const std::vector<std::string>& marked) {
  // Only normal pieces take part: the others are matched whole (added tokens) or are byte fallbacks.
  absl::flat_hash_map<std::string_view, int32_t> normal;
  for (size_t id = 0; id < marked.size(); ++id) {
    if (v.kinds[id] == TokenKind::kNormal) normal.emplace(marked[id], static_cast<int32_t>(id));
  }
  struct Merge {
    int32_t left, right;
    float score;
  };
  std::vector<Merge> merges;
  for (size_t id = 0; id < marked.size(); ++id) {
    if (v.kinds[id] != TokenKind::kNormal) continue;
    const std::string_view piece = marked[id];
    std::vector<Merge> local;
    for (size_t k : SplitPoints(piece)) {
      auto l = normal.find(piece.substr(0, k)), r = normal.find(piece.substr(k));
      if (l != normal.end() && r != normal.end()) local.push_back({l->second, r->second, v.scores[id]});
    }
    std::sort(local.begin(), local.end(),
              [](const Merge& a, const Merge& b) { return std::tie(a.left, a.right) < std::tie(b.left, b.right); });
    merges.insert(merges.end(), local.begin(), local.end());
  }
  std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) { return a.score > b.score; });
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Merge& m : merges) out.push_back({marked[m.left], marked[m.right]});
  return out;
}

nlohmann::ordered_json AddedTokenJson(int32_t id, const std::string& content, bool special) {
  return {{"id", id},        {"content", content},  {"single_word", false}, {"lstrip", false},
          {"rstrip", false}, {"normalized", false}, {"special", special}};
}

}  // namespace

absl::StatusOr<nlohmann::ordered_json> HfTokenizerJson(const TokenizerVocab& v) {
  using J = nlohmann::ordered_json;
  std::vector<std::string> marked;
  J vocab = J::object();
  absl::flat_hash_map<std::string, int32_t> seen;
  for (size_t id = 0; id < v.pieces.size(); ++id) {
    marked.push_back(Marked(v.pieces[id]));
    if (auto [it, inserted] = seen.emplace(marked.back(), static_cast<int32_t>(id)); !inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(v.source, ": tokens ", it->second, " and ", id, " are both \"", marked.back(), "\""));
    }
    // Appended directly: ordered_json's operator[] searches every earlier key
    // (quadratic for a 150k vocabulary), and uniqueness was checked above.
    vocab.get_ref<J::object_t&>().emplace_back(marked.back(), id);
  }
  J added = J::array();
  for (size_t id = 0; id < v.pieces.size(); ++id) {
    const TokenKind k = v.kinds[id];
    if (k == TokenKind::kControl || k == TokenKind::kUnknown || k == TokenKind::kUserDefined) {
      added.push_back(AddedTokenJson(static_cast<int32_t>(id), marked[id], k != TokenKind::kUserDefined));
    }
  }
  J normalizers = J::array();
  if (v.add_dummy_prefix) normalizers.push_back({{"type", "Prepend"}, {"prepend", kSpaceMarker}});
  normalizers.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpaceMarker}});
  const std::string bos = marked[v.bos_id];
  auto special = [](const std::string& id, int type) { return J{{"SpecialToken", {{"id", id}, {"type_id", type}}}}; };
  auto sequence = [](const char* id, int type) { return J{{"Sequence", {{"id", id}, {"type_id", type}}}}; };
  J decoders = J::array({
      {{"type", "Replace"}, {"pattern", {{"String", kSpaceMarker}}}, {"content", " "}},
      {{"type", "ByteFallback"}},
      {{"type", "Fuse"}},
  });
  if (v.add_dummy_prefix) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});

  J t = J::object();
  t["version"] = "1.0";
  t["truncation"] = nullptr;
  t["padding"] = nullptr;
  t["added_tokens"] = std::move(added);
  t["normalizer"] = {{"type", "Sequence"}, {"normalizers", std::move(normalizers)}};
  t["pre_tokenizer"] = nullptr;
  t["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", J::array({special(bos, 0), sequence("A", 0)})},
      {"pair", J::array({special(bos, 0), sequence("A", 0), special(bos, 1), sequence("B", 1)})},
      {"special_tokens", {{bos, {{"id", bos}, {"ids", J::array({v.bos_id})}, {"tokens", J::array({bos})}}}}},
  };
  t["decoder"] = {{"type", "Sequence"}, {"decoders", std::move(decoders)}};
  t["model"] = {
      {"type", "BPE"},
      {"dropout", nullptr},
      {"unk_token", marked[v.unk_id]},
      {"continuing_subword_prefix", nullptr},
      {"end_of_word_suffix", nullptr},
      {"fuse_unk", true},
      {"byte_fallback", true},
      {"ignore_merges", false},
      {"vocab", std::move(vocab)},
      {"merges", Merges(v, marked)},
  };
  return t;
}

nlohmann::ordered_json HfTokenizerConfigJson(const TokenizerVocab& v, int max_length) {
  return {
      {"add_bos_token", true},
      {"add_eos_token", false},
      {"bos_token", Marked(v.pieces[v.bos_id])},
      {"eos_token", Marked(v.pieces[v.eos_id])},
      {"unk_token", Marked(v.pieces[v.unk_id])},
      {"model_max_length", max_length},
      {"tokenizer_class", "LlamaTokenizer"},
      {"legacy", true},
      {"clean_up_tokenization_spaces", false},
  };
}

}  // namespace doomscope::engine
