#include "engine/chat_template/call_args.h"

#include "engine/chat_template/cat.h"

namespace doomscope::engine::jinja {

BoundArgs::BoundArgs(std::string_view function, const CallArgs& args, std::initializer_list<std::string_view> params,
                     size_t required)
    : function_(function), names_(params), values_(params.size()), given_(params.size(), false) {
  if (args.positional.size() > names_.size()) {
    Fail(Cat(function_, "() takes at most ", names_.size(), " argument(s) (", args.positional.size(),
                      " given)"));
  }
  for (size_t i = 0; i < args.positional.size(); ++i) {
    values_[i] = args.positional[i];
    given_[i] = true;
  }
  for (const auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < names_.size() && names_[i] != key) ++i;
    if (i == names_.size()) Fail(Cat(function_, "() got an unexpected keyword argument '", key, "'"));
    if (given_[i]) Fail(Cat(function_, "() got multiple values for argument '", key, "'"));
    values_[i] = value;
    given_[i] = true;
  }
  for (size_t i = 0; i < required; ++i) {
    if (!given_[i]) Fail(Cat(function_, "() missing required argument '", names_[i], "'"));
  }
}

int64_t BoundArgs::Int(size_t i, int64_t fallback) const {
  if (!given_[i] || values_[i].is_none()) return fallback;
  const Value& v = values_[i];
  if (v.is_int() || v.is_bool()) return v.ToInt();
  Fail(Cat(function_, "(): '", names_[i], "' must be an integer, not ", TypeName(v)));
}

bool BoundArgs::Bool(size_t i, bool fallback) const { return given_[i] ? values_[i].Truthy() : fallback; }

std::string BoundArgs::Str(size_t i, std::string fallback) const { return given_[i] ? ToStr(values_[i]) : fallback; }

}  // namespace doomscope::engine::jinja
