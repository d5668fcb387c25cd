// GGUF `tokenizer.ggml.pre` names -> the pre-tokenization of the Hugging Face
// tokenizer they were converted from, following llama.cpp's llama-vocab.cpp
// mapping of names to families. The regexes are the tokenizer.json originals
// (PCRE2 runs them as written, so llama.cpp's ECMAScript rewrites are not
// needed); each family's list is applied as a Sequence of Split(Isolated)
// steps before the byte-level mapping. An unknown name is an error naming it.
#ifndef DOOMSCOPE_ENGINE_GGUF_PRE_TOKENIZERS_H_
#define DOOMSCOPE_ENGINE_GGUF_PRE_TOKENIZERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace doomscope::engine {

struct GgufPreTokenizer {
  std::string family;               // llama.cpp's pre-type name, for messages
  std::vector<std::string> regexes;  // applied in order, each splitting the pieces of the last
  bool ignore_merges = false;
  bool add_bos = false;  // llama.cpp's default when the GGUF does not say
  bool nfc = false;      // the HF tokenizer of this family normalizes to NFC (Qwen)
};

absl::StatusOr<GgufPreTokenizer> LookupGgufPreTokenizer(std::string_view pre);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_GGUF_PRE_TOKENIZERS_H_
