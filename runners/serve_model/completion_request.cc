#include "runners/serve_model/completion_request.h"

#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace doomscope::serve {
namespace {

// Field readers: each returns false after filling `error` naming the field.
class Reader {
 public:
  Reader(const json::Value& body, RequestError* error) : body_(body), error_(error) {}

  const json::Value* Get(const char* name) const {
    const json::Value* v = body_.Find(name);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  bool Fail(std::string param, std::string message) {
    error_->param = std::move(param);
    error_->message = std::move(message);
    return false;
  }

  bool Number(const char* name, double lo, double hi, bool lo_open, double* out) {
    const json::Value* v = Get(name);
    if (v == nullptr) return true;
    const double x = v->as_double();
    if (!v->is_number() || !std::isfinite(x) || x > hi || (lo_open ? x <= lo : x < lo)) {
      return Fail(name, absl::StrCat("'", name, "' must be a number in ", lo_open ? "(" : "[", lo, ", ", hi, "]"));
    }
    *out = x;
    return true;
  }

  bool Int(const char* name, int64_t lo, int64_t hi, std::optional<int64_t>* out) {
    const json::Value* v = Get(name);
    if (v == nullptr) return true;
    if (!v->is_int() || v->as_int() < lo || v->as_int() > hi) {
      return Fail(name, absl::StrCat("'", name, "' must be an integer in [", lo, ", ", hi, "]"));
    }
    *out = v->as_int();
    return true;
  }

  bool Bool(const char* name, bool* out) {
    const json::Value* v = Get(name);
    if (v == nullptr) return true;
    if (!v->is_bool()) return Fail(name, absl::StrCat("'", name, "' must be true or false"));
    *out = v->as_bool();
    return true;
  }

 private:
  const json::Value& body_;
  RequestError* error_;
};

nlohmann::ordered_json ToNlohmann(const json::Value& v) {
  return nlohmann::ordered_json::parse(json::Serialize(v), nullptr, /*allow_exceptions=*/false);
}

bool ReadMessages(const json::Value& v, Reader& r, nlohmann::ordered_json* out) {
  if (!v.is_array() || v.as_array().empty()) return r.Fail("messages", "'messages' must be a non-empty array");
  *out = nlohmann::ordered_json::array();
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const json::Value& m = v.as_array()[i];
    const std::string where = absl::StrCat("messages[", i, "]");
    if (!m.is_object()) return r.Fail(where, absl::StrCat("'", where, "' must be an object"));
    const json::Value* role = m.Find("role");
    static constexpr const char* kRoles[] = {"system", "developer", "user", "assistant", "tool"};
    bool known = false;
    for (const char* k : kRoles) known = known || (role != nullptr && role->is_string() && role->as_string() == k);
    if (!known) {
      return r.Fail(where + ".role", absl::StrCat("'", where, ".role' must be one of system, developer, user, "
                                                              "assistant, tool"));
    }
    nlohmann::ordered_json message = ToNlohmann(m);
    const json::Value* content = m.Find("content");
    if (content != nullptr && content->is_array()) {
      // Content parts: the text parts joined, as templates expect a string.
      std::string text;
      for (const json::Value& part : content->as_array()) {
        const json::Value* type = part.Find("type");
        const json::Value* t = part.Find("text");
        if (type == nullptr || !type->is_string() || type->as_string() != "text" || t == nullptr || !t->is_string()) {
          return r.Fail(where + ".content",
                        absl::StrCat("'", where, ".content' parts must be {\"type\": \"text\", \"text\": ...}"));
        }
        text += t->as_string();
      }
      message["content"] = text;
    } else if (content != nullptr && !content->is_string() && !content->is_null()) {
      return r.Fail(where + ".content", absl::StrCat("'", where, ".content' must be a string, null or text parts"));
    }
    out->push_back(std::move(message));
  }
  return true;
}

// Completions: "logprobs": N. Chat: "logprobs": true with "top_logprobs": N.
bool ReadLogprobs(Reader& r, bool chat, std::optional<int>* out) {
  const std::string range = absl::StrCat("an integer in [0, ", kMaxLogprobs, "]");
  const json::Value* lp = r.Get("logprobs");
  if (!chat) {
    if (lp == nullptr) return true;
    if (!lp->is_int() || lp->as_int() < 0 || lp->as_int() > kMaxLogprobs) {
      return r.Fail("logprobs", absl::StrCat("'logprobs' must be ", range));
    }
    *out = static_cast<int>(lp->as_int());
    return true;
  }
  bool wanted = false;
  if (!r.Bool("logprobs", &wanted)) return false;
  const json::Value* top = r.Get("top_logprobs");
  if (top != nullptr && (!top->is_int() || top->as_int() < 0 || top->as_int() > kMaxLogprobs)) {
    return r.Fail("top_logprobs", absl::StrCat("'top_logprobs' must be ", range));
  }
  if (top != nullptr && !wanted) return r.Fail("top_logprobs", "'top_logprobs' needs 'logprobs': true");
  if (wanted) *out = top != nullptr ? static_cast<int>(top->as_int()) : 0;
  return true;
}

}  // namespace

