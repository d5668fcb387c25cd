// The suite-file checks of `backend { openai { } }`, apart from the backend
// itself (see engine_backend_config.cc): no HTTP code is needed to read a suite.
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "results/openai/base_url.h"
#include "runners/openai_backend.h"

namespace doomscope {

absl::Status OpenAiHttpBackend::CheckConfig(const SuiteConfig& suite) {
  const OpenAiBackend& c = suite.backend().openai();
  if (c.base_url().empty()) return absl::InvalidArgumentError("backend.openai.base_url: no URL given");
  if (absl::StatusOr<openai::BaseUrl> url = openai::SplitBaseUrl(c.base_url()); !url.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("backend.openai.", url.status().message()));
  }
  if (c.concurrency() < 0 || c.concurrency() > kMaxOpenAiConcurrency) {
    return absl::InvalidArgumentError(
        absl::StrCat("backend.openai.concurrency must be in [1, ", kMaxOpenAiConcurrency, "], got ", c.concurrency()));
  }
  if (!std::isfinite(c.timeout_s()) || c.timeout_s() < 0 || c.timeout_s() > kMaxOpenAiTimeoutS) {
    return absl::InvalidArgumentError(
        absl::StrCat("backend.openai.timeout_s must be in (0, ", kMaxOpenAiTimeoutS, "], got ", c.timeout_s()));
  }
  if (c.has_max_retries() && (c.max_retries() < 0 || c.max_retries() > kMaxOpenAiRetries)) {
    return absl::InvalidArgumentError(
        absl::StrCat("backend.openai.max_retries must be in [0, ", kMaxOpenAiRetries, "], got ", c.max_retries()));
  }
  return absl::OkStatus();
}

}  // namespace doomscope
