// Opening a tokenizer from any path a user gives (`--tokenizer PATH`,
// a checkpoint's folder), sniffed by content:
//  - a GGUF file: its embedded vocabulary;
//  - a folder: a Hugging Face model folder (tokenizer.json, with
//    tokenizer_config.json and generation_config.json when present);
//  - a JSON file: a tokenizer.json (with the config files beside it);
//  - anything else: a llama2.c tok*.bin (its vocabulary size read from the
//    file unless the model gives it).
#ifndef DOOMSCOPE_ENGINE_TOKENIZER_LOADER_H_
#define DOOMSCOPE_ENGINE_TOKENIZER_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "engine/tokenizer.h"

namespace doomscope::engine {

// `expected_vocab_size` (0: unknown) is the vocabulary size of the model the
// tokenizer is for; a llama2.c file must hold exactly that many tokens.
absl::StatusOr<Tokenizer> OpenTokenizer(const std::string& path, int expected_vocab_size = 0);

// A Hugging Face tokenizer from its files; the config paths may be empty.
// tokenizer_config.json's add_bos_token/add_eos_token, when present, decide
// the tokens added around a sequence (as transformers' Llama/Gemma fast
// tokenizers rebuild the post-processor); its bos/eos/unk/pad tokens name the
// special ids; split_special_tokens turns special parsing off by default.
// End of generation: EOS, generation_config.json's eos_token_id list, and the
// known end-of-turn special tokens (end_of_turn_tokens.h).
absl::StatusOr<Tokenizer> TokenizerFromHfFiles(const std::string& tokenizer_json,
                                               const std::string& tokenizer_config,
                                               const std::string& generation_config);

// The number of tokens a llama2.c tokenizer file holds (its records up to the end).
absl::StatusOr<int> CountLlama2cTokens(std::span<const std::byte> bytes, const std::string& name);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKENIZER_LOADER_H_