bool ParseCompletionRequest(const json::Value& body, bool chat, CompletionRequest* out, RequestError* error) {
  Reader r(body, error);
  if (!body.is_object()) return r.Fail("", "the request body must be a JSON object");
  *out = CompletionRequest{};
  out->chat = chat;
  if (const json::Value* m = r.Get("model"); m != nullptr) {
    if (!m->is_string()) return r.Fail("model", "'model' must be a string");
    out->model = m->as_string();
  }
  if (chat) {
    const json::Value* m = r.Get("messages");
    if (m == nullptr) return r.Fail("messages", "'messages' is required");
    if (!ReadMessages(*m, r, &out->messages)) return false;
    if (const json::Value* t = r.Get("tools"); t != nullptr) {
      if (!t->is_array()) return r.Fail("tools", "'tools' must be an array");
      if (!t->as_array().empty()) out->tools = ToNlohmann(*t);
    }
    if (const json::Value* k = r.Get("chat_template_kwargs"); k != nullptr) {
      const json::Value* thinking = k->Find("enable_thinking");
      if (!k->is_object() || (thinking != nullptr && !thinking->is_bool())) {
        return r.Fail("chat_template_kwargs", "'chat_template_kwargs' must be {\"enable_thinking\": true|false}");
      }
      if (thinking != nullptr) out->enable_thinking = thinking->as_bool();
    }
  } else {
    const json::Value* p = r.Get("prompt");
    if (p == nullptr) return r.Fail("prompt", "'prompt' is required");
    if (p->is_string()) {
      out->prompt = p->as_string();
    } else if (p->is_array() && !p->as_array().empty() && p->as_array()[0].is_int()) {
      for (const json::Value& id : p->as_array()) {
        if (!id.is_int() || id.as_int() < 0 || id.as_int() > std::numeric_limits<int32_t>::max()) {
          return r.Fail("prompt", "'prompt' as token ids must hold only non-negative integers");
        }
        out->prompt_tokens.push_back(static_cast<int32_t>(id.as_int()));
      }
    } else {
      return r.Fail("prompt", "'prompt' must be a string or a non-empty array of token ids (one prompt per request)");
    }
  }
  const char* max_name = r.Get("max_completion_tokens") != nullptr ? "max_completion_tokens" : "max_tokens";
  if (!r.Int(max_name, 0, int64_t{1} << 30, &out->max_tokens)) return false;
  if (!r.Number("temperature", 0, 1e6, false, &out->temperature)) return false;
  if (!r.Number("top_p", 0, 1, true, &out->top_p)) return false;
  if (!r.Number("min_p", 0, 1, false, &out->min_p)) return false;
  if (!r.Number("repetition_penalty", 0, 1e6, true, &out->repetition_penalty)) return false;
  std::optional<int64_t> v;
  if (!r.Int("top_k", -1, 1 << 30, &v)) return false;
  out->top_k = v.has_value() && *v > 0 ? static_cast<int>(*v) : 0;  // -1 (vLLM) and 0 mean off
  v.reset();
  if (!r.Int("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &v)) return false;
  if (v.has_value()) out->seed = static_cast<uint64_t>(*v);
  v.reset();
  if (!r.Int("n", 1, kMaxChoices, &v)) return false;
  out->n = static_cast<int>(v.value_or(1));
  if (const json::Value* s = r.Get("stop"); s != nullptr) {
    if (s->is_string()) {
      out->stop.push_back(s->as_string());
    } else if (s->is_array() && static_cast<int>(s->as_array().size()) <= kMaxStopStrings) {
      for (const json::Value& x : s->as_array()) {
        if (!x.is_string()) return r.Fail("stop", "'stop' must be a string or an array of strings");
        out->stop.push_back(x.as_string());
      }
    } else {
      return r.Fail("stop", absl::StrCat("'stop' must be a string or an array of at most ", kMaxStopStrings,
                                         " strings"));
    }
    for (const std::string& x : out->stop) {
      if (x.empty()) return r.Fail("stop", "'stop' strings must not be empty");
    }
  }
  if (!r.Bool("stream", &out->stream)) return false;
  if (const json::Value* so = r.Get("stream_options"); so != nullptr) {
    const json::Value* u = so->Find("include_usage");
    if (!so->is_object() || (u != nullptr && !u->is_bool())) {
      return r.Fail("stream_options", "'stream_options' must be {\"include_usage\": true|false}");
    }
    out->include_usage = u != nullptr && u->as_bool();
  }
  if (!ReadLogprobs(r, chat, &out->logprobs)) return false;
  if (!r.Bool("stop_on_loop", &out->stop_on_loop)) return false;
  if (!r.Bool("return_token_ids", &out->return_token_ids)) return false;
  bool tokens_alias = false;
  if (!r.Bool("return_tokens", &tokens_alias)) return false;
  out->return_token_ids = out->return_token_ids || tokens_alias;
  return true;
}

std::string PlainChatPrompt(const nlohmann::ordered_json& messages) {
  std::string prompt;
  for (const auto& m : messages) {
    std::string role = m.value("role", "user");
    if (!role.empty()) role[0] = absl::ascii_toupper(static_cast<unsigned char>(role[0]));
    const auto content = m.find("content");
    absl::StrAppend(&prompt, role, ": ",
                    content != m.end() && content->is_string() ? content->get<std::string>() : std::string(), "\n\n");
  }
  prompt += "Assistant:";
  return prompt;
}

}  // namespace doomscope::serve
