#include "engine/chat_template/interpreter.h"

#include <cstdint>

#include "engine/chat_template/cat.h"
#include "engine/chat_template/builtins.h"
#include "engine/chat_template/operators.h"
#include "engine/chat_template/py_string.h"

namespace doomscope::engine::jinja {
namespace {

// Native stack a rendering may use below its entry point; deeper recursion
// (macros calling macros) is an error rather than a crash.
constexpr uintptr_t kMaxStackBytes = 2 << 20;

std::string ObjectTypeRepr(const Value& v) {
  if (v.is_none()) return "None";
  return Cat(TypeName(v), " object");
}

Value MissingAttr(const Value& obj, std::string_view name) {
  return Value::MakeUndefined(Cat("'", ObjectTypeRepr(obj), "' has no attribute '", name, "'"));
}

Value UnsafeAttr(const Value& obj, std::string_view name) {
  return Value::MakeUndefined(
      Cat("access to attribute '", name, "' of '", TypeName(obj), "' object is unsafe."), true);
}

}  // namespace

struct Interpreter::Frame {
  std::shared_ptr<Frame> parent;
  std::vector<std::pair<std::string, Value>> vars;

  const Value* Find(std::string_view name) const {
    for (const Frame* f = this; f != nullptr; f = f->parent.get()) {
      for (auto it = f->vars.rbegin(); it != f->vars.rend(); ++it) {
        if (it->first == name) return &it->second;
      }
    }
    return nullptr;
  }
  void Set(std::string_view name, Value v) {
    for (auto& [n, val] : vars) {
      if (n == name) {
        val = std::move(v);
        return;
      }
    }
    vars.emplace_back(std::string(name), std::move(v));
  }
};

// Which of the special names a macro's body reads (Jinja only accepts extra
// positional or keyword arguments when the body uses varargs or kwargs).
struct Interpreter::MacroInfo {
  bool uses_varargs = false;
  bool uses_kwargs = false;
  bool uses_caller = false;
};

namespace {

void ScanExpr(const Expr* e, Interpreter::MacroInfo* info);

void ScanBody(const Body& body, Interpreter::MacroInfo* info) {
  for (const StmtPtr& s : body) {
    ScanExpr(s->expr.get(), info);
    ScanExpr(s->filter.get(), info);
    for (const auto& [cond, b] : s->branches) {
      ScanExpr(cond.get(), info);
      ScanBody(b, info);
    }
    for (const auto& p : s->params) ScanExpr(p.default_value.get(), info);
    for (const auto& a : s->assignments) ScanExpr(a.second.get(), info);
    ScanBody(s->body, info);
    ScanBody(s->else_body, info);
  }
}

void ScanExpr(const Expr* e, Interpreter::MacroInfo* info) {
  if (e == nullptr) return;
  if (e->kind == Expr::Kind::kName) {
    info->uses_varargs |= e->name == "varargs";
    info->uses_kwargs |= e->name == "kwargs";
    info->uses_caller |= e->name == "caller";
  }
  ScanExpr(e->a.get(), info);
  ScanExpr(e->b.get(), info);
  ScanExpr(e->c.get(), info);
  ScanExpr(e->step.get(), info);
  ScanExpr(e->star_args.get(), info);
  ScanExpr(e->star_kwargs.get(), info);
  for (const auto& i : e->items) ScanExpr(i.get(), info);
  for (const auto& [k, v] : e->pairs) {
    ScanExpr(k.get(), info);
    ScanExpr(v.get(), info);
  }
  for (const auto& kv : e->kwargs) ScanExpr(kv.second.get(), info);
}

}  // namespace

class Interpreter::MacroCallable : public Callable {
 public:
  MacroCallable(const Stmt* def, std::shared_ptr<Frame> closure) : def_(def), closure_(std::move(closure)) {}
  std::string_view Name() const override { return def_->text; }
  Value Call(Interpreter& interp, CallArgs& args) const override {
    Value caller;
    for (auto it = args.keyword.begin(); it != args.keyword.end(); ++it) {
      if (it->first == "caller") {
        caller = it->second;
        args.keyword.erase(it);
        break;
      }
    }
    return interp.CallMacro(*def_, closure_, args, caller);
  }

