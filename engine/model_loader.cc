#include "engine/model_loader.h"

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/convert_dtype.h"
#include "engine/file_paths.h"
#include "engine/gguf_model.h"
#include "engine/gguf_reader.h"
#include "engine/hf_model.h"
#include "engine/llama2c_reader.h"
#include "engine/mapped_file.h"
#include "engine/safetensors_reader.h"
#include "engine/tokenizer_loader.h"

namespace doomscope::engine {
namespace {

// A file that is a part of an HF folder rather than a checkpoint by itself.
bool LooksLikeSafetensors(const MappedFile& file) {
  if (file.size() < 9) return false;
  uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  return n <= file.size() - 8 && static_cast<char>(file.data()[8]) == '{';
}

absl::StatusOr<ModelFormat> FormatOf(const std::string& path, const MappedFile& file) {
  uint32_t magic = 0;
  if (file.size() >= 4) std::memcpy(&magic, file.data(), 4);
  if (magic == kGgufMagic) return ModelFormat::kGguf;
  if (LooksLikeSafetensors(file) || absl::EndsWith(path, ".safetensors") || absl::EndsWith(path, ".json")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": a file of a Hugging Face model folder; pass the folder that holds it with config.json"));
  }
  return ModelFormat::kLlama2c;
}

absl::Status NoCheckpointAt(const std::string& path) {
  if (IsDirectory(path)) {
    return absl::NotFoundError(absl::StrCat(path, ": a folder without ", std::string(kHfConfigFile),
                                            ", so not a Hugging Face model folder (checkpoints are GGUF files, "
                                            "llama2.c .bin files, or folders with config.json and *.safetensors)"));
  }
  return absl::NotFoundError(absl::StrCat(path, ": no such file or folder"));
}

// The format, and for files the mapped bytes.
struct Opened {
  ModelFormat format;
  std::shared_ptr<const MappedFile> file;  // null for a folder
};

absl::StatusOr<Opened> OpenCheckpoint(const std::string& path) {
  if (IsDirectory(path)) {
    if (!IsRegularFile(absl::StrCat(path, "/", std::string(kHfConfigFile)))) return NoCheckpointAt(path);
    return Opened{ModelFormat::kHfFolder, nullptr};
  }
  if (!IsRegularFile(path)) return NoCheckpointAt(path);
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  absl::StatusOr<ModelFormat> format = FormatOf(path, **file);
  if (!format.ok()) return format.status();
  return Opened{*format, *std::move(file)};
}

// A model's embedding may have more rows than its tokenizer has tokens: HF
// checkpoints pad it (Qwen3: 151,936 rows for 151,669 tokens), and a GGUF run
// with a tokenizer given beside it (a synth shape paired with a real
// tokenizer) is the same case. Fewer rows than tokens would index past the
// embedding; a llama2.c tokenizer has no size of its own, so it must match.
absl::Status CheckVocabMatches(const std::string& model_path, const LoadedModel& m, bool tokenizer_given) {
  const int tokens = m.tokenizer.vocab_size(), rows = m.weights.config.vocab_size;
  const bool padded_ok = m.format == ModelFormat::kHfFolder || (m.format == ModelFormat::kGguf && tokenizer_given);
  if (tokens == rows || (padded_ok && tokens < rows)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("tokenizer ", m.tokenizer_path, " has ", tokens,
                                                 " tokens but model ", model_path, " has a vocabulary of ", rows));
}

// tok<VOCAB>.bin, then tokenizer.bin, in `dir`; "" when neither exists.
std::string Llama2cTokenizerIn(const std::string& dir, int vocab_size) {
  for (const std::string& candidate : {absl::StrCat(dir, "/tok", vocab_size, ".bin"), dir + "/tokenizer.bin"}) {
    if (IsRegularFile(candidate)) return candidate;
  }
  return "";
}

}  // namespace

const char* ModelFormatName(ModelFormat f) {
  switch (f) {
    case ModelFormat::kGguf: return "gguf";
    case ModelFormat::kLlama2c: return "llama2c";
    case ModelFormat::kHfFolder: return "hf";
  }
  return "?";
}

