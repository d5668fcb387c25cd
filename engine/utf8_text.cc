#include "engine/utf8_text.h"

namespace doomscope::engine {
namespace {

// The valid range of the second byte after each lead byte (Unicode Table 3-7);
// later continuation bytes are always 0x80..0xBF.
bool SecondByteOk(unsigned char lead, unsigned char b) {
  if (lead == 0xE0) return b >= 0xA0 && b <= 0xBF;
  if (lead == 0xED) return b >= 0x80 && b <= 0x9F;
  if (lead == 0xF0) return b >= 0x90 && b <= 0xBF;
  if (lead == 0xF4) return b >= 0x80 && b <= 0x8F;
  return b >= 0x80 && b <= 0xBF;
}

bool IsLead(unsigned char b) { return b >= 0xC2 && b <= 0xF4; }

}  // namespace

size_t DecodeUtf8(std::string_view text, size_t pos, char32_t* cp) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const unsigned char lead = s[pos];
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  }
  if (!IsLead(lead)) {
    *cp = kReplacementChar;
    return 1;
  }
  const size_t need = Utf8SequenceLength(lead);
  char32_t value = lead & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07);
  size_t len = 1;
  while (len < need) {
    if (pos + len >= n) break;
    const unsigned char b = s[pos + len];
    const bool ok = len == 1 ? SecondByteOk(lead, b) : (b & 0xC0) == 0x80;
    if (!ok) break;
    value = (value << 6) | (b & 0x3F);
    ++len;
  }
  if (len < need) {  // a truncated or broken sequence: its maximal subpart is one error
    *cp = kReplacementChar;
    return len;
  }
  *cp = value;
  return len;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    char32_t cp;
    const size_t len = DecodeUtf8(text, i, &cp);
    if (cp == kReplacementChar && text.substr(i, len) != kReplacementUtf8) return false;
    i += len;
  }
  return true;
}

std::string ToValidUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  size_t i = 0;
  while (i < text.size()) {
    char32_t cp;
    const size_t len = DecodeUtf8(text, i, &cp);
    if (cp == kReplacementChar) {
      out.append(kReplacementUtf8);
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

size_t CompleteUtf8Prefix(std::string_view bytes) {
  // Only the last three bytes can hold an unfinished sequence.
  const size_t n = bytes.size();
  const size_t from = n > 3 ? n - 3 : 0;
  for (size_t start = from; start < n; ++start) {
    const auto lead = static_cast<unsigned char>(bytes[start]);
    if (!IsLead(lead)) continue;
    const size_t need = Utf8SequenceLength(lead);
    if (start + need <= n) continue;  // complete (or invalid): emit
    char32_t cp;
    // A valid-so-far prefix decodes to U+FFFD spanning exactly the rest.
    if (DecodeUtf8(bytes, start, &cp) == n - start) return start;
  }
  return n;
}

}  // namespace doomscope::engine
