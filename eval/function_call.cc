#include "eval/function_call.h"

#include "absl/strings/str_cat.h"

namespace doomscope::eval {

std::string JsonPointerChild(std::string_view pointer, std::string_view key) {
  std::string out(pointer);
  out.push_back('/');
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string JsonPointerChild(std::string_view pointer, size_t index) {
  return absl::StrCat(absl::string_view(pointer.data(), pointer.size()), "/", index);
}

}  // namespace doomscope::eval
