// fuzz-link: doomscope_engine_readers
// libFuzzer target: arbitrary bytes as a llama2.c checkpoint and as a llama2.c
// tokenizer file (the vocabulary size, 3..514, taken from the first two input bytes).
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/llama2c_reader.h"
#include "engine/mapped_file.h"
#include "engine/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace doomscope::engine;
  auto file = MappedFile::FromBytes(std::as_bytes(std::span(data, size)), "fuzz.bin");
  absl::StatusOr<ModelWeights> w = ReadLlama2cCheckpoint(file);
  if (w.ok()) {
    // The last float of the classifier must be inside the buffer.
    volatile std::byte last = w->classifier.data[w->classifier.bytes() - 1];
    (void)last;
  }
  if (size >= 2) {
    const int vocab = 3 + data[0] + 256 * (data[1] & 1);
    absl::StatusOr<Tokenizer> tok = Tokenizer::FromLlama2cBytes(file->bytes().subspan(2), "fuzz-tok.bin", vocab);
    if (tok.ok()) {
      std::vector<int32_t> ids = tok->Encode("Once upon a time \xC3\xBC\xF0\x9F\x99\x82", true);
      (void)tok->Decode(ids);
    }
  }
  return 0;
}
