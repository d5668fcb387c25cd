// String concatenation for error messages that takes std::string_view
// (Debian's Abseil has its own absl::string_view, which absl::StrCat needs).
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_CAT_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_CAT_H_

#include <string>
#include <string_view>
#include <type_traits>

namespace doomscope::engine::jinja {

inline void AppendPiece(std::string* out, std::string_view s) { out->append(s); }
inline void AppendPiece(std::string* out, const char* s) { out->append(s); }
inline void AppendPiece(std::string* out, const std::string& s) { out->append(s); }
template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>)
void AppendPiece(std::string* out, T v) {
  out->append(std::to_string(v));
}
void AppendPiece(std::string* out, double v);  // shortest round-trip text

template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (AppendPiece(&out, args), ...);
  return out;
}

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_CAT_H_
