#include "engine/sampler.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Higher value first, then lower token id.
bool Before(const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
  if (a.first != b.first) return a.first > b.first;
  return a.second < b.second;
}

}  // namespace

absl::Status ValidateSamplingParams(const SamplingParams& p) {
  if (!(p.temperature >= 0.0f) || !std::isfinite(p.temperature)) {
    return absl::InvalidArgumentError(absl::StrCat("temperature ", p.temperature, " must be finite and >= 0"));
  }
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) {
    return absl::InvalidArgumentError(absl::StrCat("top_p ", p.top_p, " must be in (0, 1]"));
  }
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) {
    return absl::InvalidArgumentError(absl::StrCat("min_p ", p.min_p, " must be in [0, 1]"));
  }
  if (!(p.repetition_penalty > 0.0f) || !std::isfinite(p.repetition_penalty)) {
    return absl::InvalidArgumentError(
        absl::StrCat("repetition_penalty ", p.repetition_penalty, " must be finite and > 0"));
  }
  if (p.top_k < 0) return absl::InvalidArgumentError(absl::StrCat("top_k ", p.top_k, " must be >= 0"));
  if (p.repetition_last_n < -1) {
    return absl::InvalidArgumentError(absl::StrCat("repetition_last_n ", p.repetition_last_n, " must be >= -1"));
  }
  return absl::OkStatus();
}

Rng::Rng(uint64_t seed) {
  uint64_t state = seed;
  for (uint64_t& s : s_) s = SplitMix64(&state);
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t SequenceSeed(uint64_t seed, uint64_t id) {
  uint64_t state = seed;
  const uint64_t a = SplitMix64(&state);
  state = a ^ id;
  return SplitMix64(&state);
}

int32_t Argmax(std::span<const float> logits) {
  int32_t best = -1;
  float best_value = 0.0f;
  for (size_t i = 0; i < logits.size(); ++i) {
    const float v = logits[i];
    if (std::isnan(v)) continue;
    if (best < 0 || v > best_value) {
      best = static_cast<int32_t>(i);
      best_value = v;
    }
  }
  return best < 0 ? 0 : best;
}

Sampler::Sampler(const SamplingParams& params, uint64_t sequence_id)
    : params_(params), rng_(SequenceSeed(params.seed, sequence_id)) {}

void Sampler::ApplyRepetitionPenalty(std::span<float> logits, std::span<const int32_t> history) {
  if (params_.repetition_penalty == 1.0f || params_.repetition_last_n == 0 || history.empty()) return;
  size_t n = history.size();
  if (params_.repetition_last_n > 0) n = std::min(n, static_cast<size_t>(params_.repetition_last_n));
  window_.assign(history.end() - static_cast<std::ptrdiff_t>(n), history.end());
  std::sort(window_.begin(), window_.end());
  window_.erase(std::unique(window_.begin(), window_.end()), window_.end());
  for (int32_t t : window_) {
    if (t < 0 || static_cast<size_t>(t) >= logits.size()) continue;
    float& l = logits[t];
    l = l > 0.0f ? l / params_.repetition_penalty : l * params_.repetition_penalty;
  }
}

int32_t Sampler::Sample(std::span<float> logits, std::span<const int32_t> history) {
  ApplyRepetitionPenalty(logits, history);
  if (params_.temperature == 0.0f) return Argmax(logits);

  const int32_t vocab = static_cast<int32_t>(logits.size());
  candidates_.clear();
  for (int32_t i = 0; i < vocab; ++i) {
    const float l = logits[i];
    if (!std::isnan(l) && l != -INFINITY) candidates_.emplace_back(l / params_.temperature, i);
  }
  if (candidates_.empty()) return Argmax(logits);
  bool sorted = false;
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < candidates_.size()) {
    std::nth_element(candidates_.begin(), candidates_.begin() + params_.top_k, candidates_.end(), Before);
    candidates_.resize(params_.top_k);
    std::sort(candidates_.begin(), candidates_.end(), Before);
    sorted = true;
  }
  // Softmax in double, in candidate order.
  float max_logit = -INFINITY;
  for (const auto& c : candidates_) max_logit = std::max(max_logit, c.first);
  double total = 0.0;
  for (auto& c : candidates_) {
    c.first = static_cast<float>(std::exp(static_cast<double>(c.first) - max_logit));
    total += c.first;
  }
  if (!(total > 0.0) || !std::isfinite(total)) return Argmax(logits);
  if (params_.top_p < 1.0f) {
    // Tokens below (1 - p) / (n - 1) of the mass cannot be in the nucleus: the
    // most likely token (weight exp(0) = 1) is never among them, so there are
    // at most n - 1 and together they hold less than 1 - p. Dropping them
    // first keeps the sort small on large vocabularies.
    if (!sorted && candidates_.size() > 1) {
      const double cutoff = std::min(
          1.0, (1.0 - params_.top_p) / static_cast<double>(candidates_.size() - 1) * total);
      std::erase_if(candidates_, [&](const auto& c) { return c.first < cutoff; });
    }
    if (!sorted) std::sort(candidates_.begin(), candidates_.end(), Before);
    sorted = true;
    const double target = params_.top_p * total;
    double mass = 0.0;
    size_t keep = 0;
    while (keep < candidates_.size()) {
      mass += candidates_[keep].first;
      ++keep;
      if (mass >= target) break;
    }
    candidates_.resize(keep);
  }
  if (params_.min_p > 0.0f) {
    float top = 0.0f;
    for (const auto& c : candidates_) top = std::max(top, c.first);
    const float floor = params_.min_p * top;
    std::erase_if(candidates_, [&](const auto& c) { return c.first < floor; });
  }
  double kept = 0.0;
  for (const auto& c : candidates_) kept += c.first;
  const double r = rng_.Uniform() * kept;
  double cumulative = 0.0;
  for (const auto& c : candidates_) {
    cumulative += c.first;
    if (r < cumulative) return c.second;
  }
  return candidates_.back().second;
}

}  // namespace doomscope::engine
