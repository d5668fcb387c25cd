// fuzz-link: doomscope_engine_readers
// libFuzzer target: arbitrary bytes through everything that reads a GGUF (the
// container parser, the llama weight builder and the embedded tokenizer).
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/gguf_model.h"
#include "engine/gguf_reader.h"
#include "engine/mapped_file.h"
#include "engine/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace doomscope::engine;
  auto file = MappedFile::FromBytes(std::as_bytes(std::span(data, size)), "fuzz.gguf");
  absl::StatusOr<GgufFile> gguf = GgufFile::Parse(file);
  if (!gguf.ok()) return 0;
  for (const GgufTensorInfo& t : gguf->tensors()) {
    std::span<const std::byte> bytes = gguf->TensorData(t);
    if (!bytes.empty()) {
      // Touch the first and last byte: both must lie inside the buffer.
      volatile std::byte first = bytes.front(), last = bytes.back();
      (void)first;
      (void)last;
    }
  }
  (void)ModelWeightsFromGguf(*gguf);
  absl::StatusOr<Tokenizer> tok = Tokenizer::FromGguf(*gguf);
  if (tok.ok()) {
    std::vector<int32_t> ids = tok->Encode("Once upon a time \xC3\xBC\xF0\x9F\x99\x82 <s>", true);
    (void)tok->Decode(ids);
  }
  return 0;
}