 private:
  const Stmt* def_;
  std::shared_ptr<Frame> closure_;
};

namespace {

// The `caller` of a {% call %} block: renders the block's body.
class CallerCallable : public Callable {
 public:
  CallerCallable(const Stmt* block, std::shared_ptr<Interpreter::Frame> frame) : block_(block), frame_(std::move(frame)) {}
  std::string_view Name() const override { return "caller"; }
  Value Call(Interpreter& interp, CallArgs& args) const override { return Value(interp.RenderCaller(*block_, frame_, args)); }

 private:
  const Stmt* block_;
  std::shared_ptr<Interpreter::Frame> frame_;
};

// loop.cycle(...) and loop.changed(...), bound to their loop.
class LoopMethod : public Callable {
 public:
  LoopMethod(std::shared_ptr<Interpreter::LoopObject> loop, bool cycle) : loop_(std::move(loop)), cycle_(cycle) {}
  std::string_view Name() const override { return cycle_ ? "cycle" : "changed"; }
  Value Call(Interpreter& interp, CallArgs& args) const override;

 private:
  std::shared_ptr<Interpreter::LoopObject> loop_;
  bool cycle_;
};

}  // namespace

class Interpreter::LoopObject : public Object, public std::enable_shared_from_this<LoopObject> {
 public:
  LoopObject(std::vector<Value> items, int depth, const Stmt* stmt, std::shared_ptr<Frame> frame)
      : items_(std::move(items)), depth_(depth), stmt_(stmt), frame_(std::move(frame)) {}
  std::string_view TypeName() const override { return "LoopContext"; }
  std::optional<Value> GetAttr(std::string_view name) const override {
    int64_t n = static_cast<int64_t>(items_.size());
    if (name == "index") return Value(index_ + 1);
    if (name == "index0") return Value(index_);
    if (name == "revindex") return Value(n - index_);
    if (name == "revindex0") return Value(n - index_ - 1);
    if (name == "first") return Value(index_ == 0);
    if (name == "last") return Value(index_ == n - 1);
    if (name == "length") return Value(n);
    if (name == "depth") return Value(depth_);
    if (name == "depth0") return Value(depth_ - 1);
    if (name == "previtem") {
      if (index_ == 0) return Value::MakeUndefined("there is no previous item");
      return items_[index_ - 1];
    }
    if (name == "nextitem") {
      if (index_ + 1 >= n) return Value::MakeUndefined("there is no next item");
      return items_[index_ + 1];
    }
    if (name == "cycle" || name == "changed") {
      auto self = std::const_pointer_cast<LoopObject>(shared_from_this());
      return Value(std::shared_ptr<const Callable>(std::make_shared<LoopMethod>(self, name == "cycle")));
    }
    return std::nullopt;
  }
  std::string Repr() const override {
    return Cat("<LoopContext ", index_ + 1, "/", items_.size(), ">");
  }

  const std::vector<Value>& items() const { return items_; }
  int64_t index() const { return index_; }
  void set_index(int64_t i) { index_ = i; }
  int depth() const { return depth_; }
  const Stmt* stmt() const { return stmt_; }
  const std::shared_ptr<Frame>& frame() const { return frame_; }
  // loop.changed(value): true on the first call and whenever the value differs from the last call's.
  bool Changed(const Value& v) {
    bool changed = !has_last_ || !Equals(v, last_);
    has_last_ = true;
    last_ = v;
    return changed;
  }

