#include "engine/tokenizer_json.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace doomscope::engine {
namespace {

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadMerges(const Json& merges, const std::string& w) {
  if (!merges.is_array()) return absl::InvalidArgumentError(absl::StrCat(w, ": \"merges\" must be a list"));
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const Json& m = merges[i];
    if (m.is_string()) {
      const std::string& line = m.get_ref<const std::string&>();
      if (line.rfind("#version", 0) == 0) continue;  // tokenizers skips merges.txt's header line
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      if (parts.size() != 2) {
        return absl::InvalidArgumentError(
            absl::StrCat(w, ": merges[", i, "] \"", line, "\" is not two tokens separated by one space"));
      }
      out.emplace_back(std::move(parts[0]), std::move(parts[1]));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      out.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(w, ": merges[", i, "] must be \"a b\" or [\"a\", \"b\"]"));
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<BpeModel>> ReadModel(const Json& root, const std::string& name) {
  const std::string w = absl::StrCat(name, ": model");
  absl::StatusOr<const Json*> model = RequireMember(root, "model", name);
  if (!model.ok()) return model.status();
  const Json& m = **model;
  absl::StatusOr<std::string> type = StringMemberOr(m, "type", "BPE", w);
  if (!type.ok()) return type.status();
  if (*type != "BPE") {
    return absl::UnimplementedError(absl::StrCat(w, ": model type \"", *type,
                                                 "\" is not supported (only BPE: byte-level or SentencePiece-style)"));
  }
  if (const Json* dropout = FindMember(m, "dropout"); dropout != nullptr) {
    if (!dropout->is_number() || dropout->get<double>() != 0.0) {
      return absl::UnimplementedError(absl::StrCat(w, ": BPE dropout is a training-time option and is not supported"));
    }
  }
  BpeModelConfig config;
  absl::StatusOr<const Json*> vocab = RequireMember(m, "vocab", w);
  if (!vocab.ok()) return vocab.status();
  if (!(*vocab)->is_object()) return absl::InvalidArgumentError(absl::StrCat(w, ": \"vocab\" must be an object"));
  config.vocab.reserve((*vocab)->size());
  for (auto it = (*vocab)->begin(); it != (*vocab)->end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 || it.value().get<int64_t>() > INT32_MAX) {
      return absl::InvalidArgumentError(absl::StrCat(w, ": vocab entry \"", it.key(), "\" needs an id in [0, 2^31)"));
    }
    config.vocab.emplace_back(it.key(), it.value().get<int32_t>());
  }
  absl::StatusOr<const Json*> merges = RequireMember(m, "merges", w);
  if (!merges.ok()) return merges.status();
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> pairs = ReadMerges(**merges, w);
  if (!pairs.ok()) return pairs.status();
  config.merges = *std::move(pairs);
  if (const Json* unk = FindMember(m, "unk_token"); unk != nullptr) {
    if (!unk->is_string()) return absl::InvalidArgumentError(absl::StrCat(w, ": \"unk_token\" must be a string"));
    config.unk_token = unk->get<std::string>();
  }
  for (auto [key, field] : {std::pair<const char*, bool*>{"fuse_unk", &config.fuse_unk},
                            {"byte_fallback", &config.byte_fallback},
                            {"ignore_merges", &config.ignore_merges}}) {
    absl::StatusOr<bool> v = BoolMemberOr(m, key, false, w);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  absl::StatusOr<std::string> prefix = StringMemberOr(m, "continuing_subword_prefix", "", w);
  absl::StatusOr<std::string> suffix = StringMemberOr(m, "end_of_word_suffix", "", w);
  if (!prefix.ok()) return prefix.status();
  if (!suffix.ok()) return suffix.status();
  config.continuing_subword_prefix = *std::move(prefix);
  config.end_of_word_suffix = *std::move(suffix);
  absl::StatusOr<BpeModel> built = BpeModel::Build(std::move(config), w);
  if (!built.ok()) return built.status();
  return std::make_unique<BpeModel>(*std::move(built));
}

absl::StatusOr<std::vector<AddedToken>> ReadAddedTokens(const Json& root, const std::string& name) {
  std::vector<AddedToken> tokens;
  const Json* list = FindMember(root, "added_tokens");
  if (list == nullptr) return tokens;
  if (!list->is_array()) return absl::InvalidArgumentError(absl::StrCat(name, ": \"added_tokens\" must be a list"));
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& t = (*list)[i];
    const std::string w = absl::StrCat(name, ": added_tokens[", i, "]");
    AddedToken token;
    absl::StatusOr<std::string> content = StringMember(t, "content", w);
    absl::StatusOr<int64_t> id = IntMemberOr(t, "id", -1, w);
    if (!content.ok()) return content.status();
    if (!id.ok()) return id.status();
    if (*id < 0 || *id > INT32_MAX) return absl::InvalidArgumentError(absl::StrCat(w, ": needs an \"id\" in [0, 2^31)"));
    token.content = *std::move(content);
    token.id = static_cast<int32_t>(*id);
    absl::StatusOr<bool> special = BoolMemberOr(t, "special", false, w);
    if (!special.ok()) return special.status();
    token.special = *special;
    // tokenizers' default: special tokens match the raw text, the others the normalized text.
    for (auto [key, field, fallback] :
         {std::tuple<const char*, bool*, bool>{"lstrip", &token.lstrip, false},
          {"rstrip", &token.rstrip, false},
          {"single_word", &token.single_word, false},
          {"normalized", &token.normalized, !token.special}}) {
      absl::StatusOr<bool> v = BoolMemberOr(t, key, fallback, w);
      if (!v.ok()) return v.status();
      *field = *v;
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// tokenizers does not trust the ids written in added_tokens: loading adds the
// tokens in order, each taking its id in the model vocabulary (or of an earlier
// added token with the same content), else the next free id from the model's
// vocabulary size. Real files agree with their ids; this keeps odd ones exact.
void AssignAddedTokenIds(const BpeModel& model, size_t model_entries, std::vector<AddedToken>* tokens) {
  absl::flat_hash_map<std::string, int32_t> assigned;
  int32_t next_id = static_cast<int32_t>(model_entries);
  std::vector<AddedToken> kept;
  for (AddedToken& t : *tokens) {
    if (t.content.empty()) continue;
    if (auto it = assigned.find(t.content); it != assigned.end()) {
      t.id = it->second;
    } else if (const int32_t id = model.TokenId(t.content); id >= 0) {
      t.id = id;
    } else {
      t.id = next_id++;
    }
    assigned[t.content] = t.id;
    kept.push_back(std::move(t));
  }
  *tokens = std::move(kept);
}

}  // namespace

absl::StatusOr<std::unique_ptr<BpeTokenizer>> BpeTokenizerFromJson(const Json& root, const std::string& name) {
  if (!root.is_object()) return absl::InvalidArgumentError(absl::StrCat(name, ": expected a JSON object"));
  BpeTokenizerParts parts;
  absl::StatusOr<std::unique_ptr<BpeModel>> model = ReadModel(root, name);
  if (!model.ok()) return model.status();
  parts.model = *std::move(model);
  absl::StatusOr<std::vector<AddedToken>> added = ReadAddedTokens(root, name);
  if (!added.ok()) return added.status();
  parts.added_tokens = *std::move(added);
  AssignAddedTokenIds(*parts.model, parts.model->entry_count(), &parts.added_tokens);
  static const Json kNull;
  auto member = [&](const char* key) -> const Json& {
    const Json* m = FindMember(root, key);
    return m == nullptr ? kNull : *m;
  };
  absl::StatusOr<TextNormalizer> normalizer = TextNormalizer::FromJson(member("normalizer"), absl::StrCat(name, ": normalizer"));
  if (!normalizer.ok()) return normalizer.status();
  parts.normalizer = *std::move(normalizer);
  absl::StatusOr<PreTokenizer> pre = PreTokenizer::FromJson(member("pre_tokenizer"), absl::StrCat(name, ": pre_tokenizer"));
  if (!pre.ok()) return pre.status();
  parts.pre_tokenizer = *std::move(pre);
  absl::StatusOr<TokenDecoder> decoder = TokenDecoder::FromJson(member("decoder"), absl::StrCat(name, ": decoder"));
  if (!decoder.ok()) return decoder.status();
  parts.decoder = *std::move(decoder);
  absl::StatusOr<SpecialTokensTemplate> specials =
      SpecialTokensTemplate::FromJson(member("post_processor"), absl::StrCat(name, ": post_processor"));
  if (!specials.ok()) return specials.status();
  parts.specials = *std::move(specials);
  return std::make_unique<BpeTokenizer>(std::move(parts));
}

absl::StatusOr<std::unique_ptr<BpeTokenizer>> ReadTokenizerJson(const std::string& path) {
  absl::StatusOr<Json> root = ReadJsonFile(path);
  if (!root.ok()) return root.status();
  return BpeTokenizerFromJson(*root, path);
}

}  // namespace doomscope::engine