std::vector<int32_t> LoadedModel::StopTokens() const {
  std::vector<int32_t> stops = tokenizer.end_of_generation_ids();
  stops.insert(stops.end(), eos_ids.begin(), eos_ids.end());
  if (stop_at_bos) stops.push_back(tokenizer.bos_id());
  NormalizeIdSet(&stops);
  return stops;
}

absl::StatusOr<ModelFormat> SniffModelFormat(const std::string& path) {
  absl::StatusOr<Opened> opened = OpenCheckpoint(path);
  if (!opened.ok()) return opened.status();
  return opened->format;
}

absl::StatusOr<ModelWeights> LoadModelWeights(const std::string& path, std::optional<DType> dtype) {
  absl::StatusOr<Opened> opened = OpenCheckpoint(path);
  if (!opened.ok()) return opened.status();
  absl::StatusOr<ModelWeights> weights;
  switch (opened->format) {
    case ModelFormat::kHfFolder: {
      absl::StatusOr<HfModel> hf = LoadHfFolder(path);
      if (!hf.ok()) return hf.status();
      weights = std::move(hf->weights);
      break;
    }
    case ModelFormat::kLlama2c:
      weights = ReadLlama2cCheckpoint(std::move(opened->file));
      break;
    case ModelFormat::kGguf: {
      absl::StatusOr<GgufFile> gguf = GgufFile::Parse(std::move(opened->file));
      if (!gguf.ok()) return gguf.status();
      weights = ModelWeightsFromGguf(*gguf);
      break;
    }
  }
  if (weights.ok() && dtype) ConvertMatrices(*dtype, &*weights);
  return weights;
}

absl::StatusOr<LoadedModel> LoadModel(const std::string& model_path, const std::string& tokenizer_path) {
  return LoadModel(model_path, LoadOptions{.tokenizer_path = tokenizer_path, .dtype = std::nullopt});
}

absl::StatusOr<LoadedModel> LoadModel(const std::string& model_path, const LoadOptions& options) {
  absl::StatusOr<Opened> opened = OpenCheckpoint(model_path);
  if (!opened.ok()) return opened.status();
  std::optional<ModelWeights> weights;
  std::optional<Tokenizer> tokenizer;
  std::string tok_path = options.tokenizer_path;
  bool stop_at_bos = false;
  std::vector<int32_t> eos_ids;
  std::optional<SamplingParams> default_sampling;
  switch (opened->format) {
    case ModelFormat::kGguf: {
      absl::StatusOr<GgufFile> gguf = GgufFile::Parse(std::move(opened->file));
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
      break;
    }
    case ModelFormat::kLlama2c: {
      absl::StatusOr<ModelWeights> w = ReadLlama2cCheckpoint(std::move(opened->file));
      if (!w.ok()) return w.status();
      weights = *std::move(w);
      stop_at_bos = true;
      if (tok_path.empty()) {
        tok_path = Llama2cTokenizerIn(DirectoryOf(model_path), weights->config.vocab_size);
        if (tok_path.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              model_path, ": a llama2.c checkpoint has no vocabulary and neither tok",
              weights->config.vocab_size, ".bin nor tokenizer.bin is beside it; pass --tokenizer"));
        }
      }
      break;
    }
    case ModelFormat::kHfFolder: {
      absl::StatusOr<HfModel> hf = LoadHfFolder(model_path);
      if (!hf.ok()) return hf.status();
      weights = std::move(hf->weights);
      eos_ids = hf->generation.eos_ids;
      default_sampling = hf->generation.sampling;
      // The folder's own tokenizer.json (with tokenizer_config.json and
      // generation_config.json) unless --tokenizer names another.
      if (tok_path.empty()) tok_path = model_path;
      break;
    }
  }
  if (!tokenizer) {
    absl::StatusOr<Tokenizer> t = OpenTokenizer(tok_path, weights->config.vocab_size);
    if (!t.ok()) return t.status();
    tokenizer = *std::move(t);
  }
  if (options.dtype) ConvertMatrices(*options.dtype, &*weights);
  LoadedModel m{*std::move(weights), *std::move(tokenizer), opened->format, stop_at_bos, tok_path,
                std::move(eos_ids), default_sampling};
  if (absl::Status s = CheckVocabMatches(model_path, m, !options.tokenizer_path.empty()); !s.ok()) return s;
  return m;
}

}  // namespace doomscope::engine
