// `doomscope synth-model`: writes a deterministic random-weight GGUF with the
// shape of a real model (engine/synth_model.h), or the same weights as a
// Hugging Face folder (--format hf, engine/hf_synth.h), for speed measurements
// at realistic sizes and format tests without downloads.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "engine/hf_synth.h"
#include "engine/synth_model.h"
#include "runners/commands/commands.h"
#include "runners/common_flags.h"

ABSL_FLAG(std::string, arch, "llama", "Architecture of the synthetic model (llama).");
ABSL_FLAG(std::string, shape, "", "Shape to imitate: stories260K, stories15M, stories110M, smollm2-135m, "
                                  "smollm2-360m, tinyllama-1.1b.");
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
  if (arch != "llama") {
    std::fprintf(stderr, "doomscope synth-model: --arch '%s' is not supported (llama)\n", arch.c_str());
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
    std::printf("wrote %s/: %s shape, %s, seed %llu, Hugging Face folder in %.2f s\n", out.c_str(), shape.c_str(),
                engine::DTypeName(*dtype), static_cast<unsigned long long>(seed), seconds);
    return kExitOk;
  }
  absl::StatusOr<engine::GgufWriter> writer = engine::SynthModelWriter(*config, *dtype, seed, shape);
  absl::Status s = writer.ok() ? writer->WriteFile(out) : writer.status();
  if (!s.ok()) {
    std::fprintf(stderr, "doomscope synth-model: %s\n", std::string(s.message()).c_str());
    return kExitFailure;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %s: %s shape, %s, seed %llu, %llu bytes in %.2f s\n", out.c_str(), shape.c_str(),
              engine::DTypeName(*dtype), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(writer->FileSize()), seconds);
  return kExitOk;
}

}  // namespace

Command SynthModelCommand() {
  return Command{
      .name = "synth-model",
      .summary = "Write a deterministic random-weight GGUF with a real model's shape (for benchmarks)",
      .usage = "doomscope synth-model --arch llama --shape NAME --dtype f32|f16|bf16|q8_0 --seed S --out FILE.gguf\n"
               "       doomscope synth-model --format hf --shape NAME [--dtype f32|f16|bf16] [--tokenizer "
               "tokenizer.json] --seed S --out DIR",
      .flags = {"arch", "shape", "dtype", "format", "tokenizer", "seed", "out"},
      .run = RunSynthModel,
  };
}

}  // namespace doomscope
