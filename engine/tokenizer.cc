#include "engine/tokenizer.h"

#include <cmath>
#include <queue>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace doomscope::engine {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The byte of a "<0xNN>" piece, else -1.
int ParseBytePiece(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  int hi = HexDigit(piece[3]), lo = HexDigit(piece[4]);
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// run.c starts its best score at -1e10 and merges only strictly above it.
constexpr float kNoMergeScore = -1e10f;

}  // namespace

absl::StatusOr<Tokenizer> Tokenizer::FromVocab(TokenizerVocab vocab) {
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
  Tokenizer t(std::move(vocab));
  const TokenizerVocab& v = t.vocab_;
  t.byte_token_.fill(-1);
  t.byte_value_.assign(n, -1);
  t.piece_to_id_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string& piece = v.pieces[i];
    int byte = ParseBytePiece(piece);
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
  }
  return t;
}

int32_t Tokenizer::Lookup(std::string_view text) const {
  if (text.size() > max_piece_length_) return -1;
  auto it = piece_to_id_.find(absl::string_view(text.data(), text.size()));
  return it == piece_to_id_.end() ? -1 : it->second;
}

void Tokenizer::AppendPieceOrBytes(std::string_view text, std::vector<int32_t>* out) const {
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
void Tokenizer::MergePairs(std::vector<int32_t>* symbols) const {
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

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool add_bos) const {
  std::vector<int32_t> symbols;
  symbols.reserve(text.size() + 1);
  if (!text.empty() && vocab_.add_dummy_prefix) AppendPieceOrBytes(" ", &symbols);
  // Split into code points the way run.c does: a byte that is not a
  // continuation byte starts a new unit; at most 4 bytes per unit.
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i++;
    while (i < text.size() && IsContinuationByte(text[i]) && i - start < 4) ++i;
    AppendPieceOrBytes(text.substr(start, i - start), &symbols);
  }
  MergePairs(&symbols);
  if (!add_bos) return symbols;
  std::vector<int32_t> out;
  out.reserve(symbols.size() + 1);
  out.push_back(vocab_.bos_id);
  out.insert(out.end(), symbols.begin(), symbols.end());
  return out;
}

std::string_view Tokenizer::Piece(int32_t token) const {
  if (token < 0 || token >= vocab_size()) return {};
  return vocab_.pieces[token];
}

float Tokenizer::Score(int32_t token) const {
  if (token < 0 || token >= vocab_size()) return 0.0f;
  return vocab_.scores[token];
}

TokenKind Tokenizer::Kind(int32_t token) const {
  if (token < 0 || token >= vocab_size()) return TokenKind::kUnused;
  return vocab_.kinds[token];
}

int Tokenizer::ByteValue(int32_t token) const {
  if (token < 0 || token >= vocab_size()) return -1;
  return byte_value_[token];
}

std::string Tokenizer::DecodeToken(int32_t prev_token, int32_t token) const {
  if (token < 0 || token >= vocab_size()) return {};
  if (vocab_.kinds[token] == TokenKind::kControl) return {};
  std::string_view piece = vocab_.pieces[token];
  // SentencePiece drops the dummy-prefix space of the first word after BOS.
  if (prev_token == vocab_.bos_id && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
  if (int b = byte_value_[token]; b >= 0) return std::string(1, static_cast<char>(b));
  return std::string(piece);
}

std::string Tokenizer::Decode(std::span<const int32_t> tokens, int32_t prev_token) const {
  std::string out;
  for (int32_t t : tokens) {
    out += DecodeToken(prev_token, t);
    prev_token = t;
  }
  return out;
}

}  // namespace doomscope::engine
