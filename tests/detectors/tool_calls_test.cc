// Tool-call extraction and canonical JSON.
#include "detectors/tool_calls.h"

#include <string>

#include "gtest/gtest.h"

namespace doomscope {
namespace {

std::string Canon(std::string_view s) {
  size_t end = 0;
  auto c = CanonicalJson(s, 0, &end);
  return c ? *c : "<invalid>";
}

TEST(ToolCallsTest, CanonicalJsonSortsKeysAndDropsWhitespace) {
  EXPECT_EQ(Canon(R"( { "b" : 1, "a": [ true, null, "x\u0041" ] } )"), R"({"a":[true,null,"xA"],"b":1})");
  EXPECT_EQ(Canon(R"({"a":1,"a":2})"), R"({"a":2})");
  EXPECT_EQ(Canon(R"("\ud83d\ude00")"), "\"😀\"");
  EXPECT_EQ(Canon("-1.5e3"), "-1.5e3");
  EXPECT_EQ(Canon("{\"a\":}"), "<invalid>");
  EXPECT_EQ(Canon("[1,]"), "<invalid>");
  EXPECT_EQ(Canon("01"), "0");  // a prefix parse: stops after the 0
  EXPECT_EQ(Canon(std::string(100, '[')), "<invalid>");  // deeper than the limit
}

TEST(ToolCallsTest, FindsCallsInTagsAndBareJson) {
  const std::string text =
      "Let me search.\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\": \"cats\", \"n\": 3}}\n"
      "</tool_call>\nAgain: {\"arguments\":{\"n\":3,\"q\":\"cats\"},\"name\":\"search\"} and "
      "{\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"q\\\": \\\"cats\\\", "
      "\\\"n\\\": 3}\"}} then {\"not\": \"a call\"}";
  const std::vector<ToolCall> calls = FindToolCalls(text);
  ASSERT_EQ(calls.size(), 3u);
  for (const ToolCall& c : calls) {
    EXPECT_EQ(c.name, "search");
    EXPECT_EQ(c.canonical_arguments, R"({"n":3,"q":"cats"})");
  }
  EXPECT_EQ(LongestIdenticalCallRun(calls), 3);
}

TEST(ToolCallsTest, DifferentArgumentsBreakTheRun) {
  const std::string text =
      R"({"name":"f","arguments":{"x":1}} {"name":"f","arguments":{"x":1}} {"name":"f","arguments":{"x":2}})"
      R"( {"name":"f","arguments":{"x":2}})";
  EXPECT_EQ(LongestIdenticalCallRun(FindToolCalls(text)), 2);
  EXPECT_EQ(LongestIdenticalCallRun({}), 0);
}

TEST(ToolCallsTest, HostileInputStaysFast) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{\"a\":";
  EXPECT_TRUE(FindToolCalls(text).empty());
  EXPECT_TRUE(FindToolCalls(std::string(100000, '{')).empty());
}

}  // namespace
}  // namespace doomscope
