#include "results/openai/openai_response.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

namespace doomscope::openai {
namespace {

constexpr int kMaxChoices = 4096;

absl::Status ReadIndex(const json::Value& choice, size_t position, int* index) {
  const json::Value* i = choice.Find("index");
  if (i == nullptr) {
    *index = static_cast<int>(position);
    return absl::OkStatus();
  }
  if (!i->is_int() || i->as_int() < 0 || i->as_int() >= kMaxChoices) {
    return absl::InvalidArgumentError(absl::StrCat("choices[", position, "].index is not an integer in [0, ",
                                                   kMaxChoices, ")"));
  }
  *index = static_cast<int>(i->as_int());
  return absl::OkStatus();
}

absl::Status ReadText(const json::Value* v, const std::string& field, std::string* out) {
  if (v == nullptr || v->is_null()) return absl::OkStatus();
  if (!v->is_string()) return absl::InvalidArgumentError(absl::StrCat(field, " is not a string"));
  out->append(v->as_string());
  return absl::OkStatus();
}

// The reasoning a server split off the answer: reasoning_content
// (llama-server, vLLM, DeepSeek) or reasoning (newer vLLM, OpenRouter).
absl::Status ReadReasoning(const json::Value& message, const std::string& where, std::string* out) {
  for (const char* name : {"reasoning_content", "reasoning"}) {
    if (absl::Status s = ReadText(message.Find(name), absl::StrCat(where, ".", name), out); !s.ok()) return s;
    if (!out->empty()) return absl::OkStatus();
  }
  return absl::OkStatus();
}

constexpr char kThinkOpen[] = "<think>\n";
constexpr char kThinkClose[] = "\n</think>\n\n";

// token_ids (vLLM, doomscope) or tokens (llama-server), appended to `*ids`.
absl::Status ReadTokens(const json::Value& choice, const std::string& where,
                        std::optional<std::vector<int32_t>>* ids) {
  const char* name = "token_ids";
  const json::Value* t = choice.Find(name);
  if (t == nullptr) t = choice.Find(name = "tokens");
  if (t == nullptr || t->is_null()) return absl::OkStatus();
  if (!t->is_array()) return absl::InvalidArgumentError(absl::StrCat(where, ".", name, " is not an array"));
  if (!ids->has_value()) ids->emplace();
  for (const json::Value& id : t->as_array()) {
    if (!id.is_int() || id.as_int() < 0 || id.as_int() > std::numeric_limits<int32_t>::max()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".", name, " holds something not a token id"));
    }
    (*ids)->push_back(static_cast<int32_t>(id.as_int()));
  }
  return absl::OkStatus();
}

absl::Status ReadFinish(const json::Value& choice, const std::string& where, std::string* finish) {
  const json::Value* f = choice.Find("finish_reason");
  if (f == nullptr || f->is_null()) return absl::OkStatus();
  if (!f->is_string()) return absl::InvalidArgumentError(absl::StrCat(where, ".finish_reason is not a string"));
  *finish = f->as_string();
  return absl::OkStatus();
}

absl::Status ChoicesArray(const json::Value& answer, const json::Array** out) {
  const json::Value* c = answer.Find("choices");
  if (c == nullptr || !c->is_array()) return absl::InvalidArgumentError("the answer has no \"choices\" array");
  *out = &c->as_array();
  return absl::OkStatus();
}

// Joins streamed tool-call pieces: the entry with the same index gets the
// argument text appended; the first piece brings id, type and name.
void MergeToolCall(const json::Value& piece, size_t position, json::Value* calls) {
  const json::Value* i = piece.Find("index");
  const int64_t index = i != nullptr && i->is_int() ? i->as_int() : static_cast<int64_t>(position);
  json::Array& array = calls->mutable_array();
  json::Value* target = nullptr;
  for (json::Value& existing : array) {
    const json::Value* ei = existing.Find("index");
    if (ei != nullptr && ei->as_int() == index) target = &existing;
  }
  if (target == nullptr) {
    array.push_back(json::Value(json::Object{{"index", index}}));
    target = &array.back();
  }
  for (const auto& [key, value] : piece.as_object()) {
    if (key == "index") continue;
    if (key != "function" || !value.is_object()) {
      target->Set(key, value);
      continue;
    }
    const json::Value* had_function = target->Find("function");
    json::Value function = had_function != nullptr && had_function->is_object() ? *had_function : json::Object{};
    for (const auto& [fk, fv] : value.as_object()) {
      const json::Value* had = function.Find(fk);
      if (fk == "arguments" && fv.is_string() && had != nullptr && had->is_string()) {
        function.Set(fk, had->as_string() + fv.as_string());
      } else {
        function.Set(fk, fv);
      }
    }
    target->Set("function", std::move(function));
  }
}

}  // namespace

