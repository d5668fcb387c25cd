#include "engine/sentencepiece_tokenizer.h"

#include <cmath>
#include <queue>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/byte_piece.h"

namespace doomscope::engine {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// run.c starts its best score at -1e10 and merges only strictly above it.
constexpr float kNoMergeScore = -1e10f;

}  // namespace

absl::StatusOr<std::unique_ptr<SentencePieceTokenizer>> SentencePieceTokenizer::Create(TokenizerVocab vocab) {
  const std::string src = vocab.source;  // a copy: `vocab` is moved below
  const size_t n = vocab.pieces.size();
  if (n == 0) return absl::InvalidArgumentError(absl::StrCat(src, ": empty vocabulary"));
  if (n > static_cast<size_t>(INT32_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(src, ": vocabulary of ", n, " tokens is too large"));
  }
  if (vocab.scores.size() != n || vocab.kinds.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(src, ": ", n, " pieces but ", vocab.scores.size(),
                                                   " scores and ", vocab.kinds.size(), " token types"));
  }
  for (auto [name, id] : {std::pair<const char*, int32_t>{"bos", vocab.bos_id},
                          {"eos", vocab.eos_id}, {"unk", vocab.unk_id}}) {
    if (id < 0 || static_cast<size_t>(id) >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat(src, ": ", name, " token id ", id, " is outside the vocabulary of ", n));
    }
  }
  std::unique_ptr<SentencePieceTokenizer> owner(new SentencePieceTokenizer(std::move(vocab)));
  SentencePieceTokenizer& t = *owner;
  const TokenizerVocab& v = t.vocab_;
  t.byte_token_.fill(-1);
  t.byte_value_.assign(n, -1);
  t.piece_to_id_.reserve(n);
  std::vector<AddedToken> specials;
  for (size_t i = 0; i < n; ++i) {
    const std::string& piece = v.pieces[i];
    int byte = BytePieceValue(piece);
    if (v.kinds[i] == TokenKind::kByte && byte < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          src, ": token ", i, " has type BYTE but its piece \"", absl::CHexEscape(piece),
          "\" is not of the form <0xNN>"));
    }
    const int32_t id = static_cast<int32_t>(i);
    if (byte >= 0) {
      t.byte_value_[i] = static_cast<int16_t>(byte);
      if (t.byte_token_[byte] < 0) t.byte_token_[byte] = id;
    }
    const bool matchable = v.match_all_pieces || v.kinds[i] == TokenKind::kNormal ||
                           v.kinds[i] == TokenKind::kUserDefined;
    // On duplicate pieces the lowest id wins (run.c's bsearch picks an unspecified one).
    if (matchable && !piece.empty()) t.piece_to_id_.try_emplace(piece, id);
    t.max_piece_length_ = std::max(t.max_piece_length_, piece.size());
    // GGUF control, unknown and user-defined tokens are cut out of the text
    // before encoding, as llama.cpp's tokenizer_st_partition does.
    if (!v.match_all_pieces && !piece.empty() &&
        (v.kinds[i] == TokenKind::kControl || v.kinds[i] == TokenKind::kUnknown ||
         v.kinds[i] == TokenKind::kUserDefined)) {
      specials.push_back(AddedToken{piece, id, v.kinds[i] != TokenKind::kUserDefined});
    }
  }
  t.specials_ = AddedTokenMatcher(std::move(specials), nullptr);
  return owner;
}

int32_t SentencePieceTokenizer::Lookup(std::string_view text) const {
  if (text.size() > max_piece_length_) return -1;
  auto it = piece_to_id_.find(absl::string_view(text.data(), text.size()));
  return it == piece_to_id_.end() ? -1 : it->second;
}

void SentencePieceTokenizer::AppendPieceOrBytes(std::string_view text, std::vector<int32_t>* out) const {
  int32_t id = Lookup(text);
  if (id >= 0) {
    out->push_back(id);
    return;
  }
  for (char c : text) {
    int32_t b = byte_token_[static_cast<unsigned char>(c)];
    out->push_back(b >= 0 ? b : vocab_.unk_id);
  }
}

