// Writes a byte-level BPE tokenizer.json as a GGUF `gpt2` vocabulary, the way
// llama.cpp's convert_hf_to_gguf.py does: tokens by id (added tokens included,
// holes filled with "[PAD<id>]" UNUSED tokens), token types (special added
// tokens CONTROL, other added tokens USER_DEFINED, the rest NORMAL), merges as
// "a b" strings, `tokenizer.ggml.pre` as given, BOS/EOS ids. Used to make GGUF
// twins of Hugging Face folders whose tokenization must agree.
#ifndef DOOMSCOPE_ENGINE_TOKENIZER_GGUF_EXPORT_H_
#define DOOMSCOPE_ENGINE_TOKENIZER_GGUF_EXPORT_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "engine/gguf_writer.h"
#include "engine/tokenizer_json_fields.h"

namespace doomscope::engine {

struct GgufVocabOptions {
  std::string pre = {};  // tokenizer.ggml.pre, e.g. "qwen2", "llama-bpe", "smollm"
  std::optional<std::string> bos_token = {}, eos_token = {};
  std::optional<bool> add_bos = {};
};

absl::Status AddTokenizerJsonToGguf(const Json& tokenizer_json, const GgufVocabOptions& options,
                                    GgufWriter* writer);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_TOKENIZER_GGUF_EXPORT_H_
