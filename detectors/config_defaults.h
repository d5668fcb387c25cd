// DetectorConfig with DETECTORS.md's defaults filled in (section 10), as a
// plain struct the hot paths read without proto accessors.
#ifndef DOOMSCOPE_DETECTORS_CONFIG_DEFAULTS_H_
#define DOOMSCOPE_DETECTORS_CONFIG_DEFAULTS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "results/proto/detector.pb.h"

namespace doomscope {

struct ResolvedConfig {
  struct Tail {  // D1
    int k_min = 3;
    int l_min_tokens = 32;
    int l_min_chars = 128;
    double min_coverage = 0.25;
    int p_max_tokens = 2048;
    int p_max_chars = 8192;
  } tail;
  struct Runs {  // D2
    int k_min = 3;
    int l_min_tokens = 64;
    int l_min_chars = 256;
    int p_max_tokens = 2048;
    int p_max_chars = 8192;
  } runs;
  struct Near {  // D4
    double min_match_frac = 0.90;
    int min_units = 128;
    int p_max = 512;
    bool digit_folding = true;
  } near;
  struct Ngram {  // D3 and the RL penalties
    int pipis_n = 30;
    int pipis_k = 20;
    bool simctg_variant = false;
    int rl_word_n = 3;
    int rl_token_n = 3;
    int rl_dense_n = 40;
    bool rl_dense_only_start = false;
    int rl_soft_overlong_cache = 0;
  } ngram;
  struct Stream {  // streaming early stop (section 8)
    int k_stop = 4;
    int l_stop_min = 64;
    int l_stop_max = 512;
    double l_stop_budget_frac = 0.05;
    int warmup_tokens = 128;
    int p_stream = 1024;
    int whitespace_l_stop_factor = 4;
    double shadow_rate = 0.05;
    double escape_warning = 0.02;
    int http_window = 4096;
    int http_stride = 32;
  } stream;
  struct Think {
    std::string open_tag = "<think>";
    std::string close_tag = "</think>";
  } think;
  int tool_identical_calls = 3;
};

// Every unset field of `config` takes its DETECTORS.md default.
ResolvedConfig ResolveConfig(const DetectorConfig& config);

// `config` with every field set explicitly (what a run manifest stores).
DetectorConfig FilledDetectorConfig(const DetectorConfig& config);

// Rejects values no detector can work with (k_min < 2, lengths < 1, fractions
// outside (0, 1], ...). The message names the field, e.g. "tail.k_min: ...".
absl::Status ValidateDetectorConfig(const DetectorConfig& config);

// L_stop for a budget: max(l_stop_min, min(l_stop_max, frac * max_new_tokens)).
int StreamLStop(const ResolvedConfig::Stream& stream, int64_t max_new_tokens);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_CONFIG_DEFAULTS_H_
