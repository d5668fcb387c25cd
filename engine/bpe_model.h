// The BPE model of tokenizer.json (and of GGUF `gpt2` vocabularies), with
// Hugging Face tokenizers' semantics:
//  - a word starts as one symbol per character (looked up in the vocabulary,
//    with the continuing-subword prefix / end-of-word suffix when configured);
//    a character missing from the vocabulary becomes its `<0xNN>` byte tokens
//    with byte_fallback, else the unknown token (consecutive ones fused with
//    fuse_unk), else nothing;
//  - then the adjacent pair with the lowest merge rank is merged, leftmost
//    first on ties, until no adjacent pair has a merge;
//  - with ignore_merges, a word that is itself in the vocabulary is one token.
// Byte-level words (pre_tokenizer.h) arrive as raw bytes and start as the ids
// of their GPT-2-mapped characters, with no string building on the way.
// Results are cached per thread for repeated words.
#ifndef DOOMSCOPE_ENGINE_BPE_MODEL_H_
#define DOOMSCOPE_ENGINE_BPE_MODEL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace doomscope::engine {

struct BpeModelConfig {
  std::vector<std::pair<std::string, int32_t>> vocab;
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
  std::optional<std::string> unk_token;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
  // tokenizer.json refuses a merge whose parts or result are not in the
  // vocabulary (as tokenizers does); GGUF files skip it (as llama.cpp does).
  bool skip_unknown_merges = false;
};

class BpeModel {
 public:
  // `where` names the source in error messages.
  static absl::StatusOr<BpeModel> Build(BpeModelConfig config, const std::string& where);

  // Appends the ids of `word`. `byte_level`: `word` is raw bytes standing for
  // their GPT-2 mapping.
  void Tokenize(std::string_view word, bool byte_level, std::vector<int32_t>* out) const;

  // The id of a vocabulary entry, or -1.
  int32_t TokenId(std::string_view token) const;
  // The vocabulary entry of `id`, or "" when the model has none.
  std::string_view TokenText(int32_t id) const;
  // One past the largest id in the vocabulary.
  int32_t id_limit() const { return static_cast<int32_t>(id_to_token_.size()); }
  size_t merge_count() const { return merges_.size(); }
  // The number of vocabulary entries (tokenizers' get_vocab_size).
  size_t entry_count() const { return vocab_.size(); }

 private:
  struct Merge {
    int32_t rank;
    int32_t id;
  };
  BpeModel() = default;
  static uint64_t PairKey(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  // Initial symbols of a (non byte-level, or mapped) word, per merge_word.
  void InitialSymbols(std::string_view word, std::vector<int32_t>* symbols) const;
  void MergeSymbols(std::vector<int32_t>* symbols) const;
  void TokenizeUncached(std::string_view word, bool byte_level, std::vector<int32_t>* out) const;

  absl::flat_hash_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;
  absl::flat_hash_map<uint64_t, Merge> merges_;
  std::array<int32_t, 256> byte_char_id_{};   // id of each byte's GPT-2 character, or -1
  std::array<int32_t, 256> fallback_id_{};    // id of each `<0xNN>` token, or -1
  int32_t unk_id_ = -1;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::string prefix_, suffix_;
  uint64_t serial_ = 0;  // identifies this model's entries in the per-thread cache
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_BPE_MODEL_H_
