#include "results/generations/generations_reader.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "results/generations/finish_reason.h"

namespace doomscope {
namespace {

absl::Status FieldError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("field '", std::string(field), "' ", std::string(what)));
}

absl::StatusOr<int64_t> OptionalCount(const json::Value& line, std::string_view field, int64_t min) {
  const json::Value* v = line.Find(field);
  if (v == nullptr || v->is_null()) return int64_t{0};
  if (!v->is_int() || v->as_int() < min) return FieldError(field, absl::StrCat("must be an integer >= ", min));
  return v->as_int();
}

absl::StatusOr<std::string> OptionalName(const json::Value& line, std::string_view field) {
  const json::Value* v = line.Find(field);
  if (v == nullptr || v->is_null()) return std::string();
  if (v->is_string()) return v->as_string();
  if (v->is_int()) return absl::StrCat(v->as_int());
  return FieldError(field, "must be a string");
}

absl::Status ParseTokens(const json::Value& tokens, std::vector<int32_t>* ids) {
  if (!tokens.is_array()) return FieldError("tokens", "must be an array of token ids");
  const json::Array& arr = tokens.as_array();
  ids->reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    const json::Value& t = arr[i];
    if (!t.is_int() || t.as_int() < 0 || t.as_int() > std::numeric_limits<int32_t>::max()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field 'tokens': element ", i, " is not a token id (an integer in [0, 2^31))"));
    }
    ids->push_back(static_cast<int32_t>(t.as_int()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseGeneration(json::Value line, const GenerationsOptions& options, Generation* out) {
  if (!line.is_object()) return absl::InvalidArgumentError("expected a JSON object");
  const json::Value* id = line.Find("item_id");
  std::string_view id_field = "item_id";
  if (id == nullptr || id->is_null()) {
    id = line.Find("id");
    id_field = "id";
  }
  if (id == nullptr || id->is_null()) return absl::InvalidArgumentError("field 'item_id': missing (give item_id or id)");
  if (id->is_string() && !id->as_string().empty()) {
    out->item_id = id->as_string();
  } else if (id->is_int()) {
    out->item_id = absl::StrCat(id->as_int());
  } else {
    return FieldError(id_field, "must be a non-empty string or an integer");
  }
  out->id = *id;

  if (const json::Value* tokens = line.Find("tokens"); tokens != nullptr && !tokens->is_null()) {
    std::vector<int32_t> ids;
    if (absl::Status st = ParseTokens(*tokens, &ids); !st.ok()) return st;
    out->tokens = std::move(ids);
  }
  if (const json::Value* fr = line.Find("finish_reason"); fr != nullptr && !fr->is_null()) {
    if (!fr->is_string()) return FieldError("finish_reason", "must be a string");
    absl::StatusOr<FinishReason> reason = ParseFinishReason(fr->as_string());
    if (!reason.ok()) return reason.status();
    out->finish_reason = *reason;
  }
  absl::StatusOr<int64_t> max_new = OptionalCount(line, "max_new_tokens", 1);
  if (!max_new.ok()) return max_new.status();
  out->max_new_tokens = *max_new;
  absl::StatusOr<int64_t> effective = OptionalCount(line, "effective_max_tokens", 1);
  if (!effective.ok()) return effective.status();
  out->effective_max_tokens = *effective;
  absl::StatusOr<int64_t> detected = OptionalCount(line, "detected_at", 0);
  if (!detected.ok()) return detected.status();
  out->detected_at = *detected;
  if (const json::Value* r = line.Find("rollout"); r != nullptr && !r->is_null()) {
    if (!r->is_int() || r->as_int() < 0 || r->as_int() > 1000000) {
      return FieldError("rollout", "must be an integer in [0, 1000000]");
    }
    out->rollout = r->as_int();
  }
  for (auto [field, name] : {std::pair{"checkpoint", &out->checkpoint}, std::pair{"task", &out->task},
                             std::pair{"sampling", &out->sampling}}) {
    absl::StatusOr<std::string> value = OptionalName(line, field);
    if (!value.ok()) return value.status();
    *name = *std::move(value);
  }
  out->prompt.clear();
  if (const json::Value* p = line.Find("prompt"); p != nullptr && !p->is_null()) {
    if (!p->is_string()) return FieldError("prompt", "must be a string");
    out->prompt = p->as_string();
  }
  out->kept.clear();
  for (const std::string& key : options.keep_fields) {
    const json::Value* v = line.Find(key);
    if (v == nullptr || v->is_null()) {
      out->kept.emplace_back();
    } else if (v->is_string()) {
      out->kept.push_back(v->as_string());
    } else {
      out->kept.push_back(json::Serialize(*v));
    }
  }

  // Last, so the (possibly very long) text is moved out of the parsed line.
  json::Object& members = line.mutable_object();
  json::Value* text = nullptr;
  for (auto& [k, v] : members) {
    if (k == "text") {
      text = &v;
      break;
    }
  }
  if (text != nullptr && !text->is_null()) {
    if (!text->is_string()) return FieldError("text", "must be a string");
    out->text = std::move(text->mutable_string());
    out->has_text = true;
  } else if (!(options.allow_token_only && out->tokens.has_value())) {
    return FieldError("text", options.allow_token_only ? "must be a string (or give tokens)" : "must be a string");
  }
  return absl::OkStatus();
}

absl::Status ReadGenerations(const std::string& path, const GenerationsOptions& options,
                             const std::function<absl::Status(Generation)>& fn,
                             const std::function<void(const absl::Status&)>& on_bad_line) {
  return json::ReadJsonl(
      path,
      [&](int line_no, json::Value value) -> absl::Status {
        Generation g;
        g.line = line_no;
        if (absl::Status st = ParseGeneration(std::move(value), options, &g); !st.ok()) return st;
        return fn(std::move(g));
      },
      on_bad_line, options.max_line_bytes);
}

}  // namespace doomscope
