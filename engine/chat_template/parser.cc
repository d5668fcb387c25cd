#include "engine/chat_template/parser.h"

#include <initializer_list>

#include "absl/strings/numbers.h"
#include "engine/chat_template/cat.h"
#include "engine/chat_template/builtins.h"
#include "engine/chat_template/lexer.h"

namespace doomscope::engine::jinja {
namespace {

struct ParseError {
  std::string message;
  int line;
};

std::string Describe(const Token& t) {
  switch (t.type) {
    case TokenType::kData: return "template data";
    case TokenType::kVarBegin: return "'{{'";
    case TokenType::kVarEnd: return "end of print statement";
    case TokenType::kBlockBegin: return "'{%'";
    case TokenType::kBlockEnd: return "end of statement block";
    case TokenType::kName: return Cat("'", t.value, "'");
    case TokenType::kString: return "string literal";
    case TokenType::kInteger:
    case TokenType::kFloat: return Cat("'", t.value, "'");
    case TokenType::kOperator: return Cat("'", t.value, "'");
    case TokenType::kEnd: return "end of template";
  }
  return "token";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Body Template() {
    Body body = Subparse({});
    if (Cur().type != TokenType::kEnd) Fail(Cat("unexpected ", Describe(Cur())));
    CheckNames(body, false);
    return body;
  }

 private:
  // ---- token helpers -------------------------------------------------------
  const Token& Cur() const { return t_[pos_]; }
  const Token& Look() const { return t_[pos_ + 1 < t_.size() ? pos_ + 1 : pos_]; }
  void Next() {
    if (pos_ + 1 < t_.size()) ++pos_;
  }
  [[noreturn]] void Fail(std::string message) const { throw ParseError{std::move(message), Cur().line}; }
  bool IsOp(std::string_view op) const { return Cur().type == TokenType::kOperator && Cur().value == op; }
  bool IsName(std::string_view name) const { return Cur().type == TokenType::kName && Cur().value == name; }
  bool SkipOp(std::string_view op) {
    if (!IsOp(op)) return false;
    Next();
    return true;
  }
  bool SkipName(std::string_view name) {
    if (!IsName(name)) return false;
    Next();
    return true;
  }
  void ExpectOp(std::string_view op) {
    if (!SkipOp(op)) Fail(Cat("expected '", op, "', got ", Describe(Cur())));
  }
  std::string ExpectName() {
    if (Cur().type != TokenType::kName) Fail(Cat("expected a name, got ", Describe(Cur())));
    std::string v = Cur().value;
    Next();
    return v;
  }
  void ExpectBlockEnd() {
    if (Cur().type != TokenType::kBlockEnd) Fail(Cat("expected end of statement block, got ", Describe(Cur())));
    Next();
  }

  struct DepthGuard {
    Parser* p;
    explicit DepthGuard(Parser* parser) : p(parser) {
      if (++p->depth_ > kMaxParseDepth) p->Fail("template nesting too deep");
    }
    ~DepthGuard() { --p->depth_; }
  };

  ExprPtr MakeExpr(Expr::Kind k, int line) { return std::make_unique<Expr>(k, line); }

  // ---- statements ----------------------------------------------------------
  // Parses until a block whose tag is one of `end_tags` (left unconsumed,
  // positioned on the tag name) or the end of the template.
  Body Subparse(std::initializer_list<std::string_view> end_tags) {
    DepthGuard guard(this);
    Body body;
    while (Cur().type != TokenType::kEnd) {
      const Token& tok = Cur();
      if (tok.type == TokenType::kData) {
        auto s = std::make_unique<Stmt>(Stmt::Kind::kData, tok.line);
        s->text = tok.value;
        body.push_back(std::move(s));
        Next();
      } else if (tok.type == TokenType::kVarBegin) {
        Next();
        auto s = std::make_unique<Stmt>(Stmt::Kind::kOutput, tok.line);
        s->expr = Tuple(false, true, {}, false);
        if (Cur().type != TokenType::kVarEnd) Fail(Cat("expected end of print statement, got ", Describe(Cur())));
        Next();
        body.push_back(std::move(s));
      } else if (tok.type == TokenType::kBlockBegin) {
        Next();
        if (Cur().type == TokenType::kName) {
          for (std::string_view end : end_tags) {
            if (Cur().value == end) return body;
          }
        }
        body.push_back(Statement());
        ExpectBlockEnd();
      } else {
        Fail(Cat("unexpected ", Describe(tok)));
      }
    }
    return body;
  }

  // The body of a block statement: `%}`, statements, up to one of `end_tags`.
  Body Statements(std::initializer_list<std::string_view> end_tags, bool drop_needle) {
    int start_line = Cur().line;
    ExpectBlockEnd();
    Body body = Subparse(end_tags);
    if (Cur().type == TokenType::kEnd) {
      std::string tags;
      for (std::string_view t : end_tags) tags += (tags.empty() ? "" : ", ") + std::string(t);
      throw ParseError{Cat("unexpected end of template; a block opened on line ", start_line,
                                    " is missing one of: ", tags),
                       Cur().line};
    }
    if (drop_needle) Next();
    return body;
  }

  StmtPtr Statement() {
    const Token& tok = Cur();
    if (tok.type != TokenType::kName) Fail("tag name expected");
    int line = tok.line;
    std::string tag = tok.value;
    Next();
    if (tag == "if") return If(line);
    if (tag == "for") return For(line);
    if (tag == "set") return Set(line);
    if (tag == "macro") return Macro(line);
    if (tag == "call") return CallBlock(line);
    if (tag == "filter") return FilterBlock(line);
    if (tag == "with") return With(line);
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) throw ParseError{Cat("'", tag, "' outside a for loop"), line};
      return std::make_unique<Stmt>(tag == "break" ? Stmt::Kind::kBreak : Stmt::Kind::kContinue, line);
    }
    if (tag == "generation") {
      auto s = std::make_unique<Stmt>(Stmt::Kind::kScopeless, line);
      s->body = Statements({"endgeneration"}, true);
      return s;
    }
    throw ParseError{Cat("encountered unknown tag '", tag, "'"), line};
  }

