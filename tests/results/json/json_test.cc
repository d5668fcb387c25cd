#include "results/json/json.h"

#include "gtest/gtest.h"
#include "results/json/jsonl.h"
#include "tests/test_support.h"

namespace doomscope::json {
namespace {

TEST(JsonTest, ParsesNestedValuesAndKeepsNumberKinds) {
  auto v = Parse(R"({"a": [1, -2.5, 3e2, true, null], "b": {"c": "x\ny"}, "big": 99999999999999999999})");
  ASSERT_TRUE(v.ok()) << v.status();
  const Array& a = v->Find("a")->as_array();
  ASSERT_EQ(a.size(), 5u);
  EXPECT_TRUE(a[0].is_int());
  EXPECT_EQ(a[0].as_int(), 1);
  EXPECT_TRUE(a[1].is_double());
  EXPECT_DOUBLE_EQ(a[1].as_double(), -2.5);
  EXPECT_TRUE(a[2].is_double());
  EXPECT_DOUBLE_EQ(a[2].as_double(), 300);
  EXPECT_TRUE(a[3].as_bool());
  EXPECT_TRUE(a[4].is_null());
  EXPECT_EQ(v->Find("b")->Find("c")->as_string(), "x\ny");
  EXPECT_TRUE(v->Find("big")->is_double());
}

TEST(JsonTest, DecodesUnicodeEscapesAndSurrogatePairs) {
  auto v = Parse(R"("\u00e9\ud83d\ude00\u4e2d")");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->as_string(), "\xC3\xA9\xF0\x9F\x98\x80\xE4\xB8\xAD");
}

TEST(JsonTest, RoundTripsThroughSerialize) {
  const std::string text = R"({"id":"q\"1","xs":[1,2.5,-3.0],"t":"tab\tnl\n","ok":false,"n":null})";
  auto v = Parse(text);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Serialize(*v), text);
}

TEST(JsonTest, ErrorsNameLineAndColumn) {
  auto v = Parse("{\n  \"a\": 1,\n  \"b\": tru\n}");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("line 3, column 8"), std::string::npos) << v.status();
  EXPECT_FALSE(Parse("[1, 2").ok());
  EXPECT_FALSE(Parse("{\"a\" 1}").ok());
  EXPECT_FALSE(Parse("01").ok());
  EXPECT_FALSE(Parse("\"unterminated").ok());
  EXPECT_FALSE(Parse("1 2").ok());
}

TEST(JsonTest, RejectsHostileNestingWithoutCrashing) {
  std::string deep(100000, '[');
  EXPECT_FALSE(Parse(deep).ok());
}

TEST(JsonTest, ParsePrefixStopsAfterFirstValue) {
  size_t end = 0;
  auto v = ParsePrefix("xx {\"a\": 1} trailing", 3, &end);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(end, 11u);
}

// Issue 14, defect 10: a model's byte tokens can split a character; whatever
// a writer stores, the JSON text it gets is valid UTF-8.
TEST(JsonTest, SerializerWritesBrokenUtf8AsReplacementCharacters) {
  const std::string broken = std::string("ok \xE4\xB8", 5) + " \xFF end";
  const std::string out = Serialize(Value(Object{{"text", Value(broken)}, {std::string("k\xC3", 2), Value(1)}}));
  EXPECT_EQ(out, "{\"text\":\"ok \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD end\",\"k\xEF\xBF\xBD\":1}");
  auto back = Parse(out);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(Serialize(Value(std::string("中文 é 😀"))), "\"中文 é 😀\"");  // valid text is untouched
}

TEST(JsonTest, NumbersFollowTheGrammarExactly) {
  for (const char* bad : {"1.", "-", "1e", "1e+", ".5", "-.5", "+1", "1.e5", "0x10", "--1"}) {
    EXPECT_FALSE(Parse(bad).ok()) << bad;
  }
  EXPECT_EQ(Parse("0")->as_int(), 0);
  EXPECT_EQ(Parse("-0.5e-1")->as_double(), -0.05);
  EXPECT_TRUE(Parse("1E400")->is_double());
  size_t end = 0;
  auto v = ParsePrefix("01", 0, &end);  // a prefix parse stops after the 0
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(end, 1u);
}

