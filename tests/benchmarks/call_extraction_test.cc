// Finding calls in free-form outputs, and telling abstentions from malformed calls.
#include "benchmarks/tool_calls/call_extraction.h"

#include "gtest/gtest.h"

namespace doomscope::benchmarks {
namespace {

const std::vector<std::string> kKnown = {"get_weather", "math.factorial"};

CallExtraction Extract(std::string_view text) { return ExtractFunctionCalls(text, kKnown); }

TEST(CallExtractionTest, PythonListInsideProse) {
  const CallExtraction ex = Extract("Sure! Here is the call: [get_weather(city=\"Paris\")]. Let me know if you need more.");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  ASSERT_EQ(ex.calls.size(), 1u);
  EXPECT_EQ(ex.calls[0].name, "get_weather");
  EXPECT_EQ(ex.format, "python");
}

TEST(CallExtractionTest, BareCallsOfOfferedFunctionsOrWithKeywords) {
  CallExtraction ex = Extract("I will call math.factorial(number=5) and then get_weather(city='Oslo').");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  ASSERT_EQ(ex.calls.size(), 2u);
  EXPECT_EQ(ex.calls[0].name, "math.factorial");
  EXPECT_EQ(ex.calls[1].name, "get_weather");
  ex = Extract("search_flights(origin=\"SFO\")");  // not offered, but keyword arguments
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls);
  EXPECT_EQ(ex.calls[0].name, "search_flights");
}

TEST(CallExtractionTest, ProseParenthesesAreNotCalls) {
  const CallExtraction ex = Extract(
      "None of the function(s) can be used: f(x) = 2x is a formula, and the area (in m2) is unknown.");
  EXPECT_EQ(ex.outcome, CallOutcome::kNoCall) << ex.error;
}

TEST(CallExtractionTest, MarkdownFencesAroundPythonAndJson) {
  CallExtraction ex = Extract("```python\n[get_weather(city=\"Rome\")]\n```");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  EXPECT_EQ(ex.calls[0].args[0].second.as_string(), "Rome");
  ex = Extract("```json\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n```");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  EXPECT_EQ(ex.format, "json");
}

TEST(CallExtractionTest, JsonCallShapes) {
  CallExtraction ex = Extract(R"([{"name": "get_weather", "arguments": {"city": "A"}}, {"name": "math.factorial", "parameters": {"number": 3}}])");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  ASSERT_EQ(ex.calls.size(), 2u);
  EXPECT_EQ(ex.calls[1].args[0].second.as_int(), 3);
  // OpenAI shape with JSON-encoded arguments.
  ex = Extract(R"({"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"B\"}"}})");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  EXPECT_EQ(ex.calls[0].args[0].second.as_string(), "B");
  // A tool_calls wrapper.
  ex = Extract(R"({"tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "C"}}}]})");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  // BFCL's own {name: args} for an offered function.
  ex = Extract(R"({"get_weather": {"city": "D"}})");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  // Other JSON is not a call.
  ex = Extract(R"({"answer": "use get_weather", "name": "Bob"})");
  EXPECT_EQ(ex.outcome, CallOutcome::kNoCall);
}

TEST(CallExtractionTest, ToolCallTags) {
  CallExtraction ex = Extract(
      "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Lima\"}}\n</tool_call>\n"
      "<tool_call>\n{\"name\": \"math.factorial\", \"arguments\": {\"number\": 4}}\n</tool_call>");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  ASSERT_EQ(ex.calls.size(), 2u);
  EXPECT_EQ(ex.format, "tool_call");
  // A stop sequence stripped the closing tag: the block still decodes.
  ex = Extract("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Lima\"}}");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
  // Python inside the tag.
  ex = Extract("<tool_call>[get_weather(city='Lima')]</tool_call>");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls) << ex.error;
}

TEST(CallExtractionTest, MalformedAttemptsAreNotAbstentions) {
  const char* malformed[] = {
      "[get_weather(city=\"Par",                                  // truncated by the token cap
      "[get_weather(city=Paris Texas)]",                          // not Python
      "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Pa",  // truncated JSON
      "[{\"name\": \"get_weather\", \"arguments\": ",                // truncated JSON list
      "<tool_call>\n<tool_call name=\"math.solve\" arguments={\"a\": 1, \"b\": 2}/>\n</tool_call>",  // gorilla #1362
      "<tool_call>I would call the weather tool</tool_call>",
      "<function=get_weather>{\"city\": \"X\"}</function>",
      "{\"name\": \"get_weather\", \"arguments\": \"{not json\"}",
      "get_weather(city=\"Paris\"",
  };
  for (const char* text : malformed) {
    const CallExtraction ex = Extract(text);
    EXPECT_EQ(ex.outcome, CallOutcome::kMalformed) << text;
    EXPECT_FALSE(ex.error.empty()) << text;
  }
}

TEST(CallExtractionTest, AbstentionsAndEmptyOutputs) {
  EXPECT_EQ(Extract("I cannot help with that using the given functions.").outcome, CallOutcome::kNoCall);
  EXPECT_EQ(Extract("[]").outcome, CallOutcome::kNoCall);
  EXPECT_EQ(Extract("").outcome, CallOutcome::kEmpty);
  EXPECT_EQ(Extract(" \n\t ").outcome, CallOutcome::kEmpty);
}

TEST(CallExtractionTest, ThinkingIsIgnored) {
  CallExtraction ex = Extract("<think>maybe [get_weather(city='X')]?</think>No function fits.");
  EXPECT_EQ(ex.outcome, CallOutcome::kNoCall);
  ex = Extract("<think>reasoning</think>[get_weather(city='Y')]");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls);
  EXPECT_EQ(ex.calls[0].args[0].second.as_string(), "Y");
  ex = Extract("opened by the template</think>[get_weather(city='Z')]");
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls);
  EXPECT_EQ(Extract("<think>still thinking when the cap hit").outcome, CallOutcome::kEmpty);
}

TEST(CallExtractionTest, PathologicalOutputsStayFast) {
  std::string brackets;
  for (int i = 0; i < 20000; ++i) brackets += "[{\"a\": ";
  EXPECT_EQ(Extract(brackets).outcome, CallOutcome::kNoCall);
  std::string loop;
  for (int i = 0; i < 2000; ++i) loop += "[get_weather(city=\"Paris\")] ";
  const CallExtraction ex = Extract(loop);
  ASSERT_EQ(ex.outcome, CallOutcome::kCalls);
  EXPECT_EQ(ex.calls.size(), 2000u);
}

}  // namespace
}  // namespace doomscope::benchmarks
