// The syntax tree of a Jinja template: expressions and statements, each with
// the source line it starts on (for error messages).
#ifndef DOOMSCOPE_ENGINE_CHAT_TEMPLATE_AST_H_
#define DOOMSCOPE_ENGINE_CHAT_TEMPLATE_AST_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/chat_template/value.h"

namespace doomscope::engine::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class BinOp {
  kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow, kConcat,
  kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn, kAnd, kOr,
};
enum class UnaryOp { kNeg, kPos, kNot };

struct Expr {
  enum class Kind {
    kLiteral, kName, kList, kTuple, kDict, kGetAttr, kGetItem, kSlice, kCall, kFilter, kTest,
    kUnary, kBinary, kCompare, kCond,
  };
  Kind kind;
  int line;
  Value literal;                    // kLiteral
  std::string name;                 // kName, kGetAttr (attribute), kFilter/kTest (filter or test name)
  ExprPtr a, b, c;                  // operands: object/left/condition, index/right/then, else / slice parts
  ExprPtr step;                     // kSlice
  std::vector<ExprPtr> items;       // kList, kTuple, positional call/filter/test arguments
  std::vector<std::pair<ExprPtr, ExprPtr>> pairs;          // kDict
  std::vector<std::pair<std::string, ExprPtr>> kwargs;     // keyword arguments
  ExprPtr star_args, star_kwargs;   // *args, **kwargs in calls
  BinOp bin_op = BinOp::kAdd;
  std::vector<BinOp> compare_ops;  // kCompare: items[0] op[0] items[1] op[1] items[2] ... (chained)
  UnaryOp unary_op = UnaryOp::kNot;
  bool negated = false;             // kTest: `is not`

  Expr(Kind k, int l) : kind(k), line(l) {}
};

// An assignment target: a name, `ns.attr`, or a tuple of targets.
struct Target {
  std::string name;            // a name, or the namespace for `ns.attr`
  std::string attr;            // non-empty for `ns.attr`
  std::vector<Target> tuple;   // non-empty for `a, b`
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // null when required
};

struct Stmt {
  enum class Kind {
    kData, kOutput, kIf, kFor, kSet, kSetBlock, kMacro, kCallBlock, kFilterBlock, kWith, kBreak, kContinue,
    kScopeless,  // a body rendered in place ({% generation %})
  };
  Kind kind;
  int line;
  std::string text;                                   // kData; kMacro: its name
  ExprPtr expr;                                       // kOutput value, kFor iterable, kSet value, kCallBlock call
  ExprPtr filter;                                     // kFor `if` condition; kSetBlock/kFilterBlock filter chain
  std::vector<std::pair<ExprPtr, Body>> branches;     // kIf: condition and body per if/elif
  Body body;                                          // kFor, kSetBlock, kMacro, kCallBlock, kFilterBlock, kWith, kScopeless; kIf's else
  Body else_body;                                     // kFor's else
  Target target;                                      // kFor, kSet, kSetBlock
  bool recursive = false;                             // kFor
  std::vector<MacroParam> params;                     // kMacro, kCallBlock (caller's parameters)
  std::vector<std::pair<Target, ExprPtr>> assignments;  // kWith

  Stmt(Kind k, int l) : kind(k), line(l) {}
};

}  // namespace doomscope::engine::jinja

#endif  // DOOMSCOPE_ENGINE_CHAT_TEMPLATE_AST_H_
