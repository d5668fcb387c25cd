#include "runners/common_flags.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/synth_model.h"

ABSL_FLAG(std::string, input, "", "Input file (JSON Lines).");
ABSL_FLAG(std::string, output, "", "Output file; written to a temporary file and renamed at the end.");
ABSL_FLAG(bool, json, false, "Print the summary as JSON instead of a table.");
ABSL_FLAG(doomscope::ThreadCounts, threads, doomscope::ThreadCounts{},
          "Worker threads (0 = all cores); bench takes a list to compare (1,2,4).");
ABSL_FLAG(uint64_t, seed, 0, "Random seed.");
ABSL_FLAG(std::string, model, "", "Model checkpoint: GGUF file, llama2.c .bin, or HF folder.");
ABSL_FLAG(std::string, tokenizer, "",
          "Tokenizer: a GGUF file, a tokenizer.json, a Hugging Face folder or a llama2.c tok*.bin (for "
          "synth-model --format hf: a tokenizer.json to copy into the folder).");
ABSL_FLAG(std::string, dtype, "",
          "Weight matrix type f32, f16, bf16 or q8_0: generate and bench convert the weights on load "
          "(default: as stored); synth-model writes it (default f32).");
ABSL_FLAG(std::string, kv_type, "f32",
          "generate, bench: element type of the KV cache: f32 (exact), f16 or bf16 (half the memory traffic "
          "per decode step at long contexts).");
ABSL_FLAG(std::string, markdown, "", "Write a Markdown summary to this file.");
ABSL_FLAG(std::string, html, "", "Write a self-contained HTML report to this file.");
ABSL_FLAG(std::string, out, "", "Results folder.");
ABSL_FLAG(std::string, suite, "", "Suite config (textproto).");
ABSL_FLAG(std::string, host, "127.0.0.1",
          "Address to listen on (loopback by default; anything else exposes the server to the network).");
ABSL_FLAG(int, port, 8080, "TCP port to listen on (0 picks a free one).");
ABSL_FLAG(std::string, shared, "", "The shared data folder (default $DOOMSCOPE_SHARED, else ../shared).");

namespace doomscope {

bool AbslParseFlag(absl::string_view text, ThreadCounts* out, std::string* error) {
  ThreadCounts parsed;
  parsed.counts.clear();
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int n;
    if (!absl::SimpleAtoi(part, &n) || n < 0 || n > 4096) {
      *error = absl::StrCat("'", part, "' is not a thread count (0 = all cores, else 1..4096)");
      return false;
    }
    parsed.counts.push_back(n);
  }
  *out = std::move(parsed);
  return true;
}

std::string AbslUnparseFlag(const ThreadCounts& t) { return absl::StrJoin(t.counts, ","); }

absl::StatusOr<std::optional<engine::DType>> LoadDTypeFlag() {
  const std::string text = absl::GetFlag(FLAGS_dtype);
  if (text.empty()) return std::nullopt;
  absl::StatusOr<engine::DType> dtype = engine::ParseDType(text);
  if (!dtype.ok()) return absl::InvalidArgumentError(absl::StrCat("--dtype: ", dtype.status().message()));
  return std::optional<engine::DType>(*dtype);
}

absl::StatusOr<engine::DType> KvTypeFlag() {
  const std::string text = absl::GetFlag(FLAGS_kv_type);
  absl::StatusOr<engine::DType> kv = engine::ParseDType(text);
  if (!kv.ok() || *kv == engine::DType::kQ8_0) {
    return absl::InvalidArgumentError(absl::StrCat("--kv_type '", text, "' is not f32, f16 or bf16"));
  }
  return *kv;
}

std::string SharedDir() {
  std::string flag = absl::GetFlag(FLAGS_shared);
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("DOOMSCOPE_SHARED"); env != nullptr && *env != '\0') return env;
  return "../shared";
}

}  // namespace doomscope
