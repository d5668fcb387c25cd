// Python's operators on template values: arithmetic with int/float promotion
// and floor semantics, string and list concatenation and repetition, `%`
// formatting of strings, membership (`in`), and slicing with negative indices
// and steps. Every result that allocates is charged to the interpreter.
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_OPERATORS_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_OPERATORS_H_

#include <optional>
#include <string>
#include <string_view>

#include "engine/chat_template/ast.h"
#include "engine/chat_template/value.h"

namespace doomscope::engine::jinja {

// + - * / // % ** and ~ (concatenation of str() values).
Value Arithmetic(Interpreter& interp, BinOp op, const Value& a, const Value& b);
Value Negate(const Value& v, bool negative);
// `item in container`.
bool Contains(const Value& container, const Value& item);
// obj[start:stop:step] for strings, lists and tuples.
Value SliceValue(Interpreter& interp, const Value& obj, std::optional<int64_t> start, std::optional<int64_t> stop,
                 std::optional<int64_t> step);
// markupsafe's escape: & < > " ' as entities.
std::string HtmlEscape(std::string_view s);
// Python index normalisation: a negative index counts from the end; nullopt when out of range.
std::optional<size_t> NormalizeIndex(int64_t index, size_t size);

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_OPERATORS_H_
