// D1, streaming: the early-stop rule the engine runs once per generated token
// (DETECTORS.md section 8, "Option A" run counters).
//
// For every period p <= P_stream the detector keeps run[p], the number of
// consecutive latest tokens with x[i] == x[i-p], so the tail with period p is
// ell_p = run[p] + p long. It fires at the first token t >= warm-up for which
// some p has
//     ell_p >= max(k_stop * p, L_stop)      (L_stop x4 for whitespace or
//                                            separator units), and
//     (E - onset) / E >= min_coverage       (E = effective_max_tokens,
//                                            onset = t - ell_p),
// reporting the smallest such p. That p is primitive: the root of a non-
// primitive unit covers at least as much with a unit of the same kind.
//
// Cost: one pass over P_stream 16-bit counters per token (vectorized; AVX2
// when the CPU has it), independent of the output length; fixed memory
// (about 100 KB at the defaults). The counters compare 16-bit fingerprints of
// the tokens; a candidate is confirmed against the exact tokens kept in a ring
// buffer, so a fingerprint collision can only cost a re-check, never a wrong
// stop. After the rule fires, Push does nothing.
#ifndef DOOMSCOPE_DETECTORS_STREAMING_TAIL_H_
#define DOOMSCOPE_DETECTORS_STREAMING_TAIL_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "detectors/config_defaults.h"
#include "results/proto/detector.pb.h"

namespace doomscope {

// What the rule saw when it fired.
struct StreamFire {
  int64_t detected_at = 0;  // tokens generated when it fired, this one included
  int64_t period = 0;       // primitive period, tokens
  int64_t covered = 0;      // ell at detection
  int64_t onset = 0;        // detected_at - covered
  int64_t full_copies = 0;  // covered / period
  double coverage_projected = 0;  // (E - onset) / E; 1 - onset/detected_at when E is unknown
  UnitKind unit_kind = TEXT;
  std::vector<int32_t> unit;  // x[onset, onset + period)
};

class StreamingTailDetector {
 public:
  // Classifies a unit of tokens (the engine detokenizes it and calls
  // ClassifyUnitText). Without one, units are TEXT unless `code_points` is
  // set: then the symbols are code points and ClassifyUnit is used.
  using UnitKindFn = std::function<UnitKind(std::span<const int32_t> unit)>;

  // `max_new_tokens` sets L_stop; `effective_max_tokens` (E) the projected
  // coverage (<= 0: unknown, the rule then uses observed coverage).
  StreamingTailDetector(const ResolvedConfig& config, int64_t max_new_tokens, int64_t effective_max_tokens,
                        UnitKindFn unit_kind = nullptr, bool code_points = false);

  // Feeds one generated token (not prompt, special or EOS tokens). Returns
  // true on the one call at which the rule fires.
  bool Push(int32_t token);

  // Starts a new sequence, keeping the buffers.
  void Reset(int64_t max_new_tokens, int64_t effective_max_tokens);

  bool fired() const { return fired_; }
  const StreamFire& fire() const { return fire_; }
  int64_t tokens() const { return t_; }
  int l_stop() const { return l_stop_; }

 private:
  bool SlowPath(int lim, int64_t c1);
  int64_t ExactRun(int p, int64_t bound) const;
  UnitKind Classify(int64_t onset, int p);
  int16_t BaseThreshold(int p) const;  // run[p] must exceed this (ell >= max(k p, L))

  // Configuration.
  int k_stop_, warmup_, p_stream_, p_pad_, ws_factor_;
  double min_coverage_;
  UnitKindFn unit_kind_;
  bool code_points_;
  ResolvedConfig::Stream stream_;
  // Per sequence.
  int l_stop_ = 0;
  int64_t budget_ = 0;     // E, or 0
  int64_t onset_max_ = 0;  // the latest onset whose projected coverage passes
  int64_t t_ = 0;
  bool fired_ = false;
  StreamFire fire_;
  // Buffers (sizes fixed at construction).
  std::vector<int16_t> fp_;        // fingerprints, newest at fp_[base_], older above
  size_t base_ = 0;
  std::vector<int16_t> run_;       // run_[p-1]
  std::vector<int16_t> thr_;       // run_[p-1] > thr_[p-1] is a candidate
  std::vector<int16_t> base_thr_;  // thr_ without whitespace bumps
  std::vector<int16_t> pvec_;      // pvec_[p-1] = p
  std::vector<int> bumped_;        // indices whose thr_ was raised for a whitespace unit
  std::vector<int32_t> ring_;      // the latest tokens, exact
  size_t ring_mask_ = 0;
  std::vector<int32_t> unit_scratch_;
};

// The 16-bit fingerprint the counters compare (exposed for tests that build
// colliding tokens).
int16_t StreamFingerprint(int32_t token);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_STREAMING_TAIL_H_
