// The pieces of the tokenizer pipeline on cases with known answers: UTF-8
// repair and streaming boundaries, the split regex (lookahead, Oniguruma's \s,
// empty matches), split behaviours, the GPT-2 byte map, special-token parsing,
// invalid input bytes and the streaming detokenizer.
#include <string>
#include <vector>

#include "engine/byte_level_map.h"
#include "engine/pre_tokenizer.h"
#include "engine/split_regex.h"
#include "engine/streaming_detokenizer.h"
#include "engine/tokenizer_loader.h"
#include "engine/unicode_props.h"
#include "engine/utf8_text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::testing::ElementsAre;
using testing::SharedPath;

const Tokenizer& Qwen3() {
  static const Tokenizer* t = [] {
    absl::StatusOr<Tokenizer> t = OpenTokenizer(SharedPath("tokenizers/qwen3"));
    EXPECT_TRUE(t.ok()) << t.status();
    return new Tokenizer(*std::move(t));
  }();
  return *t;
}

std::vector<std::string> Matches(const SplitRegex& re, std::string_view text) {
  std::vector<std::string> out;
  re.ForEachMatch(text, [&](size_t b, size_t e) { out.emplace_back(text.substr(b, e - b)); });
  return out;
}

TEST(Utf8TextTest, RepairsMaximalSubpartsLikeFromUtf8Lossy) {
  EXPECT_EQ(ToValidUtf8("ab"), "ab");
  // A truncated 3-byte sequence is one error; a stray continuation byte another.
  EXPECT_EQ(ToValidUtf8("a\xE2\x82" "b\x80"), "a\uFFFD" "b\uFFFD");
  EXPECT_EQ(ToValidUtf8("\xF0\x9F\x98"), "\uFFFD");
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD");  // an encoded surrogate: 3 errors
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), "\uFFFD\uFFFD");            // overlong
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_TRUE(IsValidUtf8("\uFFFD"));
}

TEST(Utf8TextTest, CompletePrefixHoldsBackOnlyUnfinishedCharacters) {
  EXPECT_EQ(CompleteUtf8Prefix("ab\xF0\x9F"), 2u);
  EXPECT_EQ(CompleteUtf8Prefix("ab\xF0\x9F\x98\x80"), 6u);
  EXPECT_EQ(CompleteUtf8Prefix("ab\xE2"), 2u);
  EXPECT_EQ(CompleteUtf8Prefix("ab\xE2x"), 4u);  // broken, not unfinished: emit now
  EXPECT_EQ(CompleteUtf8Prefix("\x80"), 1u);
}

TEST(ByteLevelMapTest, Gpt2Alphabet) {
  EXPECT_EQ(ByteToUnicode(' '), U'\u0120');
  EXPECT_EQ(ByteToUnicode('\n'), U'\u010A');
  EXPECT_EQ(ByteToUnicode(0x7F), U'\u0121');
  EXPECT_EQ(ByteToUnicode(0xAD), U'\u0143');
  EXPECT_EQ(ByteToUnicode('A'), U'A');
  for (int b = 0; b < 256; ++b) EXPECT_EQ(UnicodeToByte(ByteToUnicode(static_cast<uint8_t>(b))), b);
  std::string bytes;
  EXPECT_FALSE(ByteLevelToBytes("\u4f60", &bytes));
}

TEST(SplitRegexTest, LookaheadLeavesTheLastSpaceToTheNextWord) {
  absl::StatusOr<SplitRegex> re = SplitRegex::Compile(kGpt2SplitRegex);
  ASSERT_TRUE(re.ok()) << re.status();
  EXPECT_THAT(Matches(*re, "a   b"), ElementsAre("a", "  ", " b"));
  EXPECT_THAT(Matches(*re, "x   "), ElementsAre("x", "   "));
  EXPECT_THAT(Matches(*re, "I'm 42"), ElementsAre("I", "'m", " 42"));
}

TEST(SplitRegexTest, WhitespaceIsOnigurumasWhiteSpaceClass) {
  absl::StatusOr<SplitRegex> re = SplitRegex::Compile(R"(\s+|\S+)");
  ASSERT_TRUE(re.ok());
  // U+180E is not White_Space (Oniguruma); PCRE2's own \s would match it. NBSP and NEL are.
  EXPECT_THAT(Matches(*re, "a\u180Eb"), ElementsAre("a\u180Eb"));
  EXPECT_THAT(Matches(*re, "a\u00A0\u0085b"), ElementsAre("a", "\u00A0\u0085", "b"));
  EXPECT_EQ(RewriteWhitespaceClasses(R"([^\s\p{L}])"), R"([^\t\n\x0B\f\r\x{85}\p{Z}\p{L}])");
}

TEST(SplitRegexTest, EmptyMatchesFollowOnigsFindIter) {
  absl::StatusOr<SplitRegex> re = SplitRegex::Compile("x*");
  ASSERT_TRUE(re.ok());
  std::vector<std::pair<size_t, size_t>> spans;
  re->ForEachMatch("axxb", [&](size_t b, size_t e) { spans.emplace_back(b, e); });
  // No empty match right after "xx" (where the last match ended).
  EXPECT_THAT(spans, ElementsAre(std::pair<size_t, size_t>{0, 0}, std::pair<size_t, size_t>{1, 3},
                                 std::pair<size_t, size_t>{4, 4}));
}

TEST(SplitRegexTest, BadPatternNamesItself) {
  absl::StatusOr<SplitRegex> re = SplitRegex::Compile("(unclosed");
  ASSERT_FALSE(re.ok());
  EXPECT_THAT(std::string(re.status().message()), ::testing::HasSubstr("(unclosed"));
}

