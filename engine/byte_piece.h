// SentencePiece's byte tokens: "<0xNN>" stands for the raw byte 0xNN (byte
// fallback in llama2.c/GGUF vocabularies and tokenizer.json BPE models).
#ifndef DOOMSCOPE_ENGINE_BYTE_PIECE_H_
#define DOOMSCOPE_ENGINE_BYTE_PIECE_H_

#include <string_view>

namespace doomscope::engine {

// The byte a "<0xNN>" piece stands for (either hex case), else -1.
inline int BytePieceValue(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(piece[3]), lo = hex(piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_BYTE_PIECE_H_
