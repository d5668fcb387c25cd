// Renders a parsed template: Jinja's scoping (a for loop and a macro open a
// scope per iteration or call; if does not; `set` writes the innermost scope;
// namespaces carry values out of loops), the `loop` object, macros with
// defaults, varargs, kwargs and `caller`, and Jinja's attribute and item
// lookup through the sandbox. Errors are TemplateError exceptions carrying the
// line; chat_template.cc turns them into a Status at the API border.
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_INTERPRETER_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_INTERPRETER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/chat_template/ast.h"
#include "engine/chat_template/render_options.h"
#include "engine/chat_template/value.h"

namespace doomscope::engine::jinja {

class Interpreter {
 public:
  explicit Interpreter(const RenderOptions& options);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Renders `body` with `context` as the template's variables. Throws TemplateError.
  std::string Render(const Body& body, const DictObj& context);

  // ---- used by the builtins ----
  const RenderOptions& options() const { return options_; }
  // Jinja's `obj.name` and `obj[key]` (through the sandbox).
  Value GetAttr(const Value& obj, std::string_view name);
  Value GetItem(const Value& obj, const Value& key);
  Value CallValue(const Value& callee, CallArgs& args);
  // Counts `n` bytes of newly built data against the allocation budget.
  void Charge(size_t n);
  // One unit of work; checks the step budget and, now and then, the clock.
  void Step();
  // Remembers a namespace so its attributes are cleared when rendering ends
  // (a namespace that holds itself would otherwise never be freed).
  void Track(std::shared_ptr<Object> ns);

  struct Frame;
  struct MacroInfo;
  class MacroCallable;
  class LoopObject;
  enum class Flow { kNormal, kBreak, kContinue };

  // Exposed for the callables defined in interpreter.cc.
  Value CallMacro(const Stmt& def, const std::shared_ptr<Frame>& closure, CallArgs& args, const Value& caller);
  std::string RenderCaller(const Stmt& call_block, const std::shared_ptr<Frame>& frame, CallArgs& args);
  std::string RunLoop(const Stmt& loop, const std::shared_ptr<Frame>& frame, const Value& iterable, int depth);

 private:
  Flow Exec(const Body& body, const std::shared_ptr<Frame>& frame, std::string* out);
  Flow ExecStmt(const Stmt& s, const std::shared_ptr<Frame>& frame, std::string* out);
  void ExecFor(const Stmt& s, const std::shared_ptr<Frame>& frame, std::string* out);
  void ExecSet(const Stmt& s, const std::shared_ptr<Frame>& frame);
  void Assign(const Target& t, const Value& v, Frame& frame);
  Value Eval(const Expr& e, const std::shared_ptr<Frame>& frame);
  Value EvalCall(const Expr& e, const std::shared_ptr<Frame>& frame);
  Value EvalBinary(const Expr& e, const std::shared_ptr<Frame>& frame);
  Value EvalSlice(const Expr& e, const std::shared_ptr<Frame>& frame);
  Value Lookup(const std::string& name, const Frame& frame) const;
  void BuildArgs(const Expr& e, const std::shared_ptr<Frame>& frame, CallArgs* args);
  // Applies a filter chain whose innermost input is `input` (filter blocks, block sets).
  Value ApplyFilterChain(const Expr& chain, Value input, const std::shared_ptr<Frame>& frame);
  void Emit(std::string_view text, std::string* out);
  const MacroInfo& InfoFor(const Stmt& def);

  RenderOptions options_;
  const DictObj* context_ = nullptr;
  std::chrono::steady_clock::time_point deadline_;
  int64_t steps_ = 0;
  int64_t allocated_ = 0;
  int call_depth_ = 0;
  uintptr_t stack_base_ = 0;
  std::vector<std::shared_ptr<Object>> namespaces_;
  std::vector<std::shared_ptr<Frame>> macro_frames_;
  absl::flat_hash_map<const Stmt*, std::unique_ptr<MacroInfo>> macro_info_;
};

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_INTERPRETER_H_
