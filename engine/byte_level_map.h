// GPT-2's byte <-> character map (`bytes_to_unicode` in OpenAI's encoder.py,
// Hugging Face's ByteLevel pre-tokenizer and decoder, llama.cpp's
// unicode_byte_to_utf8_map): every byte becomes one printable code point, so
// byte-level BPE vocabularies store bytes as ordinary text. Bytes 0x21-0x7E,
// 0xA1-0xAC and 0xAE-0xFF map to themselves; the other 68 bytes map, in byte
// order, to U+0100 + n (space -> U+0120 'Ġ', '\n' -> U+010A 'Ċ').
#ifndef DOOMSCOPE_ENGINE_BYTE_LEVEL_MAP_H_
#define DOOMSCOPE_ENGINE_BYTE_LEVEL_MAP_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace doomscope::engine {

char32_t ByteToUnicode(uint8_t b);
// The byte a mapped code point stands for, or -1 when `cp` is not in the map.
int UnicodeToByte(char32_t cp);

// Appends the mapped form of every byte of `bytes` (UTF-8 of the code points).
void AppendByteLevel(std::string_view bytes, std::string* out);

// Maps every character of `text` (UTF-8) back to its byte. Returns false, and
// leaves *out unspecified, when a character is not in the map.
bool ByteLevelToBytes(std::string_view text, std::string* out);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_BYTE_LEVEL_MAP_H_
