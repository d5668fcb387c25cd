#include "detectors/ngram_stats.h"

#include <algorithm>
#include <string>

#include "absl/strings/string_view.h"

#include "absl/container/flat_hash_map.h"
#include "detectors/hash_set64.h"
#include "detectors/scratch.h"
#include "detectors/tail_period.h"

namespace doomscope {
namespace {

constexpr uint64_t kMod = (uint64_t{1} << 61) - 1;
constexpr uint64_t kBase = 0x1F3A5C7E9B2D4F61ull % kMod;

uint64_t MulMod(uint64_t a, uint64_t b) {
  const __uint128_t p = static_cast<__uint128_t>(a) * b;
  uint64_t r = static_cast<uint64_t>(p & kMod) + static_cast<uint64_t>(p >> 61);
  while (r >= kMod) r -= kMod;
  return r;
}

uint64_t SymbolValue(int32_t x) {
  const uint64_t v = Mix64(static_cast<uint32_t>(x)) & kMod;
  return v == 0 || v == kMod ? 1 : v;
}

// Hashes of every n-gram of x (x.size() - n + 1 of them; none if shorter).
void NgramHashes(std::span<const int32_t> x, int n, std::vector<uint64_t>* out) {
  out->clear();
  const size_t len = x.size();
  if (n < 1 || len < static_cast<size_t>(n)) return;
  const size_t count = len - static_cast<size_t>(n) + 1;
  out->resize(count);
  uint64_t* h = out->data();
  if (n <= 2) {
    // Exact: two 32-bit ids fit one key.
    for (size_t i = 0; i < count; ++i) {
      const uint64_t a = static_cast<uint32_t>(x[i]);
      const uint64_t b = n == 2 ? static_cast<uint32_t>(x[i + 1]) : 0xFFFFFFFFull;
      h[i] = Mix64((a << 32) | b);
    }
    return;
  }
  if (n <= 4) {
    for (size_t i = 0; i < count; ++i) {
      uint64_t k = Mix64((static_cast<uint64_t>(static_cast<uint32_t>(x[i])) << 32) |
                         static_cast<uint32_t>(x[i + 1]));
      for (int j = 2; j < n; ++j) k = Mix64(k ^ (static_cast<uint64_t>(static_cast<uint32_t>(x[i + j])) << 7) ^ j);
      h[i] = k;
    }
    return;
  }
  // Karp-Rabin over the window.
  uint64_t top = 1;  // kBase^(n-1)
  for (int j = 1; j < n; ++j) top = MulMod(top, kBase);
  uint64_t r = 0;
  for (int j = 0; j < n; ++j) r = (MulMod(r, kBase) + SymbolValue(x[static_cast<size_t>(j)])) % kMod;
  h[0] = Mix64(r);
  for (size_t i = 1; i < count; ++i) {
    const uint64_t out_term = MulMod(SymbolValue(x[i - 1]), top);
    r = (r + kMod - out_term) % kMod;
    r = (MulMod(r, kBase) + SymbolValue(x[i + static_cast<size_t>(n) - 1])) % kMod;
    h[i] = Mix64(r);
  }
}

struct Scratch {
  std::vector<uint64_t> hashes;
  HashSet64 set;
};

Scratch& GetScratch() {
  thread_local Scratch s;
  return s;
}

// Distinct n-grams among the first `count` hashes.
int64_t UniqueCount(const std::vector<uint64_t>& hashes, size_t count, HashSet64* set) {
  set->Reset(count);
  for (size_t i = 0; i < count; ++i) set->Add(hashes[i]);
  return static_cast<int64_t>(set->size());
}

double PenaltyFromCounts(int64_t unique, int64_t total) {
  if (total <= 0) return 0.0;
  return 0.0 - (1.0 - static_cast<double>(unique) / static_cast<double>(total));  // no -0.0
}

// Whether some length-L substring occurs twice (hash equality). Hashes are
// rolled and checked as they come, so a repeat found early ends the pass.
bool HasRepeat(std::span<const int32_t> x, int64_t L, Scratch* s) {
  if (L <= 0) return true;
  const int64_t n = static_cast<int64_t>(x.size());
  if (L >= n) return false;
  if (L <= 4) {
    NgramHashes(x, static_cast<int>(L), &s->hashes);
    s->set.Reset(s->hashes.size());
    for (uint64_t h : s->hashes) {
      if (s->set.Add(h) > 1) return true;
    }
    return false;
  }
  uint64_t top = 1;  // kBase^(L-1)
  for (int64_t j = 1; j < L; ++j) top = MulMod(top, kBase);
  s->set.Reset(static_cast<size_t>(n - L + 1));
  uint64_t r = 0;
  for (int64_t j = 0; j < L; ++j) r = (MulMod(r, kBase) + SymbolValue(x[static_cast<size_t>(j)])) % kMod;
  if (s->set.Add(Mix64(r)) > 1) return true;
  for (int64_t i = 1; i + L <= n; ++i) {
    r = (r + kMod - MulMod(SymbolValue(x[static_cast<size_t>(i - 1)]), top)) % kMod;
    r = (MulMod(r, kBase) + SymbolValue(x[static_cast<size_t>(i + L - 1)])) % kMod;
    if (s->set.Add(Mix64(r)) > 1) return true;
  }
  return false;
}

}  // namespace

int64_t LongestRepeatedSubstring(std::span<const int32_t> x, int64_t lower_bound) {
  Scratch& s = GetScratch();
  // Gallop up from the known bound, then bisect: lo repeats, hi does not.
  int64_t hi = static_cast<int64_t>(x.size());
  if (hi <= 1) return 0;
  int64_t lo = std::clamp<int64_t>(lower_bound, 0, hi - 1);
  int64_t step = 1;
  while (lo + step < hi) {
    if (HasRepeat(x, lo + step, &s)) {
      lo += step;
      step *= 2;
    } else {
      hi = lo + step;
      break;
    }
  }
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (HasRepeat(x, mid, &s)) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

double PooledSeqRep(const std::vector<const NgramFindings*>& samples, int n) {
  if (n < 1 || n > 4) return 0.0;
  int64_t unique = 0, total = 0;
  for (const NgramFindings* f : samples) {
    if (f->unique_n_size() < n || f->total_n_size() < n) continue;
    unique += f->unique_n(n - 1);
    total += f->total_n(n - 1);
  }
  return total > 0 ? 1.0 - static_cast<double>(unique) / static_cast<double>(total) : 0.0;
}

double TrlPenalty(std::span<const int32_t> ids, int n) {
  if (n < 1 || ids.size() < static_cast<size_t>(n)) return 0.0;
  Scratch& s = GetScratch();
  NgramHashes(ids, n, &s.hashes);
  const int64_t total = static_cast<int64_t>(s.hashes.size());
  return PenaltyFromCounts(UniqueCount(s.hashes, s.hashes.size(), &s.set), total);
}

double OpenR1Penalty(std::span<const int32_t> word_ids, int n) {
  // open-r1: "" -> 0, fewer than n words -> 0, else scaling * max_penalty.
  return TrlPenalty(word_ids, n);
}

double DenseRepetitionFraction(std::span<const int32_t> ids, int n, bool only_start) {
  if (ids.empty() || n < 1 || ids.size() < static_cast<size_t>(n)) return 0.0;
  Scratch& s = GetScratch();
  NgramHashes(ids, n, &s.hashes);
  s.set.Reset(s.hashes.size());
  // Mark [start, start+n) for each penalized start; count the union.
  int64_t marked = 0, covered_to = 0;  // units [0, covered_to) already counted
  int64_t curr_end = -1;               // end of the previous repeated n-gram
  for (size_t i = 0; i < s.hashes.size(); ++i) {
    if (s.set.Add(s.hashes[i]) < 2) continue;
    const int64_t start = static_cast<int64_t>(i);
    if (!only_start || start > curr_end) {
      const int64_t from = std::max(start, covered_to), to = start + n;
      if (to > from) marked += to - from;
      covered_to = std::max(covered_to, to);
    }
    curr_end = start + n;
  }
  return static_cast<double>(marked) / static_cast<double>(ids.size());
}

namespace {

absl::flat_hash_map<absl::string_view, int32_t>& WordDict() {
  thread_local absl::flat_hash_map<absl::string_view, int32_t> dict;
  return dict;
}

std::string& LoweredWords() {
  thread_local std::string lowered;
  return lowered;
}

}  // namespace

void ReleaseNgramScratch() {
  Scratch& s = GetScratch();
  ReleaseIfLarge(s.hashes);
  s.set.ReleaseIfLarger(kKeepScratchBytes);
  ReleaseIfLarge(LoweredWords());
  if (WordDict().capacity() > (1u << 20)) absl::flat_hash_map<absl::string_view, int32_t>().swap(WordDict());
}

void WordIds(std::string_view text, bool lowercase, std::vector<int32_t>* ids) {
  ids->clear();
  // Keys view the text, or a per-call copy of lowered words, so a word costs
  // no allocation.
  absl::flat_hash_map<absl::string_view, int32_t>& dict = WordDict();
  std::string& lowered = LoweredWords();
  dict.clear();
  lowered.clear();
  lowered.reserve(text.size());  // views into it stay valid: it never reallocates
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    while (i < n && (text[i] == ' ' || text[i] == '\n')) ++i;
    if (i >= n) break;
    const size_t start = i;
    bool upper = false;
    while (i < n && text[i] != ' ' && text[i] != '\n') {
      upper |= text[i] >= 'A' && text[i] <= 'Z';
      ++i;
    }
    absl::string_view word(text.data() + start, i - start);
    if (lowercase && upper) {
      const size_t at = lowered.size();
      for (size_t k = start; k < i; ++k) {
        const char c = text[k];
        lowered.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      }
      word = absl::string_view(lowered.data() + at, i - start);
    }
    auto [it, inserted] = dict.try_emplace(word, static_cast<int32_t>(dict.size()));
    ids->push_back(it->second);
  }
}

void ComputeNgramStats(std::span<const int32_t> units, const ResolvedConfig::Ngram& params,
                       int64_t lrs_lower_bound, NgramStats* out) {
  *out = NgramStats();
  Scratch& s = GetScratch();
  const int64_t len = static_cast<int64_t>(units.size());
  for (int n = 1; n <= 4; ++n) {
    NgramHashes(units, n, &s.hashes);
    // SimCTG's loop stops one n-gram early (while end_idx < len).
    const size_t count = params.simctg_variant && !s.hashes.empty() ? s.hashes.size() - 1 : s.hashes.size();
    const int64_t unique = count > 0 ? UniqueCount(s.hashes, count, &s.set) : 0;
    const int64_t total = static_cast<int64_t>(count);
    out->unique[n - 1] = unique;
    out->total[n - 1] = total;
    if (total > 0) {
      out->distinct[n - 1] = static_cast<double>(unique) / static_cast<double>(total);
      out->seq_rep[n - 1] = 1.0 - out->distinct[n - 1];
    }
    if (n == 1) {
      out->uniq_units = s.hashes.empty() ? 0 : UniqueCount(s.hashes, s.hashes.size(), &s.set);
    }
  }

  // Pipis et al.: the first prefix in which some n-gram reaches k occurrences.
  NgramHashes(units, params.pipis_n, &s.hashes);
  s.set.Reset(s.hashes.size());
  for (size_t i = 0; i < s.hashes.size(); ++i) {
    if (s.set.Add(s.hashes[i]) >= static_cast<uint32_t>(params.pipis_k)) {
      out->pipis_loop = true;
      out->pipis_first_fire = static_cast<int64_t>(i) + params.pipis_n;
      break;
    }
  }

  // TRL's penalty over 3-grams is Welleck's seq-rep-3, already counted.
  out->rep_trl = params.rl_token_n == 3 && !params.simctg_variant
                     ? (out->total[2] > 0 ? 0.0 - out->seq_rep[2] : 0.0)
                     : TrlPenalty(units, params.rl_token_n);
  out->rep_dense_frac = DenseRepetitionFraction(units, params.rl_dense_n, params.rl_dense_only_start);
  if (lrs_lower_bound == 0 && len > 0) {
    // A periodic tail of length ell and period p repeats its first ell - p
    // units: a cheap bound that saves the search most of its passes on loops.
    TailParams tp;
    tp.k_min = 2;
    tp.l_min = 1;
    tp.p_max = std::min<int64_t>(len, 4096);
    tp.min_coverage = 0;
    const TailPeriod t = FindTailPeriod(units, tp);
    if (t.found) lrs_lower_bound = t.covered - t.period;
  }
  out->lrs_frac =
      len > 0 ? static_cast<double>(LongestRepeatedSubstring(units, lrs_lower_bound)) / static_cast<double>(len) : 0.0;
}

}  // namespace doomscope
