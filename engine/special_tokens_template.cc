#include "engine/special_tokens_template.h"

#include "absl/strings/str_cat.h"

namespace doomscope::engine {
namespace {

absl::StatusOr<int32_t> PairId(const Json& json, const std::string& key, const std::string& where) {
  const Json* pair = FindMember(json, key);
  if (pair == nullptr || !pair->is_array() || pair->size() != 2 || !(*pair)[1].is_number_integer()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"", key, "\" must be [token, id]"));
  }
  return (*pair)[1].get<int32_t>();
}

absl::Status AddTemplate(const Json& json, const std::string& where, SpecialTokensTemplate* t) {
  absl::StatusOr<std::string> type = ComponentType(json, where);
  if (!type.ok()) return type.status();
  const std::string w = absl::StrCat(where, " (", *type, ")");
  SpecialTokensTemplate own;
  if (*type == "Sequence") {
    return ForEachListMember(json, "processors", where, [&](const Json& child, const std::string& child_where) {
      return AddTemplate(child, child_where, t);
    });
  }
  if (*type == "ByteLevel") return absl::OkStatus();  // only trims offsets
  if (*type == "RobertaProcessing" || *type == "BertProcessing") {
    absl::StatusOr<int32_t> cls = PairId(json, "cls", w);
    absl::StatusOr<int32_t> sep = PairId(json, "sep", w);
    if (!cls.ok()) return cls.status();
    if (!sep.ok()) return sep.status();
    own.prefix = {*cls};
    own.suffix = {*sep};
  } else if (*type == "TemplateProcessing") {
    absl::StatusOr<const Json*> single = RequireMember(json, "single", w);
    if (!single.ok()) return single.status();
    const Json* specials = FindMember(json, "special_tokens");
    if (!(*single)->is_array()) return absl::InvalidArgumentError(absl::StrCat(w, ": \"single\" must be a list"));
    bool seen_sequence = false;
    for (size_t i = 0; i < (*single)->size(); ++i) {
      const Json& piece = (**single)[i];
      const std::string pw = absl::StrCat(w, ".single[", i, "]");
      if (FindMember(piece, "Sequence") != nullptr) {
        seen_sequence = true;
        continue;
      }
      const Json* special = FindMember(piece, "SpecialToken");
      if (special == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(pw, ": expected {\"Sequence\": ...} or {\"SpecialToken\": ...}"));
      }
      absl::StatusOr<std::string> name = StringMember(*special, "id", pw);
      if (!name.ok()) return name.status();
      const Json* entry = specials == nullptr ? nullptr : FindMember(*specials, *name);
      const Json* ids = entry == nullptr ? nullptr : FindMember(*entry, "ids");
      if (ids == nullptr || !ids->is_array()) {
        return absl::InvalidArgumentError(
            absl::StrCat(pw, ": special token \"", *name, "\" has no ids in \"special_tokens\""));
      }
      for (const Json& id : *ids) {
        if (!id.is_number_integer()) {
          return absl::InvalidArgumentError(absl::StrCat(pw, ": ids of \"", *name, "\" must be integers"));
        }
        (seen_sequence ? own.suffix : own.prefix).push_back(id.get<int32_t>());
      }
    }
  } else {
    return absl::UnimplementedError(absl::StrCat(
        where, ": post-processor type \"", *type,
        "\" is not supported (supported: TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, Sequence)"));
  }
  t->prefix.insert(t->prefix.begin(), own.prefix.begin(), own.prefix.end());
  t->suffix.insert(t->suffix.end(), own.suffix.begin(), own.suffix.end());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SpecialTokensTemplate> SpecialTokensTemplate::FromJson(const Json& json, const std::string& where) {
  SpecialTokensTemplate t;
  if (json.is_null()) return t;
  if (absl::Status s = AddTemplate(json, where, &t); !s.ok()) return s;
  return t;
}

}  // namespace doomscope::engine
