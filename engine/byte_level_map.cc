#include "engine/byte_level_map.h"

#include <array>

#include "engine/utf8_text.h"

namespace doomscope::engine {
namespace {

struct Tables {
  std::array<char32_t, 256> to_unicode{};
  std::array<std::string, 256> to_utf8;
  std::array<int16_t, 512> to_byte{};  // every mapped code point is below U+0200
};

bool MapsToItself(int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); }

const Tables& GetTables() {
  static const Tables* tables = [] {
    auto* t = new Tables;
    t->to_byte.fill(-1);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const char32_t cp = MapsToItself(b) ? static_cast<char32_t>(b) : next++;
      t->to_unicode[b] = cp;
      AppendUtf8(cp, &t->to_utf8[b]);
      t->to_byte[cp] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return *tables;
}

}  // namespace

char32_t ByteToUnicode(uint8_t b) { return GetTables().to_unicode[b]; }

int UnicodeToByte(char32_t cp) { return cp < 512 ? GetTables().to_byte[cp] : -1; }

void AppendByteLevel(std::string_view bytes, std::string* out) {
  const Tables& t = GetTables();
  for (char c : bytes) out->append(t.to_utf8[static_cast<unsigned char>(c)]);
}

bool ByteLevelToBytes(std::string_view text, std::string* out) {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    char32_t cp;
    i += DecodeUtf8(text, i, &cp);
    const int b = UnicodeToByte(cp);
    if (b < 0) return false;
    out->push_back(static_cast<char>(b));
  }
  return true;
}

}  // namespace doomscope::engine
