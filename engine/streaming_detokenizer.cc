#include "engine/streaming_detokenizer.h"

#include "engine/utf8_text.h"

namespace doomscope::engine {

std::string StreamingDetokenizer::Push(int32_t token) {
  pending_ += tokenizer_->DecodeToken(prev_, token);
  prev_ = token;
  const size_t ready = CompleteUtf8Prefix(pending_);
  std::string out = ToValidUtf8(std::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string StreamingDetokenizer::Finish() {
  std::string out = ToValidUtf8(pending_);
  pending_.clear();
  return out;
}

}  // namespace doomscope::engine
