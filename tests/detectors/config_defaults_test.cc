// DETECTORS.md section 10's defaults, validation messages, and filling.
#include "detectors/config_defaults.h"

#include "detectors/detector_version.h"
#include "gtest/gtest.h"

namespace doomscope {
namespace {

TEST(ConfigDefaultsTest, DefaultsAreTheSpecTable) {
  const ResolvedConfig c = ResolveConfig(DetectorConfig());
  EXPECT_EQ(c.tail.k_min, 3);
  EXPECT_EQ(c.tail.l_min_tokens, 32);
  EXPECT_EQ(c.tail.l_min_chars, 128);
  EXPECT_DOUBLE_EQ(c.tail.min_coverage, 0.25);
  EXPECT_EQ(c.tail.p_max_tokens, 2048);
  EXPECT_EQ(c.tail.p_max_chars, 8192);
  EXPECT_EQ(c.runs.k_min, 3);
  EXPECT_EQ(c.runs.l_min_tokens, 64);
  EXPECT_EQ(c.runs.l_min_chars, 256);
  EXPECT_DOUBLE_EQ(c.near.min_match_frac, 0.90);
  EXPECT_EQ(c.near.min_units, 128);
  EXPECT_EQ(c.near.p_max, 512);
  EXPECT_EQ(c.ngram.pipis_n, 30);
  EXPECT_EQ(c.ngram.pipis_k, 20);
  EXPECT_EQ(c.ngram.rl_word_n, 3);
  EXPECT_EQ(c.ngram.rl_token_n, 3);
  EXPECT_EQ(c.ngram.rl_dense_n, 40);
  EXPECT_EQ(c.stream.k_stop, 4);
  EXPECT_EQ(c.stream.l_stop_min, 64);
  EXPECT_EQ(c.stream.l_stop_max, 512);
  EXPECT_DOUBLE_EQ(c.stream.l_stop_budget_frac, 0.05);
  EXPECT_EQ(c.stream.warmup_tokens, 128);
  EXPECT_EQ(c.stream.p_stream, 1024);
  EXPECT_EQ(c.stream.whitespace_l_stop_factor, 4);
  EXPECT_DOUBLE_EQ(c.stream.shadow_rate, 0.05);
  EXPECT_DOUBLE_EQ(c.stream.escape_warning, 0.02);
  EXPECT_EQ(c.stream.http_window, 4096);
  EXPECT_EQ(c.stream.http_stride, 32);
  EXPECT_EQ(c.think.open_tag, "<think>");
  EXPECT_EQ(c.think.close_tag, "</think>");
  EXPECT_EQ(c.tool_identical_calls, 3);
  EXPECT_STREQ(kDetectorVersion, "doomscope-detectors/1");
}

TEST(ConfigDefaultsTest, SetFieldsOverrideDefaults) {
  DetectorConfig config;
  config.mutable_tail()->set_k_min(5);
  config.mutable_stream()->set_p_stream(256);
  const ResolvedConfig c = ResolveConfig(config);
  EXPECT_EQ(c.tail.k_min, 5);
  EXPECT_EQ(c.stream.p_stream, 256);
  EXPECT_EQ(c.tail.l_min_tokens, 32);
}

TEST(ConfigDefaultsTest, FilledConfigSetsEveryField) {
  const DetectorConfig filled = FilledDetectorConfig(DetectorConfig());
  EXPECT_TRUE(filled.tail().has_min_coverage());
  EXPECT_TRUE(filled.stream().has_http_stride());
  EXPECT_TRUE(filled.has_tool_identical_calls());
  EXPECT_EQ(filled.near().p_max(), 512);
  EXPECT_TRUE(ValidateDetectorConfig(filled).ok());
}

TEST(ConfigDefaultsTest, ValidationNamesTheField) {
  DetectorConfig config;
  config.mutable_tail()->set_k_min(1);
  absl::Status st = ValidateDetectorConfig(config);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("tail.k_min"), std::string::npos) << st;
  config = DetectorConfig();
  config.mutable_near()->set_min_match_frac(1.5);
  st = ValidateDetectorConfig(config);
  EXPECT_NE(std::string(st.message()).find("near.min_match_frac"), std::string::npos) << st;
  config = DetectorConfig();
  config.mutable_stream()->set_p_stream(8000);
  EXPECT_FALSE(ValidateDetectorConfig(config).ok());
}

}  // namespace
}  // namespace doomscope
