#include "engine/hf_synth.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "engine/gguf_model.h"
#include "engine/gguf_reader.h"
#include "engine/hf_writer.h"
#include "engine/safetensors_reader.h"
#include "engine/synth_model.h"

namespace doomscope::engine {

absl::Status WriteSynthHfFolder(const ModelConfig& config, DType dtype, uint64_t seed, std::string_view name,
                                const std::string& tokenizer_json, const std::string& dir) {
  if (!SafetensorsNameOf(dtype)) {
    return absl::InvalidArgumentError(absl::StrCat("an HF folder holds f32, f16 or bf16 weights, not ",
                                                   DTypeName(dtype), " (load it with --dtype q8_0 instead)"));
  }
  absl::StatusOr<GgufWriter> gguf_writer = SynthModelWriter(config, dtype, seed, name);
  if (!gguf_writer.ok()) return gguf_writer.status();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot create the folder: ", ec.message()));
  const std::string tmp = absl::StrCat(dir, "/.synth-", ::getpid(), ".gguf");
  if (absl::Status s = gguf_writer->WriteFile(tmp); !s.ok()) return s;
  absl::StatusOr<GgufFile> gguf = GgufFile::Open(tmp);
  std::remove(tmp.c_str());  // the mapping keeps the bytes until the weights are written
  if (!gguf.ok()) return gguf.status();
  absl::StatusOr<ModelWeights> weights = ModelWeightsFromGguf(*gguf);
  if (!weights.ok()) return weights.status();
  const TokenizerVocab vocab = SynthVocab(config.vocab_size);
  HfWriteOptions options;
  options.tokenizer_json = tokenizer_json;
  // A copied tokenizer.json brings its own special tokens; the synthetic ids would not match it.
  if (tokenizer_json.empty()) options.vocab = &vocab;
  return WriteHfFolder(*weights, options, dir);
}

}  // namespace doomscope::engine