TEST(SplitBehaviorTest, EachBehaviourOnTheSameMatches) {
  // "a-b--c" split on "-": a | - | b | - | - | c
  const std::vector<SplitRange> r = {{0, 1, false}, {1, 2, true}, {2, 3, false},
                                     {3, 4, true},  {4, 5, true}, {5, 6, false}};
  using P = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(ApplySplitBehavior(r, SplitBehavior::kRemoved), (P{{0, 1}, {2, 3}, {5, 6}}));
  EXPECT_EQ(ApplySplitBehavior(r, SplitBehavior::kIsolated), (P{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}}));
  EXPECT_EQ(ApplySplitBehavior(r, SplitBehavior::kMergedWithPrevious), (P{{0, 2}, {2, 4}, {4, 5}, {5, 6}}));
  EXPECT_EQ(ApplySplitBehavior(r, SplitBehavior::kMergedWithNext), (P{{0, 1}, {1, 3}, {3, 4}, {4, 6}}));
  EXPECT_EQ(ApplySplitBehavior(r, SplitBehavior::kContiguous), (P{{0, 1}, {1, 2}, {2, 3}, {3, 5}, {5, 6}}));
}

TEST(TokenizerSpecialsTest, SpecialTokensParseUnlessTurnedOffButThinkAlwaysDoes) {
  const Tokenizer& t = Qwen3();
  const int32_t im_start = t.TokenId("<|im_start|>"), think = t.TokenId("<think>");
  ASSERT_EQ(im_start, 151644);
  ASSERT_EQ(think, 151667);
  EXPECT_THAT(t.Encode("<|im_start|>", EncodeOptions{.parse_special = true}), ElementsAre(im_start));
  const std::vector<int32_t> as_text = t.Encode("<|im_start|>", EncodeOptions{.parse_special = false});
  EXPECT_GT(as_text.size(), 1u);
  EXPECT_EQ(t.Decode(as_text), "<|im_start|>");
  // <think> is an added token with special=false: matched either way, kept by skip-special decoding.
  EXPECT_THAT(t.Encode("<think>", EncodeOptions{.parse_special = false}), ElementsAre(think));
  EXPECT_TRUE(t.IsSpecial(im_start));
  EXPECT_FALSE(t.IsSpecial(think));
  EXPECT_EQ(t.Decode(std::vector<int32_t>{im_start, think}), "<think>");
  EXPECT_EQ(t.DecodeWith(std::vector<int32_t>{im_start, think}, {.skip_special = false}), "<|im_start|><think>");
  // End of generation: <|im_end|> (the config's EOS) and <|endoftext|>.
  EXPECT_TRUE(t.IsEndOfGeneration(151645));
  EXPECT_TRUE(t.IsEndOfGeneration(151643));
  EXPECT_FALSE(t.IsEndOfGeneration(think));
}

TEST(TokenizerInputTest, InvalidUtf8BytesTokenizeAsReplacementCharacters) {
  const Tokenizer& t = Qwen3();
  EXPECT_EQ(t.Encode("\xFF\xFE" "ab\xE2\x82", false), t.Encode("\uFFFD\uFFFD" "ab\uFFFD", false));
  EXPECT_EQ(t.Encode("x\xED\xA0\x80y", false), t.Encode("x\uFFFD\uFFFD\uFFFDy", false));
}

TEST(StreamingDetokenizerTest, NeverSplitsACharacterAndAddsUpToDecode) {
  const Tokenizer& t = Qwen3();
  const std::string text = "Emoji 👨‍👩‍👧 and 日本語 and e\u0301 end";
  const std::vector<int32_t> ids = t.Encode(text, false);
  StreamingDetokenizer stream(t);
  std::string joined;
  int partial_tokens = 0;
  for (int32_t id : ids) {
    const std::string piece = t.DecodeToken(-1, id);
    partial_tokens += !IsValidUtf8(piece);
    const std::string out = stream.Push(id);
    EXPECT_TRUE(IsValidUtf8(out)) << "chunk splits a character after token " << id;
    joined += out;
  }
  joined += stream.Finish();
  EXPECT_GT(partial_tokens, 0) << "the text should contain tokens that split a character";
  EXPECT_EQ(joined, t.Decode(ids));
  EXPECT_EQ(joined, NormalizeUnicode(text, NormalizationForm::kNfc));  // Qwen's normalizer composes e + U+0301
}

TEST(StreamingDetokenizerTest, UnfinishedCharacterAtTheEndBecomesOneReplacement) {
  const Tokenizer& t = Qwen3();
  std::vector<int32_t> ids = t.Encode("\U0002A6A5", false);  // a rare CJK ideograph: one token per byte
  ASSERT_GT(ids.size(), 1u);
  ids.pop_back();
  StreamingDetokenizer stream(t);
  std::string out;
  for (int32_t id : ids) out += stream.Push(id);
  EXPECT_EQ(out, "");
  EXPECT_EQ(stream.Finish(), "\uFFFD");
}

TEST(StreamingDetokenizerTest, SentencePieceContinuationKeepsSpacesAfterThePrompt) {
  absl::StatusOr<Tokenizer> t = OpenTokenizer(SharedPath("models/hf/stories260K"));
  ASSERT_TRUE(t.ok()) << t.status();
  const std::vector<int32_t> prompt = t->Encode("Once upon", true);
  // The Strip decoder drops the leading space of a whole text, not of a continuation.
  StreamingDetokenizer stream(*t, prompt.back());
  std::string out;
  for (int32_t id : t->Encode("a time", false)) out += stream.Push(id);
  EXPECT_EQ(out + stream.Finish(), " a time");
  EXPECT_EQ(t->Decode(std::vector<int32_t>{prompt.begin(), prompt.end()}), "Once upon");
}

}  // namespace
}  // namespace doomscope::engine
