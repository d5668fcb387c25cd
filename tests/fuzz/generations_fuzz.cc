// fuzz-link: doomscope_generations
// libFuzzer target: arbitrary bytes as a generations JSONL file through the
// one reader detect, score and replay share. Never a crash; accepted lines
// hold what the format promises.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "results/generations/generations_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace doomscope;
  static const std::string path = "/tmp/doomscope-generations-fuzz-" + std::to_string(getpid()) + ".jsonl";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  for (bool token_only : {false, true}) {
    GenerationsOptions options;
    options.allow_token_only = token_only;
    options.keep_fields = {"model", "task"};
    options.max_line_bytes = 1 << 16;
    (void)ReadGenerations(
        path, options,
        [&](Generation g) {
          if (g.item_id.empty() || g.kept.size() != 2) std::abort();
          if (!g.has_text && !(token_only && g.tokens.has_value())) std::abort();
          return absl::OkStatus();
        },
        [](const absl::Status&) {});
  }
  return 0;
}
