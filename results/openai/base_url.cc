#include "results/openai/base_url.h"

#include "absl/strings/str_cat.h"

namespace doomscope::openai {

absl::StatusOr<BaseUrl> SplitBaseUrl(std::string_view url_in) {
  std::string url(url_in);
  while (!url.empty() && url.back() == '/') url.pop_back();
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    return absl::InvalidArgumentError(absl::StrCat("base_url \"", std::string(url_in),
                                                   "\" must start with http:// or https://"));
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  BaseUrl out;
  out.origin = url.substr(0, path_start);
  if (out.origin.size() == scheme_end + 3) {
    return absl::InvalidArgumentError(absl::StrCat("base_url \"", std::string(url_in), "\" has no host"));
  }
  if (out.origin.find_first_of(" \t\r\n?#") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("base_url \"", std::string(url_in), "\" is not a plain URL"));
  }
  out.prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  return out;
}

}  // namespace doomscope::openai