 private:
  std::vector<Value> items_;
  int64_t index_ = 0;
  int depth_;
  const Stmt* stmt_;
  std::shared_ptr<Frame> frame_;
  bool has_last_ = false;
  Value last_;
};

namespace {

Value LoopMethod::Call(Interpreter&, CallArgs& args) const {
  if (cycle_) {
    if (args.positional.empty()) Fail("no items for cycling given");
    return args.positional[loop_->index() % static_cast<int64_t>(args.positional.size())];
  }
  return Value(loop_->Changed(Value::List(args.positional, true)));
}

}  // namespace

Interpreter::Interpreter(const RenderOptions& options) : options_(options) {}

Interpreter::~Interpreter() {
  // Break reference cycles through namespaces (ns.self = ns) before they leak.
  for (const auto& ns : namespaces_) ns->Release();
  // A frame that defines a macro holds it, and the macro holds the frame.
  for (const auto& f : macro_frames_) f->vars.clear();
}

void Interpreter::Track(std::shared_ptr<Object> ns) { namespaces_.push_back(std::move(ns)); }

void Interpreter::Charge(size_t n) {
  allocated_ += static_cast<int64_t>(n);
  if (allocated_ > options_.limits.max_allocated_bytes) {
    Fail(Cat("template built more than ", options_.limits.max_allocated_bytes,
                      " bytes of data (limit); refusing to continue"));
  }
}

void Interpreter::Step() {
  if (++steps_ > options_.limits.max_steps) {
    Fail(Cat("template exceeded ", options_.limits.max_steps, " evaluation steps (limit)"));
  }
  if ((steps_ & 0xFFF) == 0 && std::chrono::steady_clock::now() > deadline_) {
    Fail(Cat("template rendering exceeded ", options_.limits.max_seconds, " s (limit)"));
  }
  // The frame address, not a local's: sanitizers may move locals off the stack.
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (stack_base_ != 0 && stack_base_ > here && stack_base_ - here > kMaxStackBytes) Fail("template recursion too deep");
}

std::string Interpreter::Render(const Body& body, const DictObj& context) {
  context_ = &context;
  stack_base_ = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  deadline_ = std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                  std::chrono::duration<double>(options_.limits.max_seconds));
  auto root = std::make_shared<Frame>();
  std::string out;
  Exec(body, root, &out);
  return out;
}

void Interpreter::Emit(std::string_view text, std::string* out) {
  if (static_cast<int64_t>(out->size() + text.size()) > options_.limits.max_output_bytes) {
    Fail(Cat("template output exceeds ", options_.limits.max_output_bytes, " bytes (limit)"));
  }
  Charge(text.size());
  out->append(text);
}

