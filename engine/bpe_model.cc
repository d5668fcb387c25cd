#include "engine/bpe_model.h"

#include <atomic>
#include <queue>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/byte_level_map.h"
#include "engine/utf8_text.h"

namespace doomscope::engine {
namespace {

std::atomic<uint64_t> next_serial{1};

// Words seen recently on this thread, for the model that used the cache last
// (a switch of model clears it, so the cache never outlives its model's ids).
struct WordCache {
  static constexpr size_t kMaxEntries = 1 << 16;
  static constexpr size_t kMaxWordBytes = 256;
  uint64_t owner = 0;
  size_t size = 0;
  // Byte-level words and text words apart (the same bytes may stand for either).
  absl::flat_hash_map<std::string, std::vector<int32_t>> entries[2];
};

WordCache& ThreadCache(uint64_t serial) {
  thread_local WordCache cache;
  if (cache.owner != serial) {
    cache.entries[0].clear();
    cache.entries[1].clear();
    cache.size = 0;
    cache.owner = serial;
  }
  return cache;
}

}  // namespace

absl::StatusOr<BpeModel> BpeModel::Build(BpeModelConfig config, const std::string& where) {
  BpeModel m;
  m.serial_ = next_serial.fetch_add(1);
  m.vocab_.reserve(config.vocab.size());
  int32_t limit = 0;
  for (auto& [token, id] : config.vocab) {
    if (id < 0) return absl::InvalidArgumentError(absl::StrCat(where, ": token \"", token, "\" has negative id ", id));
    limit = std::max(limit, id + 1);
  }
  m.id_to_token_.resize(limit);
  for (auto& [token, id] : config.vocab) {
    m.id_to_token_[id] = token;
    m.vocab_[token] = id;  // a duplicate entry keeps the last id, as a JSON map would
  }
  m.prefix_ = std::move(config.continuing_subword_prefix);
  m.suffix_ = std::move(config.end_of_word_suffix);
  m.merges_.reserve(config.merges.size());
  std::string merged;
  for (size_t rank = 0; rank < config.merges.size(); ++rank) {
    const auto& [a, b] = config.merges[rank];
    auto ia = m.vocab_.find(a), ib = m.vocab_.find(b);
    merged.assign(a);
    if (b.size() >= m.prefix_.size() && b.compare(0, m.prefix_.size(), m.prefix_) == 0) {
      merged.append(b, m.prefix_.size());
    } else {
      merged.append(b);
    }
    auto im = m.vocab_.find(merged);
    if (ia == m.vocab_.end() || ib == m.vocab_.end() || im == m.vocab_.end()) {
      if (config.skip_unknown_merges) continue;
      const std::string& missing = ia == m.vocab_.end() ? a : ib == m.vocab_.end() ? b : merged;
      return absl::InvalidArgumentError(absl::StrCat(where, ": merge ", rank, " (\"", a, "\" + \"", b,
                                                     "\") uses \"", missing, "\", which is not in the vocabulary"));
    }
    // A pair listed twice keeps its last rank, as tokenizers' HashMap collect does.
    m.merges_[PairKey(ia->second, ib->second)] = Merge{static_cast<int32_t>(rank), im->second};
  }
  std::string ch;
  for (int b = 0; b < 256; ++b) {
    ch.clear();
    AppendUtf8(ByteToUnicode(static_cast<uint8_t>(b)), &ch);
    m.byte_char_id_[b] = m.TokenId(ch);
    m.fallback_id_[b] = m.TokenId(absl::StrFormat("<0x%02X>", b));
  }
  if (config.unk_token) m.unk_id_ = m.TokenId(*config.unk_token);  // absent: unknown characters are dropped
  m.fuse_unk_ = config.fuse_unk;
  m.byte_fallback_ = config.byte_fallback;
  m.ignore_merges_ = config.ignore_merges;
  return m;
}

int32_t BpeModel::TokenId(std::string_view token) const {
  auto it = vocab_.find(absl::string_view(token.data(), token.size()));
  return it == vocab_.end() ? -1 : it->second;
}

std::string_view BpeModel::TokenText(int32_t id) const {
  if (id < 0 || id >= id_limit()) return {};
  return id_to_token_[id];
}

void BpeModel::InitialSymbols(std::string_view word, std::vector<int32_t>* symbols) const {
  bool unk_pending = false;
  std::string piece;
  size_t i = 0;
  while (i < word.size()) {
    char32_t cp;
    const size_t len = DecodeUtf8(word, i, &cp);
    const bool first = i == 0, last = i + len == word.size();
    piece.clear();
    if (!first) piece += prefix_;
    piece.append(word.substr(i, len));
    if (last) piece += suffix_;
    i += len;
    if (const int32_t id = TokenId(piece); id >= 0) {
      if (unk_pending) symbols->push_back(unk_id_);
      unk_pending = false;
      symbols->push_back(id);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (char c : piece) all = all && fallback_id_[static_cast<unsigned char>(c)] >= 0;
      if (all) {
        // tokenizers emits these before flushing a pending unknown token.
        for (char c : piece) symbols->push_back(fallback_id_[static_cast<unsigned char>(c)]);
        continue;
      }
    }
    if (unk_id_ >= 0) {
      if (unk_pending && !fuse_unk_) symbols->push_back(unk_id_);
      unk_pending = true;
    }
  }
  if (unk_pending) symbols->push_back(unk_id_);
}

// tokenizers' Word::merge_all: a heap of candidate merges ordered by (rank,
// position); an entry is stale when its left symbol is gone or the pair now
// there merges to something else.
void BpeModel::MergeSymbols(std::vector<int32_t>* symbols) const {
  std::vector<int32_t>& sym = *symbols;
  const int n = static_cast<int>(sym.size());
  if (n < 2 || merges_.empty()) return;
  struct Candidate {
    int32_t rank, pos, id;
    bool operator<(const Candidate& o) const {  // priority_queue pops the largest: invert
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::vector<int> prev(n), next(n);
  std::vector<char> alive(n, 1);
  std::vector<Candidate> storage;
  storage.reserve(n);
  std::priority_queue<Candidate> heap(std::less<Candidate>(), std::move(storage));
  auto consider = [&](int left, int right) {
    auto it = merges_.find(PairKey(sym[left], sym[right]));
    if (it != merges_.end()) heap.push({it->second.rank, left, it->second.id});
  };
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  for (int i = 0; i + 1 < n; ++i) consider(i, i + 1);
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    if (!alive[c.pos] || next[c.pos] < 0) continue;
    const int right = next[c.pos];
    auto it = merges_.find(PairKey(sym[c.pos], sym[right]));
    if (it == merges_.end() || it->second.id != c.id) continue;
    sym[c.pos] = c.id;
    alive[right] = 0;
    next[c.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.pos;
    if (prev[c.pos] >= 0) consider(prev[c.pos], c.pos);
    if (next[c.pos] >= 0) consider(c.pos, next[c.pos]);
  }
  int out = 0;
  for (int i = 0; i < n; ++i) {
    if (alive[i]) sym[out++] = sym[i];
  }
  sym.resize(out);
}

void BpeModel::TokenizeUncached(std::string_view word, bool byte_level, std::vector<int32_t>* out) const {
  std::string mapped;
  std::string_view text = word;
  bool fast = byte_level && prefix_.empty() && suffix_.empty();
  if (fast) {
    for (char c : word) fast = fast && byte_char_id_[static_cast<unsigned char>(c)] >= 0;
  }
  if (byte_level && (!fast || ignore_merges_)) {
    AppendByteLevel(word, &mapped);
    text = mapped;
  }
  if (ignore_merges_) {
    if (const int32_t id = TokenId(text); id >= 0) {
      out->push_back(id);
      return;
    }
  }
  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  if (fast) {
    for (char c : word) symbols.push_back(byte_char_id_[static_cast<unsigned char>(c)]);
  } else {
    InitialSymbols(text, &symbols);
  }
  MergeSymbols(&symbols);
  out->insert(out->end(), symbols.begin(), symbols.end());
}

void BpeModel::Tokenize(std::string_view word, bool byte_level, std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (word.size() > WordCache::kMaxWordBytes) {
    TokenizeUncached(word, byte_level, out);
    return;
  }
  WordCache& cache = ThreadCache(serial_);
  auto& entries = cache.entries[byte_level ? 1 : 0];
  if (auto it = entries.find(absl::string_view(word.data(), word.size())); it != entries.end()) {
    out->insert(out->end(), it->second.begin(), it->second.end());
    return;
  }
  const size_t before = out->size();
  TokenizeUncached(word, byte_level, out);
  if (cache.size >= WordCache::kMaxEntries) {
    cache.entries[0].clear();
    cache.entries[1].clear();
    cache.size = 0;
  }
  entries.emplace(std::string(word), std::vector<int32_t>(out->begin() + before, out->end()));
  ++cache.size;
}

}  // namespace doomscope::engine