  StmtPtr If(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kIf, line);
    while (true) {
      ExprPtr cond = Tuple(false, false, {}, false);
      Body body = Statements({"elif", "else", "endif"}, false);
      s->branches.emplace_back(std::move(cond), std::move(body));
      if (SkipName("elif")) continue;
      if (SkipName("else")) s->body = Statements({"endif"}, true);
      else Next();  // endif
      return s;
    }
  }

  StmtPtr For(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kFor, line);
    s->target = AssignTarget(false, {"in"});
    if (!s->target.attr.empty()) Fail("can't assign to an attribute in a for loop");
    if (!SkipName("in")) Fail(Cat("expected 'in', got ", Describe(Cur())));
    s->expr = Tuple(false, false, {"recursive"}, false);
    if (SkipName("if")) s->filter = Expression(true);
    s->recursive = SkipName("recursive");
    ++loop_depth_;
    s->body = Statements({"endfor", "else"}, false);
    --loop_depth_;
    if (SkipName("endfor")) return s;
    Next();  // else
    s->else_body = Statements({"endfor"}, true);
    return s;
  }

  StmtPtr Set(int line) {
    Target target = AssignTarget(true, {});
    if (SkipOp("=")) {
      auto s = std::make_unique<Stmt>(Stmt::Kind::kSet, line);
      s->target = std::move(target);
      s->expr = Tuple(false, true, {}, false);
      return s;
    }
    if (!target.tuple.empty() || !target.attr.empty()) Fail("a block set assigns to a single name");
    auto s = std::make_unique<Stmt>(Stmt::Kind::kSetBlock, line);
    s->target = std::move(target);
    if (IsOp("|")) s->filter = FilterChain(nullptr, false);
    int saved = loop_depth_;
    loop_depth_ = 0;
    s->body = Statements({"endset"}, true);
    loop_depth_ = saved;
    return s;
  }

  std::vector<MacroParam> Signature() {
    std::vector<MacroParam> params;
    ExpectOp("(");
    while (!IsOp(")")) {
      if (!params.empty()) ExpectOp(",");
      if (IsOp(")")) break;
      MacroParam p;
      p.name = ExpectName();
      if (SkipOp("=")) {
        p.default_value = Expression(true);
      } else if (!params.empty() && params.back().default_value) {
        Fail("non-default argument follows default argument");
      }
      params.push_back(std::move(p));
    }
    ExpectOp(")");
    return params;
  }

  StmtPtr Macro(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kMacro, line);
    s->text = ExpectName();
    s->params = Signature();
    int saved = loop_depth_;
    loop_depth_ = 0;
    s->body = Statements({"endmacro"}, true);
    loop_depth_ = saved;
    return s;
  }

  StmtPtr CallBlock(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kCallBlock, line);
    if (IsOp("(")) s->params = Signature();
    s->expr = Expression(true);
    if (s->expr->kind != Expr::Kind::kCall) Fail("expected a call after 'call'");
    int saved = loop_depth_;
    loop_depth_ = 0;
    s->body = Statements({"endcall"}, true);
    loop_depth_ = saved;
    return s;
  }

  StmtPtr FilterBlock(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kFilterBlock, line);
    s->filter = FilterChain(nullptr, true);
    s->body = Statements({"endfilter"}, true);
    return s;
  }

  StmtPtr With(int line) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kWith, line);
    while (Cur().type != TokenType::kBlockEnd) {
      if (!s->assignments.empty()) ExpectOp(",");
      Target t = AssignTarget(false, {});
      ExpectOp("=");
      s->assignments.emplace_back(std::move(t), Expression(true));
    }
    s->body = Statements({"endwith"}, true);
    return s;
  }

  // A name, `ns.attr` (with_namespace), or a tuple of names (`a, b` or `(a, b)`).
  Target AssignTarget(bool with_namespace, std::initializer_list<std::string_view> end_names) {
    Target t;
    if (with_namespace && Cur().type == TokenType::kName && Look().type == TokenType::kOperator && Look().value == ".") {
      t.name = ExpectName();
      Next();
      t.attr = ExpectName();
      return t;
    }
    std::vector<Target> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) ExpectOp(",");
      if (Cur().type == TokenType::kBlockEnd || IsOp("=") || IsOp(")")) break;
      bool end = false;
      for (std::string_view n : end_names) end = end || IsName(n);
      if (end) break;
      items.push_back(SingleTarget());
      if (IsOp(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (items.empty()) Fail(Cat("expected an assignment target, got ", Describe(Cur())));
    if (!is_tuple) return std::move(items[0]);
    t.tuple = std::move(items);
    return t;
  }

  Target SingleTarget() {
    if (SkipOp("(")) {
      Target t = AssignTarget(false, {});
      ExpectOp(")");
      return t;
    }
    Target t;
    t.name = ExpectName();
    if (t.name == "true" || t.name == "false" || t.name == "none" || t.name == "True" || t.name == "False" ||
        t.name == "None") {
      Fail(Cat("can't assign to '", t.name, "'"));
    }
    return t;
  }

  // ---- expressions ---------------------------------------------------------
  bool IsTupleEnd(std::initializer_list<std::string_view> extra_end) const {
    if (Cur().type == TokenType::kVarEnd || Cur().type == TokenType::kBlockEnd || IsOp(")")) return true;
    for (std::string_view n : extra_end) {
      if (IsName(n)) return true;
    }
    return false;
  }

  ExprPtr Tuple(bool simplified, bool with_condexpr, std::initializer_list<std::string_view> extra_end,
                bool explicit_parentheses) {
    int line = Cur().line;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) ExpectOp(",");
      if (IsTupleEnd(extra_end)) break;
      args.push_back(simplified ? Primary() : Expression(with_condexpr));
      if (IsOp(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parentheses) Fail(Cat("expected an expression, got ", Describe(Cur())));
    }
    auto e = MakeExpr(Expr::Kind::kTuple, line);
    e->items = std::move(args);
    return e;
  }

  ExprPtr Expression(bool with_condexpr) {
    DepthGuard guard(this);
    return with_condexpr ? CondExpr() : Or();
  }

  ExprPtr CondExpr() {
    ExprPtr expr1 = Or();
    while (IsName("if")) {
      int line = Cur().line;
      Next();
      ExprPtr cond = Or();
      auto e = MakeExpr(Expr::Kind::kCond, line);
      e->a = std::move(cond);
      e->b = std::move(expr1);
      if (SkipName("else")) e->c = CondExpr();
      expr1 = std::move(e);
    }
    return expr1;
  }

  ExprPtr Binary(BinOp op, ExprPtr l, ExprPtr r, int line) {
    auto e = MakeExpr(Expr::Kind::kBinary, line);
    e->bin_op = op;
    e->a = std::move(l);
    e->b = std::move(r);
    return e;
  }

  ExprPtr Or() {
    ExprPtr left = And();
    while (IsName("or")) {
      int line = Cur().line;
      Next();
      left = Binary(BinOp::kOr, std::move(left), And(), line);
    }
    return left;
  }

  ExprPtr And() {
    ExprPtr left = Not();
    while (IsName("and")) {
      int line = Cur().line;
      Next();
      left = Binary(BinOp::kAnd, std::move(left), Not(), line);
    }
    return left;
  }

  ExprPtr Not() {
    if (IsName("not")) {
      DepthGuard guard(this);
      auto e = MakeExpr(Expr::Kind::kUnary, Cur().line);
      Next();
      e->unary_op = UnaryOp::kNot;
      e->a = Not();
      return e;
    }
    return Compare();
  }

  ExprPtr Compare() {
    int line = Cur().line;
    ExprPtr first = Math1();
    std::vector<ExprPtr> operands;
    std::vector<BinOp> ops;
    while (true) {
      BinOp op;
      if (IsOp("==")) op = BinOp::kEq;
      else if (IsOp("!=")) op = BinOp::kNe;
      else if (IsOp("<")) op = BinOp::kLt;
      else if (IsOp("<=")) op = BinOp::kLe;
      else if (IsOp(">")) op = BinOp::kGt;
      else if (IsOp(">=")) op = BinOp::kGe;
      else if (IsName("in")) op = BinOp::kIn;
      else if (IsName("not") && Look().type == TokenType::kName && Look().value == "in") {
        Next();
        op = BinOp::kNotIn;
      } else {
        break;
      }
      Next();
      ops.push_back(op);
      operands.push_back(Math1());
    }
    if (ops.empty()) return first;
    auto e = MakeExpr(Expr::Kind::kCompare, line);
    e->items.push_back(std::move(first));
    for (auto& o : operands) e->items.push_back(std::move(o));
    e->compare_ops = std::move(ops);
    return e;
  }

  ExprPtr Math1() {
    ExprPtr left = Concat();
    while (IsOp("+") || IsOp("-")) {
      int line = Cur().line;
      BinOp op = IsOp("+") ? BinOp::kAdd : BinOp::kSub;
      Next();
      left = Binary(op, std::move(left), Concat(), line);
    }
    return left;
  }

  ExprPtr Concat() {
    ExprPtr left = Math2();
    while (IsOp("~")) {
      int line = Cur().line;
      Next();
      left = Binary(BinOp::kConcat, std::move(left), Math2(), line);
    }
    return left;
  }

  ExprPtr Math2() {
    ExprPtr left = Pow();
    while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
      int line = Cur().line;
      BinOp op = IsOp("*") ? BinOp::kMul : IsOp("/") ? BinOp::kDiv : IsOp("//") ? BinOp::kFloorDiv : BinOp::kMod;
      Next();
      left = Binary(op, std::move(left), Pow(), line);
    }
    return left;
  }

  ExprPtr Pow() {
    ExprPtr left = Unary(true);
    while (IsOp("**")) {
      int line = Cur().line;
      Next();
      left = Binary(BinOp::kPow, std::move(left), Unary(true), line);
    }
    return left;
  }

  ExprPtr Unary(bool with_filter) {
    DepthGuard guard(this);
    ExprPtr node;
    if (IsOp("-") || IsOp("+")) {
      auto e = MakeExpr(Expr::Kind::kUnary, Cur().line);
      e->unary_op = IsOp("-") ? UnaryOp::kNeg : UnaryOp::kPos;
      Next();
      e->a = Unary(false);
      node = std::move(e);
    } else {
      node = Primary();
    }
    node = Postfix(std::move(node));
    if (with_filter) node = FilterExpr(std::move(node));
    return node;
  }

  ExprPtr Primary() {
    DepthGuard guard(this);
    const Token& tok = Cur();
    int line = tok.line;
    switch (tok.type) {
      case TokenType::kName: {
        const std::string& n = tok.value;
        auto e = MakeExpr(Expr::Kind::kLiteral, line);
        if (n == "true" || n == "True") e->literal = Value(true);
        else if (n == "false" || n == "False") e->literal = Value(false);
        else if (n == "none" || n == "None") e->literal = Value::None();
        else {
          e->kind = Expr::Kind::kName;
          e->name = n;
        }
        Next();
        return e;
      }
      case TokenType::kString: {
        std::string s;
        while (Cur().type == TokenType::kString) {
          s += Cur().value;
          Next();
        }
        auto e = MakeExpr(Expr::Kind::kLiteral, line);
        e->literal = Value(std::move(s));
        return e;
      }
      case TokenType::kInteger: {
        int64_t v;
        if (!absl::SimpleAtoi(tok.value, &v)) Fail("integer literal too large");
        auto e = MakeExpr(Expr::Kind::kLiteral, line);
        e->literal = Value(v);
        Next();
        return e;
      }
      case TokenType::kFloat: {
        double v;
        if (!absl::SimpleAtod(tok.value, &v)) Fail("bad float literal");
        auto e = MakeExpr(Expr::Kind::kLiteral, line);
        e->literal = Value(v);
        Next();
        return e;
      }
      default:
        break;
    }
    if (SkipOp("(")) {
      ExprPtr e = Tuple(false, true, {}, true);
      ExpectOp(")");
      return e;
    }
    if (SkipOp("[")) {
      auto e = MakeExpr(Expr::Kind::kList, line);
      while (!IsOp("]")) {
        if (!e->items.empty()) ExpectOp(",");
        if (IsOp("]")) break;
        e->items.push_back(Expression(true));
      }
      ExpectOp("]");
      return e;
    }
    if (SkipOp("{")) {
      auto e = MakeExpr(Expr::Kind::kDict, line);
      while (!IsOp("}")) {
        if (!e->pairs.empty()) ExpectOp(",");
        if (IsOp("}")) break;
        ExprPtr key = Expression(true);
        ExpectOp(":");
        e->pairs.emplace_back(std::move(key), Expression(true));
      }
      ExpectOp("}");
      return e;
    }
    Fail(Cat("unexpected ", Describe(tok)));
  }

  ExprPtr Postfix(ExprPtr node) {
    while (true) {
      if (IsOp(".") || IsOp("[")) {
        node = Subscript(std::move(node));
      } else if (IsOp("(")) {
        node = CallExpr(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr FilterExpr(ExprPtr node) {
    while (true) {
      if (IsOp("|")) {
        node = FilterChain(std::move(node), false);
      } else if (IsName("is")) {
        node = TestExpr(std::move(node));
      } else if (IsOp("(")) {
        node = CallExpr(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr Subscript(ExprPtr node) {
    int line = Cur().line;
    if (SkipOp(".")) {
      if (Cur().type == TokenType::kName) {
        auto e = MakeExpr(Expr::Kind::kGetAttr, line);
        e->a = std::move(node);
        e->name = Cur().value;
        Next();
        return e;
      }
      if (Cur().type == TokenType::kInteger) {
        auto e = MakeExpr(Expr::Kind::kGetItem, line);
        e->a = std::move(node);
        e->b = Primary();
        return e;
      }
      Fail("expected a name or a number after '.'");
    }
    ExpectOp("[");
    std::vector<ExprPtr> args;
    while (!IsOp("]")) {
      if (!args.empty()) ExpectOp(",");
      args.push_back(Subscribed());
    }
    ExpectOp("]");
    if (args.empty()) Fail("expected a subscript");
    ExprPtr index;
    if (args.size() == 1) {
      index = std::move(args[0]);
    } else {
      index = MakeExpr(Expr::Kind::kTuple, line);
      index->items = std::move(args);
    }
    if (index->kind == Expr::Kind::kSlice) {
      index->a = std::move(node);
      return index;
    }
    auto e = MakeExpr(Expr::Kind::kGetItem, line);
    e->a = std::move(node);
    e->b = std::move(index);
    return e;
  }

  // An index or a slice `start:stop:step` (the sliced object is filled in by Subscript).
  ExprPtr Subscribed() {
    int line = Cur().line;
    ExprPtr start;
    if (!IsOp(":")) {
      start = Expression(true);
      if (!IsOp(":")) return start;
    }
    Next();
    auto e = MakeExpr(Expr::Kind::kSlice, line);
    e->b = std::move(start);
    if (!IsOp(":") && !IsOp("]") && !IsOp(",")) e->c = Expression(true);
    if (SkipOp(":")) {
      if (!IsOp("]") && !IsOp(",")) e->step = Expression(true);
    }
    return e;
  }

  // `(args, key=value, *args, **kwargs)` into `e`.
  void CallArgsInto(Expr* e) {
    ExpectOp("(");
    bool first = true;
    while (!IsOp(")")) {
      if (!first) ExpectOp(",");
      first = false;
      if (IsOp(")")) break;
      if (SkipOp("*")) {
        e->star_args = Expression(true);
      } else if (SkipOp("**")) {
        e->star_kwargs = Expression(true);
      } else if (Cur().type == TokenType::kName && Look().type == TokenType::kOperator && Look().value == "=") {
        std::string key = Cur().value;
        Next();
        Next();
        e->kwargs.emplace_back(std::move(key), Expression(true));
      } else {
        if (!e->kwargs.empty() || e->star_args || e->star_kwargs) Fail("positional argument follows keyword argument");
        e->items.push_back(Expression(true));
      }
    }
    ExpectOp(")");
  }

  ExprPtr CallExpr(ExprPtr node) {
    auto e = MakeExpr(Expr::Kind::kCall, Cur().line);
    e->a = std::move(node);
    CallArgsInto(e.get());
    return e;
  }

  std::string DottedName() {
    std::string name = ExpectName();
    while (IsOp(".") && Look().type == TokenType::kName) {
      Next();
      name += '.';
      name += ExpectName();
    }
    return name;
  }

  // `|f(args)|g...`; with start_inline the first filter has no leading '|'.
  ExprPtr FilterChain(ExprPtr node, bool start_inline) {
    while (IsOp("|") || start_inline) {
      if (!start_inline) Next();
      start_inline = false;
      auto e = MakeExpr(Expr::Kind::kFilter, Cur().line);
      e->name = DottedName();
      if (IsOp("(")) CallArgsInto(e.get());
      e->a = std::move(node);
      node = std::move(e);
    }
    return node;
  }

  ExprPtr TestExpr(ExprPtr node) {
    int line = Cur().line;
    Next();  // is
    auto e = MakeExpr(Expr::Kind::kTest, line);
    e->negated = SkipName("not");
    e->name = DottedName();
    const Token& c = Cur();
    if (IsOp("(")) {
      CallArgsInto(e.get());
    } else if ((c.type == TokenType::kName || c.type == TokenType::kString || c.type == TokenType::kInteger ||
                c.type == TokenType::kFloat || IsOp("(") || IsOp("[") || IsOp("{")) &&
               !IsName("else") && !IsName("or") && !IsName("and")) {
      if (IsName("is")) Fail("you cannot chain multiple tests with is");
      e->items.push_back(Postfix(Primary()));
    }
    e->a = std::move(node);
    return e;
  }

  // Unknown filters and tests are errors when Jinja compiles the template,
  // except in a "soft" frame (directly inside an if statement or an inline
  // if-expression), where they only fail if evaluated.
  static void CheckNames(const Expr* e, bool soft) {
    if (e == nullptr) return;
    if (e->kind == Expr::Kind::kFilter && !soft && !IsKnownFilter(e->name)) {
      throw ParseError{Cat("no filter named '", e->name, "'"), e->line};
    }
    if (e->kind == Expr::Kind::kTest && !soft && !IsKnownTest(e->name)) {
      throw ParseError{Cat("no test named '", e->name, "'"), e->line};
    }
    if (e->kind == Expr::Kind::kCond) soft = true;
    for (const Expr* child : {e->a.get(), e->b.get(), e->c.get(), e->step.get(), e->star_args.get(), e->star_kwargs.get()}) {
      CheckNames(child, soft);
    }
    for (const auto& i : e->items) CheckNames(i.get(), soft);
    for (const auto& [k, v] : e->pairs) {
      CheckNames(k.get(), soft);
      CheckNames(v.get(), soft);
    }
    for (const auto& kv : e->kwargs) CheckNames(kv.second.get(), soft);
  }

  static void CheckNames(const Body& body, bool soft) {
    for (const StmtPtr& s : body) {
      switch (s->kind) {
        case Stmt::Kind::kIf:
          for (const auto& [cond, b] : s->branches) {
            CheckNames(cond.get(), true);
            CheckNames(b, true);
          }
          CheckNames(s->body, true);
          break;
        case Stmt::Kind::kFor:
          CheckNames(s->expr.get(), soft);
          CheckNames(s->filter.get(), false);
          CheckNames(s->body, false);
          CheckNames(s->else_body, false);
          break;
        default:
          // Other blocks render their bodies in a new (not soft) frame; their
          // head expressions belong to the enclosing one.
          CheckNames(s->expr.get(), soft);
          CheckNames(s->filter.get(), s->kind == Stmt::Kind::kOutput || s->kind == Stmt::Kind::kSet ? soft : false);
          for (const auto& p : s->params) CheckNames(p.default_value.get(), false);
          for (const auto& a : s->assignments) CheckNames(a.second.get(), soft);
          CheckNames(s->body, false);
          break;
      }
    }
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

absl::StatusOr<Body> Parse(std::string_view source, std::string_view name) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(source, name);
  if (!tokens.ok()) return tokens.status();
  try {
    return Parser(std::move(*tokens)).Template();
  } catch (const ParseError& e) {
    return absl::InvalidArgumentError(Cat(name, ":", e.line, ": ", e.message));
  }
}

}  // namespace doomscope::engine::jinja
