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

}  // namespace
}  // namespace doomscope::json
