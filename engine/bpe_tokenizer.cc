#include "engine/bpe_tokenizer.h"

#include "engine/byte_piece.h"
#include "engine/utf8_text.h"

namespace doomscope::engine {

BpeTokenizer::BpeTokenizer(BpeTokenizerParts parts)
    : parts_(std::move(parts)), matcher_(parts_.added_tokens, &parts_.normalizer) {
  vocab_size_ = parts_.model->id_limit();
  added_decoded_.reserve(parts_.added_tokens.size());
  for (size_t i = 0; i < parts_.added_tokens.size(); ++i) {
    const AddedToken& t = parts_.added_tokens[i];
    added_by_id_[t.id] = i;
    vocab_size_ = std::max(vocab_size_, t.id + 1);
    // tokenizers decodes a normalized added token as its normalized form.
    added_decoded_.push_back(t.normalized ? parts_.normalizer.Apply(ToValidUtf8(t.content)) : t.content);
  }
}

void BpeTokenizer::EncodeText(std::string_view text, bool at_start, bool parse_special,
                              std::vector<int32_t>* out) const {
  const std::string normalized = parts_.normalizer.empty() ? std::string(text) : parts_.normalizer.Apply(text);
  std::vector<PreToken> pieces;
  if (matcher_.has_normalized()) {
    std::vector<AddedTokenMatcher::Segment> segments;
    matcher_.Split(normalized, /*normalized_pass=*/true, parse_special, &segments);
    for (const auto& s : segments) {
      if (s.id >= 0) {
        // Words before this token must be emitted first, in order.
        parts_.pre_tokenizer.Apply(&pieces);
        for (const PreToken& p : pieces) parts_.model->Tokenize(p.text, p.byte_level, out);
        pieces.clear();
        out->push_back(s.id);
        continue;
      }
      pieces.push_back({normalized.substr(s.begin, s.end - s.begin), at_start && s.begin == 0, false});
    }
  } else if (!normalized.empty()) {
    pieces.push_back({normalized, at_start, false});
  }
  parts_.pre_tokenizer.Apply(&pieces);
  for (const PreToken& p : pieces) parts_.model->Tokenize(p.text, p.byte_level, out);
}

void BpeTokenizer::Encode(std::string_view text, bool add_special, bool parse_special,
                          std::vector<int32_t>* out) const {
  std::string repaired;
  if (!IsValidUtf8(text)) {
    repaired = ToValidUtf8(text);
    text = repaired;
  }
  const size_t first = out->size();
  std::vector<AddedTokenMatcher::Segment> segments;
  matcher_.Split(text, /*normalized_pass=*/false, parse_special, &segments);
  for (const auto& s : segments) {
    if (s.id >= 0) {
      out->push_back(s.id);
    } else {
      EncodeText(text.substr(s.begin, s.end - s.begin), s.begin == 0, parse_special, out);
    }
  }
  if (add_special && (!parts_.specials.prefix.empty() || !parts_.specials.suffix.empty())) {
    std::vector<int32_t> seq(out->begin() + first, out->end());
    parts_.specials.Apply(&seq);
    out->resize(first);
    out->insert(out->end(), seq.begin(), seq.end());
  }
}

std::string BpeTokenizer::DecodeAll(std::span<const int32_t> tokens, bool skip_special, bool raw) const {
  std::vector<std::string> pieces;
  pieces.reserve(tokens.size());
  for (int32_t id : tokens) {
    if (auto it = added_by_id_.find(id); it != added_by_id_.end()) {
      if (skip_special && parts_.added_tokens[it->second].special) continue;
      pieces.push_back(added_decoded_[it->second]);
      continue;
    }
    std::string_view text = parts_.model->TokenText(id);
    if (!text.empty()) pieces.emplace_back(text);
  }
  return raw ? parts_.decoder.DecodeRaw(std::move(pieces)) : parts_.decoder.Decode(std::move(pieces));
}

std::string BpeTokenizer::Decode(std::span<const int32_t> tokens, int32_t prev_token, bool skip_special,
                                 bool raw) const {
  if (prev_token < 0) return DecodeAll(tokens, skip_special, raw);
  // A continuation: what decoding prev + tokens adds to decoding prev alone,
  // so decoders that treat the first token specially (Strip, Metaspace) see
  // the real first token, as tokenizers' DecodeStream does.
  std::vector<int32_t> with_prev;
  with_prev.reserve(tokens.size() + 1);
  with_prev.push_back(prev_token);
  with_prev.insert(with_prev.end(), tokens.begin(), tokens.end());
  const std::string head = DecodeAll(std::span<const int32_t>(&prev_token, 1), skip_special, raw);
  std::string full = DecodeAll(with_prev, skip_special, raw);
  if (full.compare(0, head.size(), head) == 0) return full.substr(head.size());
  return DecodeAll(tokens, skip_special, raw);
}

std::string_view BpeTokenizer::Piece(int32_t token) const {
  if (auto it = added_by_id_.find(token); it != added_by_id_.end()) return parts_.added_tokens[it->second].content;
  return parts_.model->TokenText(token);
}

TokenKind BpeTokenizer::Kind(int32_t token) const {
  if (auto it = added_by_id_.find(token); it != added_by_id_.end()) {
    return parts_.added_tokens[it->second].special ? TokenKind::kControl : TokenKind::kUserDefined;
  }
  if (ByteValue(token) >= 0) return TokenKind::kByte;
  return parts_.model->TokenText(token).empty() ? TokenKind::kUnused : TokenKind::kNormal;
}

int32_t BpeTokenizer::TokenId(std::string_view piece) const {
  for (const AddedToken& t : parts_.added_tokens) {
    if (t.content == piece) return t.id;
  }
  return parts_.model->TokenId(piece);
}

bool BpeTokenizer::IsSpecial(int32_t token) const {
  auto it = added_by_id_.find(token);
  return it != added_by_id_.end() && parts_.added_tokens[it->second].special;
}

int32_t BpeTokenizer::ByteToken(uint8_t b) const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char piece[] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>', '\0'};
  return parts_.model->TokenId(piece);
}

int BpeTokenizer::ByteValue(int32_t token) const { return BytePieceValue(parts_.model->TokenText(token)); }

}  // namespace doomscope::engine
