#include "engine/tokenizer_gguf_export.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "engine/tokenizer_impl.h"

namespace doomscope::engine {

absl::Status AddTokenizerJsonToGguf(const Json& root, const GgufVocabOptions& options, GgufWriter* writer) {
  const Json* model = FindMember(root, "model");
  const Json* vocab = model == nullptr ? nullptr : FindMember(*model, "vocab");
  const Json* merges = model == nullptr ? nullptr : FindMember(*model, "merges");
  if (vocab == nullptr || !vocab->is_object() || merges == nullptr || !merges->is_array()) {
    return absl::InvalidArgumentError("tokenizer.json: needs model.vocab and model.merges");
  }
  std::map<int64_t, std::pair<std::string, TokenKind>> by_id;
  for (auto it = vocab->begin(); it != vocab->end(); ++it) {
    if (!it.value().is_number_integer()) return absl::InvalidArgumentError("tokenizer.json: vocab ids must be integers");
    by_id[it.value().get<int64_t>()] = {it.key(), TokenKind::kNormal};
  }
  if (const Json* added = FindMember(root, "added_tokens"); added != nullptr && added->is_array()) {
    for (const Json& t : *added) {
      const Json* id = FindMember(t, "id");
      const Json* content = FindMember(t, "content");
      if (id == nullptr || !id->is_number_integer() || content == nullptr || !content->is_string()) {
        return absl::InvalidArgumentError("tokenizer.json: added_tokens need \"id\" and \"content\"");
      }
      const Json* special = FindMember(t, "special");
      const bool is_special = special != nullptr && special->is_boolean() && special->get<bool>();
      by_id[id->get<int64_t>()] = {content->get<std::string>(),
                                   is_special ? TokenKind::kControl : TokenKind::kUserDefined};
    }
  }
  const int64_t n = by_id.empty() ? 0 : by_id.rbegin()->first + 1;
  std::vector<std::string> tokens(n);
  std::vector<int32_t> types(n, static_cast<int32_t>(TokenKind::kUnused));
  for (int64_t i = 0; i < n; ++i) tokens[i] = absl::StrCat("[PAD", i, "]");
  for (auto& [id, entry] : by_id) {
    if (id < 0) return absl::InvalidArgumentError("tokenizer.json: negative token id");
    tokens[id] = entry.first;
    types[id] = static_cast<int32_t>(entry.second);
  }
  std::vector<std::string> merge_lines;
  merge_lines.reserve(merges->size());
  for (const Json& m : *merges) {
    if (m.is_string()) {
      merge_lines.push_back(m.get<std::string>());
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      merge_lines.push_back(absl::StrCat(m[0].get<std::string>(), " ", m[1].get<std::string>()));
    } else {
      return absl::InvalidArgumentError("tokenizer.json: merges must be \"a b\" or [\"a\", \"b\"]");
    }
  }
  auto id_of = [&](const std::optional<std::string>& text) -> int64_t {
    if (!text) return -1;
    for (int64_t i = 0; i < n; ++i) {
      if (tokens[i] == *text) return i;
    }
    return -1;
  };
  const int64_t bos = id_of(options.bos_token), eos = id_of(options.eos_token);
  writer->AddString("tokenizer.ggml.model", "gpt2");
  writer->AddString("tokenizer.ggml.pre", options.pre);
  writer->AddStringArray("tokenizer.ggml.tokens", std::move(tokens));
  writer->AddInt32Array("tokenizer.ggml.token_type", types);
  writer->AddStringArray("tokenizer.ggml.merges", std::move(merge_lines));
  if (bos >= 0) writer->AddUint32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(bos));
  if (eos >= 0) writer->AddUint32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(eos));
  if (options.add_bos) writer->AddBool("tokenizer.ggml.add_bos_token", *options.add_bos);
  return absl::OkStatus();
}

}  // namespace doomscope::engine
