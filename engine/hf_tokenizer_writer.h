// tokenizer.json and tokenizer_config.json for a SentencePiece-style
// vocabulary (the engine's TokenizerVocab: pieces with spaces as ' ', scores,
// kinds), in the form transformers' LlamaConverter gives a SentencePiece BPE
// model: BPE with byte fallback over pieces written with U+2581 for space,
// merges extracted from the vocabulary (every split of a piece into two
// pieces, ordered by the merged piece's score, then by the halves' ids),
// normalizer Prepend(U+2581) + Replace(' ', U+2581), decoder Replace ->
// ByteFallback -> Fuse -> Strip(1 leading space), and BOS added by the post
// processor. Control and unknown pieces are added tokens (special).
#ifndef DOOMSCOPE_ENGINE_HF_TOKENIZER_WRITER_H_
#define DOOMSCOPE_ENGINE_HF_TOKENIZER_WRITER_H_

#include "absl/status/statusor.h"
#include "engine/tokenizer.h"
#include "nlohmann/json.hpp"

namespace doomscope::engine {

// Fails if two pieces are the same text (a JSON vocabulary cannot hold both).
absl::StatusOr<nlohmann::ordered_json> HfTokenizerJson(const TokenizerVocab& vocab);
// `max_length`: the model's context (model_max_length).
nlohmann::ordered_json HfTokenizerConfigJson(const TokenizerVocab& vocab, int max_length);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_HF_TOKENIZER_WRITER_H_
