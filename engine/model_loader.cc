#include "engine/model_loader.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/file_paths.h"
#include "engine/gguf_model.h"
#include "engine/gguf_reader.h"
#include "engine/llama2c_reader.h"
#include "engine/mapped_file.h"
#include "engine/tokenizer_loader.h"

namespace doomscope::engine {
namespace {

ModelFormat FormatOf(const MappedFile& file) {
  uint32_t magic = 0;
  if (file.size() >= 4) std::memcpy(&magic, file.data(), 4);
  return magic == kGgufMagic ? ModelFormat::kGguf : ModelFormat::kLlama2c;
}

absl::StatusOr<std::shared_ptr<const MappedFile>> OpenCheckpoint(const std::string& path) {
  if (IsDirectory(path)) {
    return absl::UnimplementedError(absl::StrCat(
        path, ": is a folder; Hugging Face safetensors folders are not supported yet (use GGUF or llama2.c .bin)"));
  }
  return MappedFile::Open(path);
}

absl::Status CheckVocabMatches(const std::string& model_path, const ModelWeights& w,
                               const std::string& tok_path, const Tokenizer& t) {
  if (t.vocab_size() == w.config.vocab_size) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "tokenizer ", tok_path, " has ", t.vocab_size(), " tokens but model ", model_path, " has a vocabulary of ",
      w.config.vocab_size));
}

}  // namespace

const char* ModelFormatName(ModelFormat f) {
  return f == ModelFormat::kGguf ? "gguf" : "llama2c";
}

absl::StatusOr<ModelFormat> SniffModelFormat(const std::string& path) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = OpenCheckpoint(path);
  if (!file.ok()) return file.status();
  return FormatOf(**file);
}

absl::StatusOr<ModelWeights> LoadModelWeights(const std::string& path) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = OpenCheckpoint(path);
  if (!file.ok()) return file.status();
  if (FormatOf(**file) == ModelFormat::kLlama2c) return ReadLlama2cCheckpoint(*std::move(file));
  absl::StatusOr<GgufFile> gguf = GgufFile::Parse(*std::move(file));
  if (!gguf.ok()) return gguf.status();
  return ModelWeightsFromGguf(*gguf);
}

absl::StatusOr<LoadedModel> LoadModel(const std::string& model_path, const std::string& tokenizer_path) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = OpenCheckpoint(model_path);
  if (!file.ok()) return file.status();
  const ModelFormat format = FormatOf(**file);
  std::optional<ModelWeights> weights;
  std::optional<Tokenizer> tokenizer;
  std::string tok_path = tokenizer_path;
  if (format == ModelFormat::kGguf) {
    absl::StatusOr<GgufFile> gguf = GgufFile::Parse(*std::move(file));
    if (!gguf.ok()) return gguf.status();
    absl::StatusOr<ModelWeights> w = ModelWeightsFromGguf(*gguf);
    if (!w.ok()) return w.status();
    weights = *std::move(w);
    if (tok_path.empty()) {
      absl::StatusOr<Tokenizer> t = Tokenizer::FromGguf(*gguf);
      if (!t.ok()) return t.status();
      tokenizer = *std::move(t);
      tok_path = model_path;
    }
  } else {
    absl::StatusOr<ModelWeights> w = ReadLlama2cCheckpoint(*std::move(file));
    if (!w.ok()) return w.status();
    weights = *std::move(w);
    if (tok_path.empty()) {
      const std::string dir = DirectoryOf(model_path);
      for (const std::string& candidate :
           {absl::StrCat(dir, "/tok", weights->config.vocab_size, ".bin"), dir + "/tokenizer.bin"}) {
        if (IsRegularFile(candidate)) {
          tok_path = candidate;
          break;
        }
      }
      if (tok_path.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            model_path, ": a llama2.c checkpoint has no vocabulary and neither tok",
            weights->config.vocab_size, ".bin nor tokenizer.bin is beside it; pass --tokenizer"));
      }
    }
  }
  if (!tokenizer) {
    absl::StatusOr<Tokenizer> t = OpenTokenizer(tok_path, weights->config.vocab_size);
    if (!t.ok()) return t.status();
    tokenizer = *std::move(t);
  }
  if (absl::Status s = CheckVocabMatches(model_path, *weights, tok_path, *tokenizer); !s.ok()) return s;
  return LoadedModel{*std::move(weights), *std::move(tokenizer), format,
                     /*stop_at_bos=*/format == ModelFormat::kLlama2c, tok_path};
}

}  // namespace doomscope::engine
