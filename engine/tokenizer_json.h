// Hugging Face `tokenizer.json` -> BpeTokenizer: the model (type BPE: vocab,
// merges as "a b" strings or ["a", "b"] pairs, unk_token, fuse_unk,
// byte_fallback, ignore_merges, continuing_subword_prefix,
// end_of_word_suffix), added_tokens, normalizer, pre_tokenizer,
// post_processor and decoder. Other model types (WordPiece, Unigram,
// WordLevel) and BPE dropout are refused with a message naming them.
#ifndef DOOMSCOPE_ENGINE_TOKENIZER_JSON_H_
#define DOOMSCOPE_ENGINE_TOKENIZER_JSON_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/bpe_tokenizer.h"
#include "engine/tokenizer_json_fields.h"

namespace doomscope::engine {

// `name` (the file) prefixes every error message.
absl::StatusOr<std::unique_ptr<BpeTokenizer>> BpeTokenizerFromJson(const Json& root, const std::string& name);

// Reads and parses a tokenizer.json file.
absl::StatusOr<std::unique_ptr<BpeTokenizer>> ReadTokenizerJson(const std::string& path);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKENIZER_JSON_H_