Interpreter::Flow Interpreter::Exec(const Body& body, const std::shared_ptr<Frame>& frame, std::string* out) {
  for (const StmtPtr& s : body) {
    Flow f = ExecStmt(*s, frame, out);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::ExecStmt(const Stmt& s, const std::shared_ptr<Frame>& frame, std::string* out) {
  try {
    Step();
    switch (s.kind) {
      case Stmt::Kind::kData:
        Emit(s.text, out);
        break;
      case Stmt::Kind::kOutput: {
        Value v = Eval(*s.expr, frame);
        if (v.is_string()) {
          Emit(v.str(), out);
        } else {
          Emit(ToStr(v), out);
        }
        break;
      }
      case Stmt::Kind::kIf:
        for (const auto& [cond, body] : s.branches) {
          if (Eval(*cond, frame).Truthy()) return Exec(body, frame, out);
        }
        return Exec(s.body, frame, out);
      case Stmt::Kind::kFor:
        ExecFor(s, frame, out);
        break;
      case Stmt::Kind::kSet:
        ExecSet(s, frame);
        break;
      case Stmt::Kind::kSetBlock: {
        auto inner = std::make_shared<Frame>();
        inner->parent = frame;
        std::string text;
        Exec(s.body, inner, &text);
        Value v(std::move(text));
        if (s.filter) v = ApplyFilterChain(*s.filter, std::move(v), frame);
        Assign(s.target, v, *frame);
        break;
      }
      case Stmt::Kind::kMacro:
        macro_frames_.push_back(frame);
        frame->Set(s.text, Value(std::shared_ptr<const Callable>(std::make_shared<MacroCallable>(&s, frame))));
        break;
      case Stmt::Kind::kCallBlock: {
        const Expr& call = *s.expr;
        Value callee = Eval(*call.a, frame);
        CallArgs args;
        BuildArgs(call, frame, &args);
        args.keyword.emplace_back(
            "caller", Value(std::shared_ptr<const Callable>(std::make_shared<CallerCallable>(&s, frame))));
        Value v = CallValue(callee, args);
        Emit(ToStr(v), out);
        break;
      }
      case Stmt::Kind::kFilterBlock: {
        auto inner = std::make_shared<Frame>();
        inner->parent = frame;
        std::string text;
        Exec(s.body, inner, &text);
        Emit(ToStr(ApplyFilterChain(*s.filter, Value(std::move(text)), frame)), out);
        break;
      }
      case Stmt::Kind::kWith: {
        auto inner = std::make_shared<Frame>();
        inner->parent = frame;
        for (const auto& [target, expr] : s.assignments) Assign(target, Eval(*expr, frame), *inner);
        return Exec(s.body, inner, out);
      }
      case Stmt::Kind::kBreak:
        return Flow::kBreak;
      case Stmt::Kind::kContinue:
        return Flow::kContinue;
      case Stmt::Kind::kScopeless:
        return Exec(s.body, frame, out);
    }
  } catch (TemplateError& e) {
    if (e.line == 0) e.line = s.line;
    throw;
  }
  return Flow::kNormal;
}

void Interpreter::ExecFor(const Stmt& s, const std::shared_ptr<Frame>& frame, std::string* out) {
  Value iterable = Eval(*s.expr, frame);
  std::string text = RunLoop(s, frame, iterable, 1);
  Emit(text, out);
}

std::string Interpreter::RunLoop(const Stmt& s, const std::shared_ptr<Frame>& frame, const Value& iterable, int depth) {
  if (iterable.is_none() || iterable.is_number() || iterable.is_callable()) {
    Fail(Cat("'", TypeName(iterable), "' object is not iterable"));
  }
  if (iterable.is_object()) Fail(Cat("'", TypeName(iterable), "' object is not iterable"));
  std::vector<Value> items = Iterate(iterable);
  if (s.filter) {
    std::vector<Value> kept;
    auto probe = std::make_shared<Frame>();
    probe->parent = frame;
    for (Value& item : items) {
      Step();
      probe->vars.clear();
      Assign(s.target, item, *probe);
      if (Eval(*s.filter, probe).Truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  std::string out;
  if (items.empty()) {
    auto inner = std::make_shared<Frame>();
    inner->parent = frame;
    Exec(s.else_body, inner, &out);
    return out;
  }
  auto loop = std::make_shared<LoopObject>(std::move(items), depth, &s, frame);
  Value loop_value{std::shared_ptr<Object>(loop)};
  const std::vector<Value>& list = loop->items();
  for (size_t i = 0; i < list.size(); ++i) {
    Step();  // an empty body still costs a step per iteration
    loop->set_index(static_cast<int64_t>(i));
    auto inner = std::make_shared<Frame>();
    inner->parent = frame;
    Assign(s.target, list[i], *inner);
    inner->Set("loop", loop_value);
    if (Exec(s.body, inner, &out) == Flow::kBreak) break;
  }
  return out;
}

void Interpreter::ExecSet(const Stmt& s, const std::shared_ptr<Frame>& frame) {
  Value v = Eval(*s.expr, frame);
  Assign(s.target, v, *frame);
}

void Interpreter::Assign(const Target& t, const Value& v, Frame& frame) {
  if (!t.tuple.empty()) {
    if (v.is_undefined()) v.ThrowUndefined();
    std::vector<Value> items = Iterate(v);
    if (items.size() != t.tuple.size()) {
      if (items.size() > t.tuple.size()) Fail(Cat("too many values to unpack (expected ", t.tuple.size(), ")"));
      Fail(Cat("not enough values to unpack (expected ", t.tuple.size(), ", got ", items.size(), ")"));
    }
    for (size_t i = 0; i < items.size(); ++i) Assign(t.tuple[i], items[i], frame);
    return;
  }
  if (!t.attr.empty()) {
    Value ns = Lookup(t.name, frame);
    if (!ns.is_object() || !ns.object().SetAttr(t.attr, v)) Fail("cannot assign attribute on non-namespace object");
    return;
  }
  frame.Set(t.name, v);
}

Value Interpreter::Lookup(const std::string& name, const Frame& frame) const {
  if (const Value* v = frame.Find(name)) return *v;
  if (const Value* v = context_->Find(std::string_view(name))) return *v;
  Value g = LookupGlobal(name);
  if (!g.is_undefined()) return g;
  return Value::MakeUndefined(Cat("'", name, "' is undefined"));
}

Value Interpreter::GetAttr(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case Value::Kind::kUndefined:
      obj.ThrowUndefined();
    case Value::Kind::kDict: {
      if (name.starts_with("__")) return UnsafeAttr(obj, name);
      if (IsUnsafeMethod(obj, name)) return UnsafeAttr(obj, name);
      if (HasMethod(obj, name)) return BoundMethod(obj, name);
      if (const Value* v = obj.dict().Find(name)) return *v;
      return MissingAttr(obj, name);
    }
    case Value::Kind::kString:
    case Value::Kind::kList:
      if (name.starts_with("__") || IsUnsafeMethod(obj, name)) return UnsafeAttr(obj, name);
      if (HasMethod(obj, name)) return BoundMethod(obj, name);
      return MissingAttr(obj, name);
    case Value::Kind::kObject: {
      if (auto v = obj.object().GetAttr(name)) return *v;
      return MissingAttr(obj, name);
    }
    default:
      return MissingAttr(obj, name);
  }
}

Value Interpreter::GetItem(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Value::Kind::kUndefined:
      obj.ThrowUndefined();
    case Value::Kind::kDict:
      if (const Value* v = obj.dict().Find(key)) return *v;
      break;
    case Value::Kind::kList:
    case Value::Kind::kString:
      if ((key.is_int() || key.is_bool()) && (obj.is_string() || obj.is_indexable())) {
        if (obj.is_list()) {
          auto i = NormalizeIndex(key.ToInt(), obj.list().items.size());
          if (i) return obj.list().items[*i];
        } else {
          int64_t n = Length(obj);
          auto i = NormalizeIndex(key.ToInt(), static_cast<size_t>(n));
          if (i) {
            const std::string& s = obj.str();
            size_t b = ByteOffsetOfCodePoint(s, static_cast<int64_t>(*i));
            size_t e = ByteOffsetOfCodePoint(s, static_cast<int64_t>(*i) + 1);
            return Value(s.substr(b, e - b));
          }
        }
        return Value::MakeUndefined(Cat(TypeName(obj), " object has no element ", key.ToInt()));
      }
      break;
    default:
      break;
  }
  if (key.is_string()) {
    // obj['name'] falls back to the attribute, as Jinja's getitem does.
    if (obj.is_dict()) {
      if (key.str().starts_with("__") || IsUnsafeMethod(obj, key.str())) return UnsafeAttr(obj, key.str());
      if (HasMethod(obj, key.str())) return BoundMethod(obj, key.str());
      return MissingAttr(obj, key.str());
    }
    return GetAttr(obj, key.str());
  }
  if (key.is_undefined()) key.ThrowUndefined();
  return Value::MakeUndefined(Cat(ObjectTypeRepr(obj), " has no element ", Repr(key)));
}

Value Interpreter::CallValue(const Value& callee, CallArgs& args) {
  if (callee.is_callable()) return callee.callable().Call(*this, args);
  if (callee.is_undefined()) callee.ThrowUndefined();
  if (callee.is_object()) {
    if (auto* loop = dynamic_cast<LoopObject*>(&callee.object())) {
      if (!loop->stmt()->recursive) Fail("the loop object is only callable in loops declared 'recursive'");
      if (args.positional.size() != 1 || !args.keyword.empty()) Fail("loop() takes exactly one argument");
      if (++call_depth_ > options_.limits.max_call_depth) Fail("recursive loop nested too deep");
      std::string text = RunLoop(*loop->stmt(), loop->frame(), args.positional[0], loop->depth() + 1);
      --call_depth_;
      return Value(std::move(text));
    }
  }
  Fail(Cat("'", TypeName(callee), "' object is not callable"));
}

const Interpreter::MacroInfo& Interpreter::InfoFor(const Stmt& def) {
  auto it = macro_info_.find(&def);
  if (it != macro_info_.end()) return *it->second;
  auto info = std::make_unique<MacroInfo>();
  ScanBody(def.body, info.get());
  for (const auto& p : def.params) ScanExpr(p.default_value.get(), info.get());
  return *macro_info_.emplace(&def, std::move(info)).first->second;
}

Value Interpreter::CallMacro(const Stmt& def, const std::shared_ptr<Frame>& closure, CallArgs& args,
                             const Value& caller) {
  if (++call_depth_ > options_.limits.max_call_depth) {
    Fail(Cat("macro calls nested deeper than ", options_.limits.max_call_depth, " (limit)"));
  }
  const MacroInfo& info = InfoFor(def);
  auto frame = std::make_shared<Frame>();
  frame->parent = closure;
  size_t n_params = def.params.size();
  if (args.positional.size() > n_params && !info.uses_varargs) {
    Fail(Cat("macro '", def.text, "' takes not more than ", n_params, " argument(s)"));
  }
  std::vector<bool> bound(n_params, false);
  for (size_t i = 0; i < n_params && i < args.positional.size(); ++i) {
    frame->Set(def.params[i].name, args.positional[i]);
    bound[i] = true;
  }
  DictObj extra_kwargs;
  for (auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < n_params && def.params[i].name != key) ++i;
    if (i < n_params) {
      if (bound[i]) Fail(Cat("macro '", def.text, "' got multiple values for argument '", key, "'"));
      frame->Set(key, value);
      bound[i] = true;
    } else if (info.uses_kwargs) {
      extra_kwargs.Set(Value(key), value);
    } else {
      Fail(Cat("macro '", def.text, "' takes no keyword argument '", key, "'"));
    }
  }
  for (size_t i = 0; i < n_params; ++i) {
    if (bound[i]) continue;
    const MacroParam& p = def.params[i];
    if (p.default_value) {
      frame->Set(p.name, Eval(*p.default_value, frame));
    } else {
      frame->Set(p.name, Value::MakeUndefined(Cat("parameter '", p.name, "' was not provided")));
    }
  }
  if (info.uses_varargs) {
    std::vector<Value> rest;
    for (size_t i = n_params; i < args.positional.size(); ++i) rest.push_back(args.positional[i]);
    frame->Set("varargs", Value::List(std::move(rest), true));
  }
  if (info.uses_kwargs) frame->Set("kwargs", Value::Dict(std::move(extra_kwargs)));
  if (!caller.is_undefined()) frame->Set("caller", caller);
  std::string out;
  Exec(def.body, frame, &out);
  --call_depth_;
  return Value(std::move(out));
}

std::string Interpreter::RenderCaller(const Stmt& block, const std::shared_ptr<Frame>& outer, CallArgs& args) {
  if (++call_depth_ > options_.limits.max_call_depth) Fail("caller() nested too deep");
  auto frame = std::make_shared<Frame>();
  frame->parent = outer;
  for (size_t i = 0; i < block.params.size(); ++i) {
    const MacroParam& p = block.params[i];
    const Value* kw = nullptr;
    for (const auto& [k, v] : args.keyword) {
      if (k == p.name) kw = &v;
    }
    if (i < args.positional.size()) {
      frame->Set(p.name, args.positional[i]);
    } else if (kw != nullptr) {
      frame->Set(p.name, *kw);
    } else if (p.default_value) {
      frame->Set(p.name, Eval(*p.default_value, frame));
    } else {
      frame->Set(p.name, Value::MakeUndefined(Cat("parameter '", p.name, "' was not provided")));
    }
  }
  std::string out;
  Exec(block.body, frame, &out);
  --call_depth_;
  return out;
}

void Interpreter::BuildArgs(const Expr& e, const std::shared_ptr<Frame>& frame, CallArgs* args) {
  for (const ExprPtr& a : e.items) args->positional.push_back(Eval(*a, frame));
  if (e.star_args) {
    Value extra = Eval(*e.star_args, frame);
    for (Value& v : Iterate(extra)) args->positional.push_back(std::move(v));
  }
  for (const auto& [k, v] : e.kwargs) args->keyword.emplace_back(k, Eval(*v, frame));
  if (e.star_kwargs) {
    Value extra = Eval(*e.star_kwargs, frame);
    if (!extra.is_dict()) Fail("argument after ** must be a mapping");
    for (const auto& [k, v] : extra.dict().items) {
      if (!k.is_string()) Fail("keywords must be strings");
      args->keyword.emplace_back(k.str(), v);
    }
  }
}

Value Interpreter::ApplyFilterChain(const Expr& chain, Value input, const std::shared_ptr<Frame>& frame) {
  // The chain is nested innermost-first: f2(f1(<input>)).
  Value base = chain.a ? ApplyFilterChain(*chain.a, std::move(input), frame) : std::move(input);
  CallArgs args;
  BuildArgs(chain, frame, &args);
  return ApplyFilter(*this, chain.name, base, args);
}

Value Interpreter::Eval(const Expr& e, const std::shared_ptr<Frame>& frame) {
  Step();
  try {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.literal;
      case Expr::Kind::kName:
        return Lookup(e.name, *frame);
      case Expr::Kind::kList:
      case Expr::Kind::kTuple: {
        std::vector<Value> items;
        items.reserve(e.items.size());
        for (const ExprPtr& i : e.items) items.push_back(Eval(*i, frame));
        Charge(items.size() * sizeof(Value));
        return Value::List(std::move(items), e.kind == Expr::Kind::kTuple);
      }
      case Expr::Kind::kDict: {
        DictObj d;
        for (const auto& [k, v] : e.pairs) {
          Value key = Eval(*k, frame);
          if (key.is_list() && !key.is_tuple()) Fail("unhashable type: 'list'");
          if (key.is_dict()) Fail("unhashable type: 'dict'");
          if (key.is_undefined()) key.ThrowUndefined();
          d.Set(std::move(key), Eval(*v, frame));
        }
        Charge(d.items.size() * 2 * sizeof(Value));
        return Value::Dict(std::move(d));
      }
      case Expr::Kind::kGetAttr:
        return GetAttr(Eval(*e.a, frame), e.name);
      case Expr::Kind::kGetItem:
        return GetItem(Eval(*e.a, frame), Eval(*e.b, frame));
      case Expr::Kind::kSlice:
        return EvalSlice(e, frame);
      case Expr::Kind::kCall:
        return EvalCall(e, frame);
      case Expr::Kind::kFilter: {
        Value input = Eval(*e.a, frame);
        CallArgs args;
        BuildArgs(e, frame, &args);
        return ApplyFilter(*this, e.name, input, args);
      }
      case Expr::Kind::kTest: {
        Value input = Eval(*e.a, frame);
        CallArgs args;
        BuildArgs(e, frame, &args);
        return Value(ApplyTest(*this, e.name, input, args) != e.negated);
      }
      case Expr::Kind::kUnary: {
        Value v = Eval(*e.a, frame);
        if (e.unary_op == UnaryOp::kNot) return Value(!v.Truthy());
        return Negate(v, e.unary_op == UnaryOp::kNeg);
      }
      case Expr::Kind::kBinary:
        return EvalBinary(e, frame);
      case Expr::Kind::kCompare: {
        Value left = Eval(*e.items[0], frame);
        for (size_t i = 0; i < e.compare_ops.size(); ++i) {
          Value right = Eval(*e.items[i + 1], frame);
          bool r;
          switch (e.compare_ops[i]) {
            case BinOp::kEq: r = Equals(left, right); break;
            case BinOp::kNe: r = !Equals(left, right); break;
            case BinOp::kLt: r = Compare(left, right, "<") < 0; break;
            case BinOp::kLe: r = Compare(left, right, "<=") <= 0; break;
            case BinOp::kGt: r = Compare(left, right, ">") > 0; break;
            case BinOp::kGe: r = Compare(left, right, ">=") >= 0; break;
            case BinOp::kIn: r = Contains(right, left); break;
            default: r = !Contains(right, left); break;
          }
          if (!r) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case Expr::Kind::kCond:
        if (Eval(*e.a, frame).Truthy()) return Eval(*e.b, frame);
        if (e.c) return Eval(*e.c, frame);
        return Value::MakeUndefined(
            "the inline if-expression evaluated to false and no else section was defined.");
    }
  } catch (TemplateError& err) {
    if (err.line == 0) err.line = e.line;
    throw;
  }
  return Value();
}

Value Interpreter::EvalBinary(const Expr& e, const std::shared_ptr<Frame>& frame) {
  if (e.bin_op == BinOp::kAnd) {
    Value l = Eval(*e.a, frame);
    return l.Truthy() ? Eval(*e.b, frame) : l;
  }
  if (e.bin_op == BinOp::kOr) {
    Value l = Eval(*e.a, frame);
    return l.Truthy() ? l : Eval(*e.b, frame);
  }
  Value l = Eval(*e.a, frame);
  Value r = Eval(*e.b, frame);
  return Arithmetic(*this, e.bin_op, l, r);
}

Value Interpreter::EvalSlice(const Expr& e, const std::shared_ptr<Frame>& frame) {
  Value obj = Eval(*e.a, frame);
  auto bound = [&](const ExprPtr& x) -> std::optional<int64_t> {
    if (!x) return std::nullopt;
    Value v = Eval(*x, frame);
    if (v.is_none()) return std::nullopt;
    if (!v.is_int() && !v.is_bool()) Fail("slice indices must be integers or None");
    return v.ToInt();
  };
  std::optional<int64_t> start = bound(e.b), stop = bound(e.c), step = bound(e.step);
  return SliceValue(*this, obj, start, stop, step);
}

Value Interpreter::EvalCall(const Expr& e, const std::shared_ptr<Frame>& frame) {
  if (e.a->kind == Expr::Kind::kGetAttr) {
    // obj.method(args) without building a bound method first.
    Value obj = Eval(*e.a->a, frame);
    if ((obj.is_string() || obj.is_list() || obj.is_dict()) && HasMethod(obj, e.a->name) &&
        !IsUnsafeMethod(obj, e.a->name)) {
      CallArgs args;
      BuildArgs(e, frame, &args);
      bool found = false;
      Value v = CallMethod(*this, obj, e.a->name, args, &found);
      if (found) return v;
    }
    Value callee = GetAttr(obj, e.a->name);
    CallArgs args;
    BuildArgs(e, frame, &args);
    return CallValue(callee, args);
  }
  Value callee = Eval(*e.a, frame);
  CallArgs args;
  BuildArgs(e, frame, &args);
  return CallValue(callee, args);
}

}  // namespace doomscope::engine::jinja
