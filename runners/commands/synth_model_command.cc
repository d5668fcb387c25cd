// `doomscope synth-model`: writes a deterministic random-weight GGUF with the
// shape of a real model (engine/synth_model.h), or the same weights as a
// Hugging Face folder (--format hf, engine/hf_synth.h), for speed measurements
// at realistic sizes and format tests without downloads.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "engine/hf_synth.h"
#include "engine/synth_model.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_FLAG(std::string, arch, "",
          "Architecture of the synthetic model: llama, qwen3, lfm2 or qwen35 (default: the shape's; must match it).");
ABSL_FLAG(std::string, shape, "",
          "Shape to imitate: llama: stories260K, stories15M, stories110M, smollm2-135m, smollm2-360m, "
          "tinyllama-1.1b, llama3.2-1b, llama3-tiny; qwen3: qwen3-0.6b, qwen3-tiny; lfm2: lfm2-350m, "
          "lfm2-1.2b, lfm2-tiny; qwen35: qwen3.5-0.8b, qwen35-tiny.");
ABSL_FLAG(int, vocab_size, 0,
          "synth-model: the vocabulary size instead of the shape's (>= 300), e.g. to pair a small shape with a "
          "real tokenizer given to the suite or to generate --tokenizer (0: the shape's).");
ABSL_FLAG(std::string, format, "gguf",
          "synth-model: gguf (one file) or hf (a Hugging Face folder: model.safetensors, config.json, "
          "generation_config.json, tokenizer.json; f32, f16 or bf16).");

namespace doomscope {
namespace {

int RunSynthModel(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "doomscope synth-model: unexpected argument '%s'\n", args[0].c_str());
    return kExitBadInput;
  }
  const std::string arch = absl::GetFlag(FLAGS_arch);
  const std::string shape = absl::GetFlag(FLAGS_shape);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (!arch.empty() && arch != "llama" && arch != "qwen3" && arch != "lfm2" && arch != "qwen35") {
    std::fprintf(stderr, "doomscope synth-model: --arch '%s' is not supported (llama, qwen3, lfm2, qwen35)\n",
                 arch.c_str());
    return kExitBadInput;
  }
  if (shape.empty() || out.empty()) {
    std::fprintf(stderr, "doomscope synth-model: --shape and --out are required\n");
    return kExitBadInput;
  }
  absl::StatusOr<engine::ModelConfig> config = engine::FindSynthShape(shape);
  if (!config.ok()) {
    std::fprintf(stderr, "doomscope synth-model: --shape: %s\n", std::string(config.status().message()).c_str());
    return kExitBadInput;
  }
  if (const int vocab = absl::GetFlag(FLAGS_vocab_size); vocab != 0) {
    if (vocab < 300) {
      std::fprintf(stderr, "doomscope synth-model: --vocab_size %d: synthetic models need at least 300 tokens\n", vocab);
      return kExitBadInput;
    }
    config->vocab_size = vocab;
  }
  const char* shape_arch = engine::ArchitectureName(config->arch);
  if (!arch.empty() && arch != shape_arch) {
    std::fprintf(stderr, "doomscope synth-model: --shape %s is a %s shape, not %s\n", shape.c_str(), shape_arch,
                 arch.c_str());
    return kExitBadInput;
  }
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "gguf" && format != "hf") {
    std::fprintf(stderr, "doomscope synth-model: --format '%s' is not gguf or hf\n", format.c_str());
    return kExitBadInput;
  }
  const std::string dtype_flag = absl::GetFlag(FLAGS_dtype);
  absl::StatusOr<engine::DType> dtype = engine::ParseDType(dtype_flag.empty() ? "f32" : dtype_flag);
  if (!dtype.ok()) {
    std::fprintf(stderr, "doomscope synth-model: --dtype: %s\n", std::string(dtype.status().message()).c_str());
    return kExitBadInput;
  }
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  const auto start = std::chrono::steady_clock::now();
  if (format == "hf") {
    absl::Status s = engine::WriteSynthHfFolder(*config, *dtype, seed, shape, absl::GetFlag(FLAGS_tokenizer), out);
    if (!s.ok()) {
      std::fprintf(stderr, "doomscope synth-model: %s\n", std::string(s.message()).c_str());
      // Writing failed (disk, permissions): 1; anything about the inputs (a bad tokenizer.json, q8_0): 2.
      const bool io = s.code() == absl::StatusCode::kDataLoss || s.code() == absl::StatusCode::kPermissionDenied;
      return io ? kExitFailure : kExitBadInput;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("wrote %s/: %s %s shape, %s, seed %llu, Hugging Face folder in %.2f s\n", out.c_str(), shape_arch,
                shape.c_str(), engine::DTypeName(*dtype), static_cast<unsigned long long>(seed), seconds);
    return kExitOk;
  }
  if (const std::filesystem::path parent = std::filesystem::path(out).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);  // as --format hf creates its folder
    if (ec) {
      std::fprintf(stderr, "doomscope synth-model: %s: cannot create the folder: %s\n", parent.c_str(),
                   ec.message().c_str());
      return kExitFailure;
    }
  }
  absl::StatusOr<engine::GgufWriter> writer = engine::SynthModelWriter(*config, *dtype, seed, shape);
  absl::Status s = writer.ok() ? writer->WriteFile(out) : writer.status();
  if (!s.ok()) {
    std::fprintf(stderr, "doomscope synth-model: %s\n", std::string(s.message()).c_str());
    return kExitFailure;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %s: %s %s shape, %s, seed %llu, %llu bytes in %.2f s\n", out.c_str(), shape_arch, shape.c_str(),
              engine::DTypeName(*dtype), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(writer->FileSize()), seconds);
  return kExitOk;
}

}  // namespace

Command SynthModelCommand() {
  return Command{
      .name = "synth-model",
      .summary = "Write a deterministic random-weight GGUF with a real model's shape (for benchmarks)",
      .usage = "doomscope synth-model [--arch llama|qwen3|lfm2|qwen35] --shape NAME [--vocab_size N] --dtype f32|f16|bf16|q8_0 "
               "--seed S --out FILE.gguf\n"
               "       doomscope synth-model --format hf --shape NAME [--dtype f32|f16|bf16] [--tokenizer "
               "tokenizer.json] --seed S --out DIR",
      .flags = {"arch", "shape", "vocab_size", "dtype", "format", "tokenizer", "seed", "out"},
      .run = RunSynthModel,
  };
}

}  // namespace doomscope
