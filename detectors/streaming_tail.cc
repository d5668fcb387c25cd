#include "detectors/streaming_tail.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "detectors/unit_kind.h"

// The per-token passes are plain loops the compiler vectorizes; on x86-64 they
// are built twice (AVX2 and baseline) and the loader picks one for the CPU.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define DS_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DS_VECTOR_CLONES
#endif

namespace doomscope {
namespace {

constexpr int16_t kNever = std::numeric_limits<int16_t>::max();
constexpr size_t kHistorySlack = 4096;  // fingerprints kept before the window is moved back

// run[i] = fp[i] == f ? run[i] + 1 : 0; returns whether any run[i] > thr[i].
DS_VECTOR_CLONES
bool UpdateRuns(const int16_t* __restrict fp, int16_t* __restrict run, const int16_t* __restrict thr, int n,
                int16_t f) {
  int16_t any = 0;
  for (int i = 0; i < n; ++i) {
    const int16_t r = fp[i] == f ? static_cast<int16_t>(run[i] + 1) : static_cast<int16_t>(0);
    run[i] = r;
    any |= static_cast<int16_t>(r > thr[i]);
  }
  return any != 0;
}

// As UpdateRuns, with the coverage bound: a candidate also needs run[i] > c1 - p.
DS_VECTOR_CLONES
bool UpdateRunsBounded(const int16_t* __restrict fp, int16_t* __restrict run, const int16_t* __restrict thr,
                       const int16_t* __restrict pvec, int n, int16_t f, int16_t c1) {
  int16_t any = 0;
  for (int i = 0; i < n; ++i) {
    const int16_t r = fp[i] == f ? static_cast<int16_t>(run[i] + 1) : static_cast<int16_t>(0);
    run[i] = r;
    const int16_t cov = static_cast<int16_t>(c1 - pvec[i]);
    const int16_t t = thr[i] > cov ? thr[i] : cov;
    any |= static_cast<int16_t>(r > t);
  }
  return any != 0;
}

size_t NextPow2(size_t v) {
  size_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

}  // namespace

int16_t StreamFingerprint(int32_t token) {
  // Multiplicative hash: tokens that differ in any bit land on different
  // fingerprints far more often than 1 in 2^16 would suggest for small ids.
  const uint32_t h = static_cast<uint32_t>(token) * 0x9E3779B1u;
  return static_cast<int16_t>(h >> 16);
}

StreamingTailDetector::StreamingTailDetector(const ResolvedConfig& config, int64_t max_new_tokens,
                                             int64_t effective_max_tokens, UnitKindFn unit_kind, bool code_points)
    : k_stop_(std::max(1, config.stream.k_stop)),
      warmup_(std::max(0, config.stream.warmup_tokens)),
      p_stream_(std::max(1, config.stream.p_stream)),
      p_pad_((std::max(1, config.stream.p_stream) + 15) / 16 * 16),
      ws_factor_(std::max(1, config.stream.whitespace_l_stop_factor)),
      min_coverage_(config.tail.min_coverage),
      unit_kind_(std::move(unit_kind)),
      code_points_(code_points),
      stream_(config.stream) {
  fp_.resize(static_cast<size_t>(p_pad_) + kHistorySlack);
  run_.resize(static_cast<size_t>(p_pad_));
  thr_.resize(static_cast<size_t>(p_pad_));
  base_thr_.resize(static_cast<size_t>(p_pad_));
  pvec_.resize(static_cast<size_t>(p_pad_));
  for (int i = 0; i < p_pad_; ++i) pvec_[static_cast<size_t>(i)] = static_cast<int16_t>(i + 1);
  // The ring must hold the longest tail the rule can ask about, plus a period.
  const int64_t longest = std::max<int64_t>(static_cast<int64_t>(k_stop_) * p_stream_,
                                            static_cast<int64_t>(ws_factor_) * stream_.l_stop_max);
  ring_.resize(NextPow2(static_cast<size_t>(longest + p_stream_ + 16)));
  ring_mask_ = ring_.size() - 1;
  Reset(max_new_tokens, effective_max_tokens);
}

int16_t StreamingTailDetector::BaseThreshold(int p) const {
  if (p > p_stream_) return kNever;
  const int64_t need = std::max<int64_t>(static_cast<int64_t>(k_stop_) * p, l_stop_);
  return static_cast<int16_t>(std::min<int64_t>(kNever, need - p - 1));
}

void StreamingTailDetector::Reset(int64_t max_new_tokens, int64_t effective_max_tokens) {
  l_stop_ = StreamLStop(stream_, max_new_tokens);
  budget_ = std::max<int64_t>(0, effective_max_tokens);
  if (budget_ > 0) {
    // The latest onset whose projected coverage passes, with the same double
    // arithmetic the check uses.
    auto passes = [&](int64_t onset) {
      return static_cast<double>(budget_ - onset) / static_cast<double>(budget_) >= min_coverage_;
    };
    int64_t o = static_cast<int64_t>(std::floor(static_cast<double>(budget_) * (1.0 - min_coverage_)));
    while (passes(o + 1)) ++o;
    while (o >= -1 && !passes(o)) --o;
    onset_max_ = o;
  }
  t_ = 0;
  fired_ = false;
  fire_ = StreamFire();
  std::fill(fp_.begin(), fp_.end(), int16_t{0});
  base_ = fp_.size() - static_cast<size_t>(p_pad_);
  std::fill(run_.begin(), run_.end(), int16_t{0});
  for (int i = 0; i < p_pad_; ++i) base_thr_[static_cast<size_t>(i)] = BaseThreshold(i + 1);
  thr_ = base_thr_;
  bumped_.clear();
}

bool StreamingTailDetector::Push(int32_t token) {
  if (fired_) return false;
  ring_[static_cast<size_t>(t_) & ring_mask_] = token;
  ++t_;
  const int16_t f = StreamFingerprint(token);
  // Periods beyond the tokens seen cannot match yet; skip whole blocks of them.
  const int lim = static_cast<int>(std::min<int64_t>(p_pad_, (t_ + 15) / 16 * 16));

  // The shortest tail any period needs at this token for the coverage rule.
  int64_t need_cov;
  if (budget_ > 0) {
    need_cov = t_ - onset_max_;
  } else {
    need_cov = static_cast<int64_t>(std::ceil(min_coverage_ * static_cast<double>(t_)));
    while (need_cov > 0 && static_cast<double>(need_cov - 1) / static_cast<double>(t_) >= min_coverage_) --need_cov;
    while (static_cast<double>(need_cov) / static_cast<double>(t_) < min_coverage_) ++need_cov;
  }
  const int64_t c1 = std::clamp<int64_t>(need_cov - 1, std::numeric_limits<int16_t>::min() + p_pad_ + 1, kNever);
  const int16_t* window = fp_.data() + base_;
  bool any;
  const bool bounded = c1 > std::max<int64_t>(k_stop_, l_stop_) - 1;
  if (!bounded) {
    any = UpdateRuns(window, run_.data(), thr_.data(), lim, f);
  } else {
    any = UpdateRunsBounded(window, run_.data(), thr_.data(), pvec_.data(), lim, f, static_cast<int16_t>(c1));
  }

  // Slide the fingerprint window: the new token becomes distance 1.
  if (base_ == 0) {
    const size_t top = fp_.size() - static_cast<size_t>(p_pad_);
    std::memmove(fp_.data() + top + 1, fp_.data(), (static_cast<size_t>(p_pad_) - 1) * sizeof(int16_t));
    base_ = top;
  } else {
    --base_;
  }
  fp_[base_] = f;

  // A whitespace bump lasts while its run does.
  for (size_t k = 0; k < bumped_.size();) {
    const int i = bumped_[k];
    if (run_[static_cast<size_t>(i)] == 0) {
      thr_[static_cast<size_t>(i)] = base_thr_[static_cast<size_t>(i)];
      bumped_[k] = bumped_.back();
      bumped_.pop_back();
    } else {
      ++k;
    }
  }
  if (!any || t_ < warmup_) return false;
  return SlowPath(lim, bounded ? c1 : std::numeric_limits<int16_t>::min());
}

int64_t StreamingTailDetector::ExactRun(int p, int64_t bound) const {
  int64_t j = 0;
  const size_t t = static_cast<size_t>(t_);
  while (j < bound && ring_[(t - 1 - static_cast<size_t>(j)) & ring_mask_] ==
                          ring_[(t - 1 - static_cast<size_t>(j) - static_cast<size_t>(p)) & ring_mask_]) {
    ++j;
  }
  return j;
}

UnitKind StreamingTailDetector::Classify(int64_t onset, int p) {
  // x[onset, onset + p), read from the last p tokens (the tail is p-periodic,
  // so only they need to be in the ring).
  unit_scratch_.resize(static_cast<size_t>(p));
  const int64_t last = t_ - p;
  const int64_t shift = ((onset - last) % p + p) % p;
  for (int j = 0; j < p; ++j) {
    unit_scratch_[static_cast<size_t>(j)] = ring_[static_cast<size_t>(last + (shift + j) % p) & ring_mask_];
  }
  if (unit_kind_) return unit_kind_(unit_scratch_);
  if (code_points_) return ClassifyUnit(unit_scratch_);
  return TEXT;
}

bool StreamingTailDetector::SlowPath(int lim, int64_t c1) {
  for (int i = 0; i < lim && i < p_stream_; ++i) {
    const int p = i + 1;
    const int16_t r = run_[static_cast<size_t>(i)];
    // The same test the vector pass made: beyond the threshold and, when the
    // coverage bound is active, long enough to cover.
    if (r <= 0 || r <= thr_[static_cast<size_t>(i)] || r <= c1 - p) continue;
    // Confirm on the exact tokens (a fingerprint collision overstates runs).
    // Beyond the ring, which only a tail longer than any stop needs, the
    // fingerprint run stands in.
    const int64_t ring_bound = static_cast<int64_t>(ring_.size()) - p - 1;
    const int64_t bound = std::min<int64_t>(r, t_ - p);
    int64_t exact = ExactRun(p, std::min(bound, ring_bound));
    if (exact == ring_bound && bound > ring_bound) exact = bound;
    if (exact < r) run_[static_cast<size_t>(i)] = static_cast<int16_t>(exact);
    if (exact <= thr_[static_cast<size_t>(i)]) continue;
    const int64_t ell = exact + p;
    const int64_t onset = t_ - ell;
    const double coverage = budget_ > 0 ? static_cast<double>(budget_ - onset) / static_cast<double>(budget_)
                                        : static_cast<double>(ell) / static_cast<double>(t_);
    if (coverage < min_coverage_) continue;
    const UnitKind kind = Classify(onset, p);
    if ((kind == WHITESPACE || kind == SEPARATOR) && ws_factor_ > 1) {
      const int64_t need = std::max<int64_t>(static_cast<int64_t>(k_stop_) * p,
                                             static_cast<int64_t>(ws_factor_) * l_stop_);
      if (ell < need) {
        thr_[static_cast<size_t>(i)] = static_cast<int16_t>(std::min<int64_t>(kNever, need - p - 1));
        bumped_.push_back(i);
        continue;
      }
    }
    fired_ = true;
    fire_.detected_at = t_;
    fire_.period = p;
    fire_.covered = ell;
    fire_.onset = onset;
    fire_.full_copies = ell / p;
    fire_.coverage_projected = coverage;
    fire_.unit_kind = kind;
    fire_.unit = unit_scratch_;
    return true;
  }
  return false;
}

}  // namespace doomscope
