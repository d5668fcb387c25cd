// An OpenAI-compatible API's base URL ("http://127.0.0.1:8080/v1") split into
// the origin the HTTP client connects to and the path requests start with.
// Separate from the client so that checking a suite file needs no HTTP code.
#ifndef DOOMSCOPE_RESULTS_OPENAI_BASE_URL_H_
#define DOOMSCOPE_RESULTS_OPENAI_BASE_URL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace doomscope::openai {

struct BaseUrl {
  std::string origin;  // scheme://host[:port]
  std::string prefix;  // the path ("/v1"), without a trailing '/'; "" for none
};

// http:// or https://, a host, an optional path; errors quote the URL.
absl::StatusOr<BaseUrl> SplitBaseUrl(std::string_view url);

}  // namespace doomscope::openai

#endif  // DOOMSCOPE_RESULTS_OPENAI_BASE_URL_H_
