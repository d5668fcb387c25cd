#include "runners/default_suite.h"

#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "results/json/jsonl.h"

namespace doomscope {
namespace fs = std::filesystem;

namespace {

constexpr const char* kStages[][2] = {{"pretrain", "PRETRAIN"}, {"sft", "SFT"}, {"dpo", "DPO"}, {"rl", "RL"}};

}  // namespace

std::string DefaultSuiteText(const std::string& shared_dir) {
  const std::string models = (fs::absolute(shared_dir) / "models").lexically_normal().string();
  const std::string tokenizer = models + "/stories260K/tok512.bin";
  std::string s =
      "# doomscope's embedded default suite (doomscope run without --suite): the\n"
      "# stages-a checkpoints of the shared folder, greedy and T=0.8 x3.\n"
      "name: \"stages-a\"\n";
  const char* parent = nullptr;
  for (const auto& [name, stage] : kStages) {
    absl::StrAppend(&s, "checkpoint { name: \"", name, "\" stage: ", stage,
                    parent != nullptr ? absl::StrCat(" parent: \"", parent, "\"") : std::string(), " path: \"",
                    models, "/stages-a/", name, ".bin\" tokenizer: \"", tokenizer, "\" }\n");
    parent = name;
  }
  absl::StrAppend(&s, "task { name: \"stories\" kind: PROMPTS_JSONL prompts: \"", models,
                  "/stages-a/eval_prompts.jsonl\" }\n",
                  "sampling { name: \"greedy\" temperature: 0 max_new_tokens: 256 }\n",
                  "sampling { name: \"t0.8\" temperature: 0.8 samples: 3 seed: 1004 max_new_tokens: 256 }\n");
  return s;
}

absl::StatusOr<std::string> WriteDefaultSuite(const std::string& shared_dir, const std::string& out_dir) {
  const fs::path stages = fs::path(shared_dir) / "models" / "stages-a";
  std::error_code ec;
  if (!fs::is_regular_file(stages / "pretrain.bin", ec)) {
    return absl::NotFoundError(absl::StrCat(
        "the default suite needs the shared data folder, but ", (stages / "pretrain.bin").string(),
        " does not exist; put the shared folder beside the checkout (../shared), pass --shared DIR or set "
        "DOOMSCOPE_SHARED, or run your own suite with --suite FILE"));
  }
  fs::create_directories(out_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", out_dir, ": ", ec.message()));
  const std::string path = (fs::path(out_dir) / "default-suite.textproto").string();
  // A run may be using the folder: leave an identical suite file as it is.
  const std::string text = DefaultSuiteText(shared_dir);
  std::string existing;
  if (fs::is_regular_file(path, ec) && json::ReadFileToString(path, &existing).ok() && existing == text) return path;
  absl::Status written = json::WriteFileAtomically(path, text);
  if (!written.ok()) return written;
  return path;
}

}  // namespace doomscope
