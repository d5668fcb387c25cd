#include "runners/serve_model/logprobs_json.h"

#include <algorithm>
#include <string>

#include "results/utf8/utf8.h"

namespace doomscope::serve {
namespace {

// The raw bytes of `token` after `prev` (a special token: its piece).
std::string TokenBytes(const engine::Tokenizer& tokenizer, int32_t prev, int32_t token) {
  if (tokenizer.IsSpecial(token)) return std::string(tokenizer.Piece(token));
  return tokenizer.DecodeToken(prev, token);
}

json::Value BytesJson(const std::string& bytes) {
  json::Array a;
  a.reserve(bytes.size());
  for (char c : bytes) a.push_back(json::Value(static_cast<int64_t>(static_cast<unsigned char>(c))));
  return a;
}

// Tokens [from, to) that have log-probabilities.
size_t End(const SequenceLogprobs& seq, size_t to) {
  return std::min({to, seq.tokens.size(), seq.logprobs.size(), seq.text_offsets.size()});
}

int32_t Prev(const SequenceLogprobs& seq, size_t i) { return i == 0 ? seq.prompt_last : seq.tokens[i - 1]; }

}  // namespace

json::Value CompletionLogprobsJson(const engine::Tokenizer& tokenizer, const SequenceLogprobs& seq, size_t from,
                                   size_t to) {
  json::Array tokens, token_logprobs, top_logprobs, text_offset;
  for (size_t i = from; i < End(seq, to); ++i) {
    const engine::TokenLogprob& lp = seq.logprobs[i];
    const int32_t prev = Prev(seq, i);
    tokens.push_back(json::Value(ToValidUtf8(TokenBytes(tokenizer, prev, lp.token))));
    token_logprobs.push_back(json::Value(lp.logprob));
    // The N most likely and the chosen token (OpenAI: "up to logprobs + 1").
    json::Value top = json::Object{};
    for (const auto& [token, logprob] : lp.top) top.Set(ToValidUtf8(TokenBytes(tokenizer, prev, token)), logprob);
    top.Set(ToValidUtf8(TokenBytes(tokenizer, prev, lp.token)), lp.logprob);
    top_logprobs.push_back(std::move(top));
    text_offset.push_back(json::Value(seq.text_offsets[i]));
  }
  return json::Object{{"tokens", std::move(tokens)},
                      {"token_logprobs", std::move(token_logprobs)},
                      {"top_logprobs", std::move(top_logprobs)},
                      {"text_offset", std::move(text_offset)}};
}

json::Value ChatLogprobsJson(const engine::Tokenizer& tokenizer, const SequenceLogprobs& seq, size_t from, size_t to) {
  auto entry = [&](int32_t prev, int32_t token, double logprob) {
    const std::string bytes = TokenBytes(tokenizer, prev, token);
    return json::Value(json::Object{{"token", ToValidUtf8(bytes)}, {"logprob", logprob}, {"bytes", BytesJson(bytes)}});
  };
  json::Array content;
  for (size_t i = from; i < End(seq, to); ++i) {
    const engine::TokenLogprob& lp = seq.logprobs[i];
    const int32_t prev = Prev(seq, i);
    json::Value e = entry(prev, lp.token, lp.logprob);
    json::Array top;
    for (const auto& [token, logprob] : lp.top) top.push_back(entry(prev, token, logprob));
    e.Set("top_logprobs", std::move(top));
    content.push_back(std::move(e));
  }
  return json::Object{{"content", std::move(content)}};
}

}  // namespace doomscope::serve