// RFC 8259 JSON text is UTF-8 and a surrogate escape stands for half a
// character: both are refused, as simdjson and nlohmann-json refuse them.
TEST(JsonTest, InvalidUtf8InAStringIsAnError) {
  for (const std::string& bad : {std::string("\"a\xFF\""), std::string("\"\xE4\xB8\""), std::string("\"\xC0\xAF\""),
                                std::string("[\"\xED\xA0\x80\"]")}) {
    auto v = Parse(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_NE(v.status().message().find("invalid UTF-8 in string"), std::string::npos) << v.status();
  }
  EXPECT_TRUE(Parse("\"\xE4\xB8\xAD \xF0\x9F\x98\x80\"").ok());
  for (const char* lone : {R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")"}) {
    auto v = Parse(lone);
    ASSERT_FALSE(v.ok()) << lone;
    EXPECT_NE(v.status().message().find("lone surrogate"), std::string::npos) << v.status();
  }
  auto ctl = Parse("\x80");  // a stray byte outside strings is named in hex, never echoed raw
  ASSERT_FALSE(ctl.ok());
  EXPECT_NE(ctl.status().message().find("'\\x80'"), std::string::npos) << ctl.status();
}

TEST(JsonTest, NumbersCanKeepTheirText) {
  ParseOptions options;
  options.keep_number_text = true;
  size_t end = 0;
  auto v = ParsePrefix(R"([-1.5e3, 10, 1.0])", 0, &end, options);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->as_array()[0].number_text(), "-1.5e3");
  EXPECT_EQ(v->as_array()[1].number_text(), "10");
  EXPECT_EQ(v->as_array()[2].number_text(), "1.0");
  EXPECT_EQ(Parse("[2]")->as_array()[0].number_text(), "");
}

TEST(JsonTest, BudgetBoundsScanningWork) {
  int64_t budget = 10;
  ParseOptions options;
  options.budget = &budget;
  size_t end = 0;
  EXPECT_FALSE(ParsePrefix(R"({"a": "a long string past the budget"})", 0, &end, options).ok());
  EXPECT_LE(budget, 0);
  EXPECT_FALSE(ParsePrefix("1", 0, &end, options).ok());  // spent
  budget = 100;
  ASSERT_TRUE(ParsePrefix(R"({"a": 1} tail)", 0, &end, options).ok());
  EXPECT_EQ(end, 8u);
  EXPECT_EQ(budget, 92);
}

TEST(JsonTest, LargeObjectsKeepTheLastOfRepeatedKeysInLinearTime) {
  std::string text = "{";
  for (int i = 0; i < 200000; ++i) text += "\"k" + std::to_string(i % 50000) + "\":" + std::to_string(i) + ",";
  text += "\"end\":0}";
  auto v = Parse(text);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->as_object().size(), 50001u);
  EXPECT_EQ(v->as_object()[0].first, "k0");
  EXPECT_EQ(v->Find("k7")->as_int(), 150007);
}

TEST(JsonlTest, ReportsFileAndLineOfBadLines) {
  std::string dir = testing::MakeTempDir("jsonl");
  std::string path = dir + "/in.jsonl";
  testing::WriteFile(path, "{\"a\":1}\n\n{\"a\":\n{\"a\":3}\n");
  int seen = 0;
  auto st = ReadJsonl(path, [&](int, Value) { ++seen; return absl::OkStatus(); });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(path + ":3:"), std::string::npos) << st;
  EXPECT_EQ(seen, 1);

  int bad = 0;
  seen = 0;
  st = ReadJsonl(path, [&](int, Value) { ++seen; return absl::OkStatus(); },
                 [&](const absl::Status&) { ++bad; });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(bad, 1);
}

TEST(JsonlTest, AtomicWriterLeavesOldFileUntilCommit) {
  std::string dir = testing::MakeTempDir("atomic");
  std::string path = dir + "/out.jsonl";
  testing::WriteFile(path, "old\n");
  {
    AtomicFileWriter w(path);
    ASSERT_TRUE(w.Open().ok());
    ASSERT_TRUE(w.WriteLine(Value(Object{{"x", Value(1)}})).ok());
    EXPECT_EQ(testing::ReadFile(path), "old\n");
    // Destroyed without Commit: the old file stays.
  }
  EXPECT_EQ(testing::ReadFile(path), "old\n");
  AtomicFileWriter w(path);
  ASSERT_TRUE(w.Open().ok());
  ASSERT_TRUE(w.WriteLine(Value(Object{{"x", Value(1)}})).ok());
  ASSERT_TRUE(w.Commit().ok());
  EXPECT_EQ(testing::ReadFile(path), "{\"x\":1}\n");
}

TEST(JsonlTest, OverLongLineStopsTheReadNamingIt) {
  const std::string path = testing::MakeTempDir("jsonl-long") + "/g.jsonl";
  testing::WriteFile(path, "{\"a\":1}\n\"" + std::string(5000, 'x') + "\"\n");
  int seen = 0;
  const absl::Status st = ReadJsonl(path, [&](int, Value) { ++seen; return absl::OkStatus(); }, nullptr, 4096);
  EXPECT_EQ(seen, 1);
  EXPECT_NE(st.message().find(path + ":2: line longer than 4096 bytes"), std::string::npos) << st;
}

}  // namespace
}  // namespace doomscope::json
