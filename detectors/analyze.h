// The detectors' one entry point: every finding DETECTORS.md section 9 defines,
// for one generated sample.
//
// Level: token ids are the primary sequence when present (the token level);
// the character level (normalized text, see normalize.h) is computed as well
// whenever text exists, for `verdict.level_disagreement` and for what needs
// text (unit kinds and previews without a detokenizer, digit folding, the
// open-r1 word penalty). Without tokens the character level is primary.
//
// verdict.doom_loop = capped AND tail.periodic, where for a sample our
// streaming rule stopped (finish_reason LOOP) coverage is the projected
// full-budget coverage (E - onset) / E with E = effective_max_tokens.
#ifndef DOOMSCOPE_DETECTORS_ANALYZE_H_
#define DOOMSCOPE_DETECTORS_ANALYZE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "detectors/config_defaults.h"
#include "results/proto/detector.pb.h"

namespace doomscope {

struct SampleText {
  // The generated text (no prompt). May be empty when only tokens exist.
  std::string_view text;
  // The generated token ids, without prompt, special and EOS tokens. When
  // present, the token level is used.
  std::optional<std::span<const int32_t>> tokens;
  FinishReason finish_reason = FINISH_REASON_UNSPECIFIED;
  // With no finish reason: count the sample as capped (doomscope detect
  // --assume-capped). Otherwise it is capped only when its token count
  // reaches effective_max_tokens.
  bool assume_capped = false;
  int64_t max_new_tokens = 0;        // 0: unknown
  int64_t effective_max_tokens = 0;  // min(max_new_tokens, ctx - prompt_len); 0: max_new_tokens
  // For samples the streaming rule stopped: the token count when it fired
  // (0: the number of tokens given).
  int64_t detected_at = 0;
  // The chat template opened the think segment in the prompt: set by the
  // caller, or found in `prompt` (PromptLeavesThinkOpen) when it is given.
  bool think_open_at_start = false;
  // The prompt as the model saw it (rendered chat), when known; only its end
  // is read, to see whether it leaves a think segment open.
  std::string_view prompt;
  // Token ids -> text. Optional; without it token-level units are classified
  // from the character level where possible (see analyze.cc).
  std::function<std::string(std::span<const int32_t>)> detokenize;
};

DetectorFindings AnalyzeSample(const SampleText& sample, const DetectorConfig& config);
// The same with the config already resolved (no per-call resolution).
DetectorFindings AnalyzeSample(const SampleText& sample, const ResolvedConfig& config);

// 64-bit FNV-1a, the stable hash behind tail.unit_hash (over the unit's UTF-8
// bytes at the character level, its ids' little-endian bytes at the token level).
uint64_t StableHash64(const void* data, size_t size);

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_ANALYZE_H_
