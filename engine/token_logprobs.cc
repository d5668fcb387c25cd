#include "engine/token_logprobs.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

constexpr int kChunkRows = 128;  // prefill rows per step: bounded activations

}  // namespace

LogSoftmaxRow::LogSoftmaxRow(std::span<const float> logits) : logits_(logits), max_(logits[0]) {
  for (float l : logits) max_ = std::max(max_, l);
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max_);
  log_sum_ = std::log(sum);
}

TokenLogprob LogprobsOf(std::span<const float> logits, int32_t token, int top) {
  const LogSoftmaxRow row(logits);
  TokenLogprob out;
  out.token = token;
  out.logprob = row.At(token);
  // The `top` largest logits by insertion into a short sorted list: top is a
  // handful and the vocabulary large, so this beats sorting the vocabulary.
  const size_t k = std::min(static_cast<size_t>(std::max(top, 0)), logits.size());
  std::vector<int32_t> best;
  best.reserve(k + 1);
  for (size_t i = 0; i < logits.size() && k > 0; ++i) {
    const float l = logits[i];
    if (std::isnan(l) || (best.size() == k && !(l > logits[best.back()]))) continue;
    auto at = std::upper_bound(best.begin(), best.end(), l, [&](float v, int32_t b) { return v > logits[b]; });
    best.insert(at, static_cast<int32_t>(i));
    if (best.size() > k) best.pop_back();
  }
  out.top.reserve(best.size());
  for (int32_t t : best) out.top.emplace_back(t, row.At(t));
  return out;
}

absl::StatusOr<std::vector<double>> ContinuationLogprobs(Transformer& model, std::span<const int32_t> prompt,
                                                        std::span<const int32_t> continuation, int threads) {
  const ModelConfig& config = model.config();
  if (prompt.empty()) return absl::InvalidArgumentError("scoring needs a prompt of at least one token (BOS)");
  const size_t total = prompt.size() + continuation.size();
  if (config.max_seq_len > 0 && total > static_cast<size_t>(config.max_seq_len)) {
    return absl::InvalidArgumentError(absl::StrCat("prompt + continuation is ", total,
                                                   " tokens, more than the model's context of ",
                                                   config.max_seq_len));
  }
  std::vector<int32_t> sequence(prompt.begin(), prompt.end());
  sequence.insert(sequence.end(), continuation.begin(), continuation.end());
  for (size_t i = 0; i < sequence.size(); ++i) {
    if (sequence[i] < 0 || sequence[i] >= config.vocab_size) {
      return absl::InvalidArgumentError(absl::StrCat("token ", sequence[i], " at position ", i,
                                                     " is outside the vocabulary of ", config.vocab_size));
    }
  }
  std::vector<double> out;
  out.reserve(continuation.size());
  if (continuation.empty()) return out;
  KvCache cache(config, 1);
  if (absl::Status st = cache.Reserve(0, static_cast<int>(total)); !st.ok()) return st;
  // Position p predicts token p + 1: the rows from prompt.size() - 1 to
  // total - 2 want logits.
  const size_t first_logit = prompt.size() - 1;
  const size_t last_row = total - 1;  // the last token predicts nothing we score
  std::vector<float> logits;
  std::vector<StepRow> rows;
  for (size_t begin = 0; begin < last_row; begin += kChunkRows) {
    const size_t end = std::min(last_row, begin + kChunkRows);
    rows.clear();
    int wanted = 0;
    for (size_t p = begin; p < end; ++p) {
      const bool want = p >= first_logit;
      rows.push_back(StepRow{.slot = 0, .pos = static_cast<int>(p), .token = sequence[p], .want_logits = want});
      wanted += want ? 1 : 0;
    }
    logits.resize(static_cast<size_t>(std::max(wanted, 1)) * static_cast<size_t>(config.vocab_size));
    model.Step(rows, cache, logits.data(), threads);
    int k = 0;
    for (size_t p = begin; p < end; ++p) {
      if (p < first_logit) continue;
      const float* row = logits.data() + static_cast<size_t>(k) * config.vocab_size;
      out.push_back(LogSoftmaxRow(std::span<const float>(row, config.vocab_size)).At(sequence[p + 1]));
      ++k;
    }
  }
  return out;
}

}  // namespace doomscope::engine
