#include "results/utf8/utf8.h"

#include <cstring>

namespace doomscope {
namespace {

// Bytes of `s` from `i` up to the first non-ASCII byte, eight at a time.
size_t SkipAscii(std::string_view s, size_t i) {
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  while (i + 8 <= s.size()) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if ((word & kHighBits) != 0) break;
    i += 8;
  }
  while (i < s.size() && static_cast<uint8_t>(s[i]) < 0x80) ++i;
  return i;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while ((i = SkipAscii(s, i)) < s.size()) {
    int32_t cp;
    const size_t len = Utf8SequenceAt(s, i, &cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

void AppendValidUtf8(std::string_view s, std::string* out) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t ascii_end = SkipAscii(s, i);
    out->append(s.data() + i, ascii_end - i);
    i = ascii_end;
    if (i >= s.size()) break;
    int32_t cp;
    const size_t len = Utf8SequenceAt(s, i, &cp);
    if (len == 0) {
      out->append(kReplacementUtf8);
      ++i;
    } else {
      out->append(s.data() + i, len);
      i += len;
    }
  }
}

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendValidUtf8(s, &out);
  return out;
}

int64_t CountCodePoints(std::string_view s) {
  int64_t n = 0;
  size_t i = 0;
  while (i < s.size()) {
    const size_t ascii_end = SkipAscii(s, i);
    n += static_cast<int64_t>(ascii_end - i);
    i = ascii_end;
    if (i < s.size()) {
      DecodeOne(s, &i);
      ++n;
    }
  }
  return n;
}

void DecodeUtf8(std::string_view s, std::vector<int32_t>* out) {
  out->resize(s.size());  // an upper bound: one code point per byte at most
  int32_t* d = out->data();
  size_t n = 0, i = 0;
  const size_t size = s.size();
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  while (i < size) {
    // Widen runs of ASCII without the decoder's branches.
    while (i < size && p[i] < 0x80) d[n++] = p[i++];
    if (i < size) d[n++] = DecodeOne(s, &i);
  }
  out->resize(n);
}

std::string EncodeUtf8(std::span<const int32_t> code_points) {
  std::string s;
  s.reserve(code_points.size());
  for (int32_t cp : code_points) AppendUtf8(cp, &s);
  return s;
}

std::string_view Utf8Prefix(std::string_view s, int64_t max_code_points) {
  size_t i = 0;
  for (int64_t k = 0; k < max_code_points && i < s.size(); ++k) DecodeOne(s, &i);
  return s.substr(0, i);
}

std::string_view Utf8SafePrefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  // Back up over at most 3 continuation bytes to the start of the cut sequence.
  for (int k = 0; k < 3 && end > 0 && IsUtf8ContinuationByte(s[end]); ++k) --end;
  return s.substr(0, end);
}

std::string_view Utf8SafeSuffix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t start = s.size() - max_bytes;
  for (int k = 0; k < 3 && start < s.size() && IsUtf8ContinuationByte(s[start]); ++k) ++start;
  return s.substr(start);
}

}  // namespace doomscope
