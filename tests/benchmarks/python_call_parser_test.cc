// The Python call subset of BFCL's prompting format: the parses that trip
// naive decoders.
#include "benchmarks/tool_calls/python_call_parser.h"

#include "benchmarks/tool_calls/python_call_writer.h"
#include "gtest/gtest.h"

namespace doomscope::benchmarks {
namespace {

std::vector<eval::FunctionCall> ParseList(std::string_view text) {
  size_t end = 0;
  auto calls = ParsePythonCallList(text, 0, &end);
  EXPECT_TRUE(calls.ok()) << calls.status() << " for " << text;
  if (!calls.ok()) return {};
  EXPECT_EQ(end, text.size());
  return *std::move(calls);
}

json::Value Literal(std::string_view text) {
  auto v = ParsePythonLiteral(text);
  EXPECT_TRUE(v.ok()) << v.status() << " for " << text;
  return v.ok() ? *std::move(v) : json::Value();
}

TEST(PythonCallParserTest, ParsesAListOfCallsWithKeywordArguments) {
  const std::vector<eval::FunctionCall> calls = ParseList("[f(a=1, b=\"x\"), mod.g(c=[1, 2])]");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].name, "f");
  EXPECT_EQ(json::Serialize(json::Value(calls[0].args)), R"({"a":1,"b":"x"})");
  EXPECT_EQ(calls[1].name, "mod.g");
  EXPECT_EQ(json::Serialize(json::Value(calls[1].args)), R"({"c":[1,2]})");
  EXPECT_TRUE(calls[0].positional.empty());
}

TEST(PythonCallParserTest, TuplesAreMarkedWhereverTheyAre) {
  // JSON has arrays only; BFCL's checker tells tuples from lists, so the call
  // notes where the model wrote one.
  const std::vector<eval::FunctionCall> calls =
      ParseList("[f(a=(1, 2), b=[(3,), [4], ((5))], c={'k/~': (6, 7), 'l': [8]}, d=(9), e=[])]");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].tuple_pointers, (std::vector<std::string>{"/a", "/b/0", "/c/k~1~0"}));
  EXPECT_EQ(json::Serialize(json::Value(calls[0].args)), R"({"a":[1,2],"b":[[3],[4],5],"c":{"k/~":[6,7],"l":[8]},"d":9,"e":[]})");
  EXPECT_TRUE(calls[0].IsTuple("/c/k~1~0"));
  EXPECT_FALSE(calls[0].IsTuple("/c/l"));
}

TEST(PythonCallParserTest, EmptyListTrailingCommaNewlinesAndComments) {
  EXPECT_TRUE(ParseList("[]").empty());
  const std::vector<eval::FunctionCall> calls = ParseList("[\n  f(a=1,),  # first\n  g(),\n]");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(json::Serialize(json::Value(calls[0].args)), R"({"a":1})");
  EXPECT_TRUE(calls[1].args.empty());
}

