#include "runners/common_flags.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "engine/synth_model.h"

ABSL_FLAG(std::string, input, "", "Input file (JSON Lines).");
ABSL_FLAG(std::string, output, "", "Output file; written to a temporary file and renamed at the end.");
ABSL_FLAG(bool, json, false, "Print the summary as JSON instead of a table.");
ABSL_FLAG(int, threads, 0, "Worker threads (0 = all cores).");
ABSL_FLAG(uint64_t, seed, 0, "Random seed.");
ABSL_FLAG(std::string, model, "", "Model checkpoint: GGUF file, llama2.c .bin, or HF folder.");
ABSL_FLAG(std::string, tokenizer, "",
          "Tokenizer: a GGUF file, a tokenizer.json, a Hugging Face folder or a llama2.c tok*.bin (for "
          "synth-model --format hf: a tokenizer.json to copy into the folder).");
ABSL_FLAG(std::string, dtype, "",
          "Weight matrix type f32, f16, bf16 or q8_0: generate and bench convert the weights on load "
          "(default: as stored); synth-model writes it (default f32).");
ABSL_FLAG(std::string, markdown, "", "Write a Markdown summary to this file.");
ABSL_FLAG(std::string, html, "", "Write a self-contained HTML report to this file.");
ABSL_FLAG(std::string, out, "", "Results folder.");
ABSL_FLAG(std::string, suite, "", "Suite config (textproto).");
ABSL_FLAG(std::string, shared, "", "The shared data folder (default $DOOMSCOPE_SHARED, else ../shared).");

namespace doomscope {

absl::StatusOr<std::optional<engine::DType>> LoadDTypeFlag() {
  const std::string text = absl::GetFlag(FLAGS_dtype);
  if (text.empty()) return std::nullopt;
  absl::StatusOr<engine::DType> dtype = engine::ParseDType(text);
  if (!dtype.ok()) return absl::InvalidArgumentError(absl::StrCat("--dtype: ", dtype.status().message()));
  return std::optional<engine::DType>(*dtype);
}

std::string SharedDir() {
  std::string flag = absl::GetFlag(FLAGS_shared);
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("DOOMSCOPE_SHARED"); env != nullptr && *env != '\0') return env;
  return "../shared";
}

}  // namespace doomscope
