#include "engine/tokenizer.h"

#include <algorithm>

#include "engine/utf8_text.h"

namespace doomscope::engine {

void NormalizeIdSet(std::vector<int32_t>* ids) {
  ids->erase(std::remove_if(ids->begin(), ids->end(), [](int32_t id) { return id < 0; }), ids->end());
  std::sort(ids->begin(), ids->end());
  ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
}

Tokenizer::Tokenizer(std::shared_ptr<const TokenizerImpl> impl, SpecialTokenIds ids, std::string source)
    : impl_(std::move(impl)), ids_(std::move(ids)), source_(std::move(source)) {
  if (ids_.eos >= 0) ids_.end_of_generation.push_back(ids_.eos);
  NormalizeIdSet(&ids_.end_of_generation);
}

absl::StatusOr<Tokenizer> Tokenizer::FromVocab(TokenizerVocab vocab) {
  SpecialTokenIds ids;
  ids.bos = vocab.bos_id;
  ids.eos = vocab.eos_id;
  ids.unk = vocab.unk_id;
  // run.c never parses special tokens in text; EncodeOptions can ask for it.
  ids.parse_special_by_default = false;
  std::string source = vocab.source;
  absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> impl = SentencePieceTokenizer::Create(std::move(vocab));
  if (!impl.ok()) return impl.status();
  return Tokenizer(std::shared_ptr<const TokenizerImpl>(*std::move(impl)), std::move(ids), std::move(source));
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool add_bos) const {
  return Encode(text, EncodeOptions{.add_special = add_bos, .parse_special = ids_.parse_special_by_default});
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  impl_->Encode(text, options.add_special, options.parse_special, &out);
  return out;
}

std::string Tokenizer::DecodeToken(int32_t prev_token, int32_t token) const {
  return impl_->Decode(std::span<const int32_t>(&token, 1), prev_token, /*skip_special=*/true, /*raw=*/true);
}

std::string Tokenizer::Decode(std::span<const int32_t> tokens, int32_t prev_token) const {
  return impl_->Decode(tokens, prev_token, /*skip_special=*/true, /*raw=*/false);
}

std::string Tokenizer::DecodeWith(std::span<const int32_t> tokens, const DecodeOptions& options) const {
  return impl_->Decode(tokens, options.prev_token, options.skip_special, /*raw=*/false);
}

bool Tokenizer::IsEndOfGeneration(int32_t token) const {
  return std::binary_search(ids_.end_of_generation.begin(), ids_.end_of_generation.end(), token);
}

}  // namespace doomscope::engine