TEST(PythonCallParserTest, NestedQuotesAndEscapes) {
  EXPECT_EQ(Literal(R"("She said \"hi\"")").as_string(), "She said \"hi\"");
  EXPECT_EQ(Literal(R"('it\'s')").as_string(), "it's");
  EXPECT_EQ(Literal(R"("it's")").as_string(), "it's");
  EXPECT_EQ(Literal(R"('say "no"')").as_string(), "say \"no\"");
  EXPECT_EQ(Literal(R"("a\nb\tc\\d")").as_string(), "a\nb\tc\\d");
  EXPECT_EQ(Literal(R"("\x41\u00e9\U0001F600\101")").as_string(), "A\xC3\xA9\xF0\x9F\x98\x80" "A");
  EXPECT_EQ(Literal(R"(r"C:\path\n")").as_string(), "C:\\path\\n");
  EXPECT_EQ(Literal(R"("""triple "quoted" text""")").as_string(), "triple \"quoted\" text");
  EXPECT_EQ(Literal(R"("abc" 'def')").as_string(), "abcdef");  // implicit concatenation
  EXPECT_EQ(Literal(R"("\q")").as_string(), "\\q");            // unknown escapes are kept
  const std::vector<eval::FunctionCall> calls = ParseList(R"([f(q="x = \"a, b\" (c)]", r='[g(y=1)]')])");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].args[0].second.as_string(), "x = \"a, b\" (c)]");
  EXPECT_EQ(calls[0].args[1].second.as_string(), "[g(y=1)]");
}

TEST(PythonCallParserTest, NegativeScientificAndOtherNumbers) {
  EXPECT_EQ(Literal("-5").as_int(), -5);
  EXPECT_TRUE(Literal("-5").is_int());
  EXPECT_TRUE(Literal("5.0").is_double());
  EXPECT_EQ(Literal("-2.5e-3").as_double(), -0.0025);
  EXPECT_EQ(Literal("1E6").as_double(), 1e6);
  EXPECT_TRUE(Literal("1E6").is_double());
  EXPECT_EQ(Literal(".5").as_double(), 0.5);
  EXPECT_EQ(Literal("5.").as_double(), 5.0);
  EXPECT_EQ(Literal("1_000_000").as_int(), 1000000);
  EXPECT_EQ(Literal("0x1F").as_int(), 31);
  EXPECT_EQ(Literal("+7").as_int(), 7);
  EXPECT_EQ(Literal("- 3").as_int(), -3);
  EXPECT_EQ(Literal("--3").as_int(), 3);
  EXPECT_FALSE(ParsePythonLiteral("007").ok());
  EXPECT_FALSE(ParsePythonLiteral("3j").ok());
  EXPECT_FALSE(ParsePythonLiteral("12abc").ok());
  EXPECT_FALSE(ParsePythonLiteral("-x").ok());
}

TEST(PythonCallParserTest, BooleansNoneAndContainers) {
  EXPECT_EQ(Literal("True"), json::Value(true));
  EXPECT_EQ(Literal("False"), json::Value(false));
  EXPECT_TRUE(Literal("None").is_null());
  EXPECT_EQ(json::Serialize(Literal("(1, 'a')")), R"([1,"a"])");
  EXPECT_EQ(json::Serialize(Literal("(1,)")), "[1]");
  EXPECT_EQ(json::Serialize(Literal("()")), "[]");
  EXPECT_EQ(Literal("(42)").as_int(), 42);  // parentheses, not a tuple
  EXPECT_EQ(json::Serialize(Literal("{'k': [True, None], \"n\": {'x': -1.5}}")),
            R"({"k":[true,null],"n":{"x":-1.5}})");
  EXPECT_EQ(json::Serialize(Literal("{}")), "{}");
  EXPECT_FALSE(ParsePythonLiteral("{1, 2}").ok());  // a set
  EXPECT_FALSE(ParsePythonLiteral("{1: 2}").ok());  // non-string key
}

TEST(PythonCallParserTest, VariablesBecomeTheirSourceText) {
  EXPECT_EQ(Literal("data").as_string(), "data");
  EXPECT_EQ(Literal("np.pi").as_string(), "np.pi");
  EXPECT_EQ(Literal("data['sales']").as_string(), "data['sales']");
}

TEST(PythonCallParserTest, KeywordVersusPositionalArguments) {
  const std::vector<eval::FunctionCall> calls = ParseList("[f(1, 'two', c=3)]");
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_EQ(calls[0].positional.size(), 2u);
  EXPECT_EQ(calls[0].positional[0].as_int(), 1);
  EXPECT_EQ(calls[0].positional[1].as_string(), "two");
  ASSERT_EQ(calls[0].args.size(), 1u);
  EXPECT_EQ(calls[0].args[0].first, "c");
  // "a == b" is a comparison, not a keyword argument.
  size_t end = 0;
  EXPECT_FALSE(ParsePythonCallList("[f(a == 1)]", 0, &end).ok());
  // Positional after keyword is a Python syntax error.
  EXPECT_FALSE(ParsePythonCallList("[f(a=1, 2)]", 0, &end).ok());
  // A repeated keyword too.
  EXPECT_FALSE(ParsePythonCallList("[f(a=1, a=2)]", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[f(*args)]", 0, &end).ok());
}

TEST(PythonCallParserTest, RejectsWhatIsNotAPlainCall) {
  size_t end = 0;
  EXPECT_FALSE(ParsePythonCallList("[f(a=1 + 2)]", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[f(a=g(b=1))]", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[f(a=f\"x{y}\")]", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[f(a=b\"x\")]", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[f(a=\"x)]", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[f(a=1)", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[f(a=1", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[f(a=[1, 2)]", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[f(a=1) g(b=2)]", 0, &end).ok());
  EXPECT_FALSE(ParsePythonCallList("[(a=1)]", 0, &end).ok());
}

TEST(PythonCallParserTest, HostileNestingIsAnErrorNotACrash) {
  std::string deep = "[f(a=" + std::string(100000, '[') + "]";
  size_t end = 0;
  EXPECT_FALSE(ParsePythonCallList(deep, 0, &end).ok());
}

TEST(PythonCallParserTest, WriterOutputParsesBack) {
  const json::Value v = Literal(R"({"s": "q\"uote\\\n", "f": 2.0, "i": -3, "e": 1e-05, "l": [True, None, (1, 2)]})");
  EXPECT_EQ(Literal(PythonLiteral(v)), v);
  EXPECT_TRUE(Literal(PythonLiteral(json::Value(2.0))).is_double());
  eval::FunctionCall call;
  call.name = "a.b";
  call.args = {{"x", json::Value("it's")}, {"y", v}};
  const std::vector<eval::FunctionCall> back = ParseList(PythonCallList(std::vector<eval::FunctionCall>{call}));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].name, "a.b");
  EXPECT_EQ(json::Value(back[0].args), json::Value(call.args));
}

}  // namespace
}  // namespace doomscope::benchmarks