absl::StatusOr<std::vector<Choice>> ParseChoices(const json::Value& answer) {
  const json::Array* array = nullptr;
  if (absl::Status s = ChoicesArray(answer, &array); !s.ok()) return s;
  std::vector<Choice> choices;
  for (size_t p = 0; p < array->size(); ++p) {
    const json::Value& c = (*array)[p];
    const std::string where = absl::StrCat("choices[", p, "]");
    if (!c.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, " is not an object"));
    Choice choice;
    if (absl::Status s = ReadIndex(c, p, &choice.index); !s.ok()) return s;
    if (absl::Status s = ReadFinish(c, where, &choice.finish_reason); !s.ok()) return s;
    if (const json::Value* m = c.Find("message"); m != nullptr && m->is_object()) {
      std::string reasoning, content;
      if (absl::Status s = ReadReasoning(*m, where + ".message", &reasoning); !s.ok()) return s;
      if (absl::Status s = ReadText(m->Find("content"), where + ".message.content", &content); !s.ok()) return s;
      if (!reasoning.empty()) {
        const bool closed = !content.empty() || choice.finish_reason != "length";
        choice.text = absl::StrCat(kThinkOpen, reasoning, closed ? kThinkClose : "");
      }
      choice.text += content;
      if (const json::Value* t = m->Find("tool_calls"); t != nullptr && t->is_array() && !t->as_array().empty()) {
        choice.tool_calls = *t;
      }
    } else if (absl::Status s = ReadText(c.Find("text"), where + ".text", &choice.text); !s.ok()) {
      return s;
    }
    if (absl::Status s = ReadTokens(c, where, &choice.token_ids); !s.ok()) return s;
    choices.push_back(std::move(choice));
  }
  // llama-server's single-choice answers may carry the ids at the top level.
  if (choices.size() == 1 && !choices[0].token_ids.has_value()) {
    if (absl::Status s = ReadTokens(answer, "answer", &choices[0].token_ids); !s.ok()) return s;
  }
  std::stable_sort(choices.begin(), choices.end(), [](const Choice& a, const Choice& b) { return a.index < b.index; });
  return choices;
}

Choice& StreamedChoices::at(int index) {
  for (Choice& c : choices_) {
    if (c.index == index) return c;
  }
  choices_.push_back(Choice{});
  choices_.back().index = index;
  return choices_.back();
}

std::vector<Choice> StreamedChoices::choices() const {
  std::vector<Choice> out = choices_;
  std::sort(out.begin(), out.end(), [](const Choice& a, const Choice& b) { return a.index < b.index; });
  return out;
}

absl::Status StreamedChoices::Add(const json::Value& chunk, std::string* delta_text, int* delta_index) {
  const json::Array* array = nullptr;
  if (absl::Status s = ChoicesArray(chunk, &array); !s.ok()) return s;
  for (size_t p = 0; p < array->size(); ++p) {
    const json::Value& c = (*array)[p];
    const std::string where = absl::StrCat("choices[", p, "]");
    if (!c.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, " is not an object"));
    int index = 0;
    if (absl::Status s = ReadIndex(c, p, &index); !s.ok()) return s;
    Choice& choice = at(index);
    std::string text;
    if (const json::Value* d = c.Find("delta"); d != nullptr && d->is_object()) {
      std::string reasoning, content;
      if (absl::Status s = ReadReasoning(*d, where + ".delta", &reasoning); !s.ok()) return s;
      if (absl::Status s = ReadText(d->Find("content"), where + ".delta.content", &content); !s.ok()) return s;
      if (!reasoning.empty()) {
        if (!choice.in_reasoning) text = kThinkOpen;
        choice.in_reasoning = true;
        text += reasoning;
      }
      if (!content.empty() && choice.in_reasoning) {
        text += kThinkClose;
        choice.in_reasoning = false;
      }
      text += content;
      if (const json::Value* t = d->Find("tool_calls"); t != nullptr && t->is_array()) {
        for (size_t k = 0; k < t->as_array().size(); ++k) {
          if (t->as_array()[k].is_object()) MergeToolCall(t->as_array()[k], k, &choice.tool_calls);
        }
      }
    } else if (absl::Status s = ReadText(c.Find("text"), where + ".text", &text); !s.ok()) {
      return s;
    }
    if (absl::Status s = ReadFinish(c, where, &choice.finish_reason); !s.ok()) return s;
    // Reasoning that ended the choice without an answer is closed unless the budget ran out.
    if (choice.in_reasoning && !choice.finish_reason.empty() && choice.finish_reason != "length") {
      text += kThinkClose;
      choice.in_reasoning = false;
    }
    choice.text += text;
    if (absl::Status s = ReadTokens(c, where, &choice.token_ids); !s.ok()) return s;
    if (!text.empty() && delta_text != nullptr) {
      *delta_text = std::move(text);
      if (delta_index != nullptr) *delta_index = index;
    }
  }
  return absl::OkStatus();
}

}  // namespace doomscope::openai
