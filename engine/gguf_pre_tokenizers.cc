#include "engine/gguf_pre_tokenizers.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

constexpr const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen35 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt4o =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kTekken =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kDeepseek3Words =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct Family {
  std::initializer_list<const char*> names;
  const char* family;
  std::initializer_list<const char*> regexes;
  bool ignore_merges, add_bos, nfc;
};

const Family kFamilies[] = {
    {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"},
     "llama3", {kLlama3}, true, true, false},
    {{"dbrx", "smaug-bpe"}, "llama3 (dbrx)", {kLlama3}, false, false, false},
    {{"chatglm-bpe", "glm4"}, "chatglm4", {kLlama3}, false, false, false},
    {{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open"},
     "qwen2", {kQwen2}, false, false, true},
    {{"qwen35"}, "qwen35", {kQwen35}, false, false, true},
    {{"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
      "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4", "mpt", "olmo", "jais", "trillion",
      "granite-docling"},
     "gpt2", {kGpt2}, false, false, false},
    {{"smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b", "mellum2"},
     "starcoder (digits, then gpt2)", {R"(\p{N})", kGpt2}, false, false, false},
    {{"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}, "gpt-4o", {kGpt4o}, false, false, false},
    {{"tekken"}, "tekken", {kTekken}, true, true, false},
    {{"deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4"},
     "deepseek-v3",
     {R"(\p{N}{1,3})", R"([一-龥぀-ゟ゠-ヿ]+)", kDeepseek3Words},
     false, false, false},
    {{"deepseek-coder"},
     "deepseek-coder",
     {R"([\r\n])", R"(\s?\p{L}+)", R"(\s?\p{P}+)", R"([一-龥ࠀ-一가-퟿]+)", R"(\p{N})"},
     false, false, false},
    {{"falcon"},
     "falcon",
     {R"([\p{P}\$\+<=>\^~\|]+)", R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))",
      R"([0-9][0-9][0-9])"},
     false, false, false},
    {{"bloom", "poro-chat", "gpt3-finnish"}, "bloom", {R"( ?[^(\s|.,!?…。，、।۔،)]+)"}, false, false, false},
    {{"seed-coder"},
     "seed-coder",
     {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)"},
     false, false, false},
    {{"bailingmoe", "bailingmoe2", "llada-moe"},
     "bailingmoe",
     {R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)"},
     false, false, false},
    {{"grok-2"}, "grok-2", {kQwen2}, false, false, false},
    {{"minicpm5"},
     "minicpm5",
     {R"(\p{N}{1,3})",
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
     true, false, false},
    {{"default"},
     "default",
     {R"([\p{P}\$\+<=>\^~\|]+)", R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))",
      R"(\p{N}+)", R"([0-9][0-9][0-9])"},
     false, false, false},
};

}  // namespace

absl::StatusOr<GgufPreTokenizer> LookupGgufPreTokenizer(std::string_view pre) {
  for (const Family& f : kFamilies) {
    for (const char* name : f.names) {
      if (pre != name) continue;
      GgufPreTokenizer p;
      p.family = f.family;
      for (const char* r : f.regexes) p.regexes.emplace_back(r);
      p.ignore_merges = f.ignore_merges;
      p.add_bos = f.add_bos;
      p.nfc = f.nfc;
      return p;
    }
  }
  return absl::UnimplementedError(absl::StrCat(
      "tokenizer.ggml.pre '", std::string(pre),
      "' is not a known pre-tokenizer (known: llama-bpe/llama3/lfm2, qwen2, qwen35, gpt-2, smollm/starcoder, gpt-4o, "
      "tekken, deepseek-v3, deepseek-coder, falcon, bloom, seed-coder, bailingmoe, grok-2, minicpm5, dbrx, "
      "chatglm-bpe, default and their aliases)"));
}

}  // namespace doomscope::engine