// Equivalent to run.c's loop "merge the best-scoring adjacent pair, leftmost on
// ties, until none is left", in O(n log n): a heap of candidate pairs ordered by
// (score desc, left position asc); entries whose symbols changed since they were
// pushed are dropped when popped. A merged symbol keeps its left part's position,
// so position order is sequence order.
void SentencePieceTokenizer::MergePairs(std::vector<int32_t>* symbols) const {
  std::vector<int32_t>& tok = *symbols;
  const int n = static_cast<int>(tok.size());
  if (n < 2) return;
  std::vector<int> prev(n), next(n);
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    float score;
    int left, right;
    int32_t left_tok, right_tok, merged;
  };
  auto worse = [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(worse)> heap(worse);
  std::string scratch;
  auto consider = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    std::string_view a = vocab_.pieces[tok[left]], b = vocab_.pieces[tok[right]];
    if (a.size() + b.size() > max_piece_length_) return;
    scratch.assign(a);
    scratch.append(b);
    int32_t id = Lookup(scratch);
    if (id < 0) return;
    float score = vocab_.scores[id];
    if (!(score > kNoMergeScore)) return;  // also rejects NaN
    heap.push({score, left, right, tok[left], tok[right], id});
  };
  for (int i = 0; i + 1 < n; ++i) consider(i, i + 1);
  std::vector<bool> alive(n, true);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    if (!alive[c.left] || !alive[c.right] || next[c.left] != c.right ||
        tok[c.left] != c.left_tok || tok[c.right] != c.right_tok) {
      continue;
    }
    tok[c.left] = c.merged;
    alive[c.right] = false;
    next[c.left] = next[c.right];
    if (next[c.right] >= 0) prev[next[c.right]] = c.left;
    consider(prev[c.left], c.left);
    consider(c.left, next[c.left]);
  }
  int out = 0;
  for (int i = 0; i < n; ++i) {
    if (alive[i]) tok[out++] = tok[i];
  }
  tok.resize(out);
}

void SentencePieceTokenizer::EncodeFragment(std::string_view text, bool dummy_prefix,
                                            std::vector<int32_t>* out) const {
  std::vector<int32_t> symbols;
  symbols.reserve(text.size() + 1);
  if (!text.empty() && dummy_prefix) AppendPieceOrBytes(" ", &symbols);
  // Split into code points the way run.c does: a byte that is not a
  // continuation byte starts a new unit; at most 4 bytes per unit.
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i++;
    while (i < text.size() && IsContinuationByte(text[i]) && i - start < 4) ++i;
    AppendPieceOrBytes(text.substr(start, i - start), &symbols);
  }
  MergePairs(&symbols);
  out->insert(out->end(), symbols.begin(), symbols.end());
}

void SentencePieceTokenizer::Encode(std::string_view text, bool add_special, bool parse_special,
                                    std::vector<int32_t>* out) const {
  if (add_special) out->push_back(vocab_.bos_id);
  std::vector<AddedTokenMatcher::Segment> segments;
  specials_.Split(text, /*normalized_pass=*/false, parse_special, &segments);
  // llama.cpp gives the dummy prefix to the text at the start and after each special token.
  bool after_special = true;
  for (const auto& s : segments) {
    if (s.id >= 0) {
      out->push_back(s.id);
      after_special = true;
      continue;
    }
    EncodeFragment(text.substr(s.begin, s.end - s.begin), vocab_.add_dummy_prefix && after_special, out);
    after_special = false;
  }
}

std::string_view SentencePieceTokenizer::Piece(int32_t token) const {
  if (token < 0 || token >= vocab_size()) return {};
  return vocab_.pieces[token];
}

float SentencePieceTokenizer::Score(int32_t token) const {
  if (token < 0 || token >= vocab_size()) return 0.0f;
  return vocab_.scores[token];
}

TokenKind SentencePieceTokenizer::Kind(int32_t token) const {
  if (token < 0 || token >= vocab_size()) return TokenKind::kUnused;
  return vocab_.kinds[token];
}

int SentencePieceTokenizer::ByteValue(int32_t token) const {
  if (token < 0 || token >= vocab_size()) return -1;
  return byte_value_[token];
}

std::string SentencePieceTokenizer::DecodeOne(int32_t prev_token, int32_t token) const {
  if (token < 0 || token >= vocab_size()) return {};
  if (vocab_.kinds[token] == TokenKind::kControl) return {};
  std::string_view piece = vocab_.pieces[token];
  // SentencePiece drops the dummy-prefix space of the first word after BOS.
  if (prev_token == vocab_.bos_id && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
  if (int b = byte_value_[token]; b >= 0) return std::string(1, static_cast<char>(b));
  return std::string(piece);
}

std::string SentencePieceTokenizer::Decode(std::span<const int32_t> tokens, int32_t prev_token, bool,
                                           bool) const {
  // Control tokens always decode to nothing; byte tokens to their raw byte (run.c prints them as they come).
  std::string out;
  for (int32_t t : tokens) {
    out += DecodeOne(prev_token, t);
    prev_token = t;
  }
  return out;
}

int32_t SentencePieceTokenizer::TokenId(std::string_view piece) const {
  for (int32_t i = 0; i < vocab_size(); ++i) {
    if (vocab_.pieces[i] == piece) return i;
  }
  return -1;
}

bool SentencePieceTokenizer::IsSpecial(int32_t token) const {
  return Kind(token) == TokenKind::kControl;
}

}  // namespace doomscope::engine
