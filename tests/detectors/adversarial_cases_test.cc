// DETECTORS.md section 11, cases 1-28, through AnalyzeSample at the character
// level (text only) and the token level (ids from a test tokenizer, with the
// text and a detokenizer, as the bundled engine provides). Cases 29-33 (metric
// cross-checks) are in ngram_stats_test.cc; the streaming property test is in
// streaming_tail_test.cc.
#include <string>
#include <vector>

#include "detectors/analyze.h"
#include "detectors/near_periodic.h"
#include "detectors/normalize.h"
#include "detectors/streaming_tail.h"
#include "detectors/tail_period.h"
#include "detectors/unit_kind.h"
#include "gtest/gtest.h"
#include "tests/detectors/test_tokenizer.h"

namespace doomscope {
namespace {

using testing::Prose;
using testing::TestTokenizer;

std::string Repeat(std::string_view unit, int copies) {
  std::string s;
  for (int i = 0; i < copies; ++i) s += unit;
  return s;
}

class AdversarialTest : public ::testing::Test {
 protected:
  // Character level: the text alone.
  DetectorFindings Char(const std::string& text, FinishReason finish) {
    SampleText s;
    s.text = text;
    s.finish_reason = finish;
    return AnalyzeSample(s, config_);
  }
  // Token level: ids, text and detokenizer.
  DetectorFindings Token(const std::string& text, FinishReason finish) {
    ids_ = tok_.Encode(text);
    return TokenIds(ids_, text, finish);
  }
  DetectorFindings TokenIds(const std::vector<int32_t>& ids, const std::string& text, FinishReason finish,
                            int64_t max_new = 0) {
    SampleText s;
    s.text = text;
    s.tokens = std::span<const int32_t>(ids);
    s.finish_reason = finish;
    s.max_new_tokens = max_new;
    s.detokenize = tok_.Detokenizer();
    return AnalyzeSample(s, config_);
  }

  DetectorConfig config_;
  TestTokenizer tok_;
  std::vector<int32_t> ids_;
};

// --- Must flag as doom_loop --------------------------------------------------

TEST_F(AdversarialTest, Case01OneTokenToTheCapHasPrimitivePeriodOne) {
  const std::string text = Prose(60, 1) + Repeat(" the", 1500);
  const DetectorFindings t = Token(text, LENGTH);
  EXPECT_TRUE(t.verdict().doom_loop());
  EXPECT_EQ(t.level(), TOKEN);
  EXPECT_EQ(t.tail().period_units(), 1);  // not 4 (nor any multiple)
  EXPECT_EQ(t.tail().period_chars(), 4);
  EXPECT_EQ(t.tail().unit_preview(), " the");
  EXPECT_EQ(t.verdict().kind(), TAIL_LOOP);
  EXPECT_EQ(t.tail().unit_kind(), TEXT);
  EXPECT_FALSE(t.verdict().level_disagreement());
  const DetectorFindings c = Char(text, LENGTH);
  EXPECT_TRUE(c.verdict().doom_loop());
  EXPECT_EQ(c.level(), CHAR);
  EXPECT_EQ(c.tail().period_units(), 4);  // " the" is the primitive unit in characters
}

TEST_F(AdversarialTest, Case02NewlinesToTheCapAreAWhitespaceDoomLoop) {
  const std::string text = Prose(200, 2) + std::string(4000, '\n');
  const DetectorFindings t = Token(text, LENGTH);
  EXPECT_TRUE(t.verdict().doom_loop());
  EXPECT_EQ(t.verdict().kind(), TAIL_LOOP);
  EXPECT_EQ(t.tail().unit_kind(), WHITESPACE);
  EXPECT_EQ(t.tail().period_units(), 1);
  // Characters: a run this long is kept by normalization, not folded to "\n\n".
  const DetectorFindings c = Char(text, LENGTH);
  EXPECT_TRUE(c.verdict().doom_loop());
  EXPECT_EQ(c.tail().unit_kind(), WHITESPACE);
  EXPECT_EQ(c.tail().period_units(), 1);
  EXPECT_FALSE(t.verdict().level_disagreement());
}

TEST_F(AdversarialTest, Case03LongCodeBlockNeedsALargePeriod) {
  std::string block;
  for (int i = 0; i < 92; ++i) {
    block += "    t" + std::to_string(i) + " += v[" + std::to_string(i) + "] * w[" + std::to_string(91 - i) + "]\n";
  }
  const std::string text = "def score(values, weights):\n" + Repeat(block, 32);
  const DetectorFindings t = Token(text, LENGTH);
  const std::vector<int32_t> block_ids = TestTokenizer(tok_).Encode(block);
  EXPECT_GT(block_ids.size(), 1400u);
  EXPECT_LT(block_ids.size(), 2048u);
  EXPECT_TRUE(t.verdict().doom_loop());
  EXPECT_EQ(t.tail().period_units(), static_cast<int64_t>(block_ids.size()));
  EXPECT_EQ(t.tail().full_copies(), 32);
  const DetectorFindings c = Char(text, LENGTH);
  EXPECT_TRUE(c.verdict().doom_loop());
  // Characters: the folded block ("\n    " -> " ") is the unit.
  NormalizedText one, two;
  NormalizeText(block, 128, &one);
  NormalizeText(block + block, 128, &two);
  EXPECT_EQ(c.tail().period_units(), two.code_points - one.code_points);
}

TEST_F(AdversarialTest, Case04LoopCutMidCycle) {
  // Units start with their space, as tokenizers attach it to the next word;
  // the budget cuts at a token boundary.
  const std::string unit = " The cache is stale, so retry the request.";
  const std::string text = Prose(50, 4) + "!" + Repeat(unit, 20) + " The cache is";
  const DetectorFindings c = Char(text, LENGTH);
  EXPECT_TRUE(c.verdict().doom_loop());
  EXPECT_TRUE(c.tail().partial_last_copy());
  EXPECT_EQ(c.tail().full_copies(), 20);
  EXPECT_EQ(c.tail().period_units(), static_cast<int64_t>(unit.size()));
  EXPECT_EQ(c.tail().covered_units(), static_cast<int64_t>(20 * unit.size() + 13));
  const DetectorFindings t = Token(text, LENGTH);
  EXPECT_TRUE(t.verdict().doom_loop());
  EXPECT_TRUE(t.tail().partial_last_copy());
  EXPECT_EQ(t.tail().full_copies(), 20);
}

TEST_F(AdversarialTest, Case05LateLoopCoverageJustOverAQuarter) {
  const std::string reasoning = Prose(2900, 5) + "!";
  const std::string unit = " Wait, let me re-check the calculation.";
  const int64_t prose_tokens = static_cast<int64_t>(tok_.Encode(reasoning).size());
  const int64_t unit_tokens = static_cast<int64_t>(tok_.Encode(unit).size());
  ASSERT_GE(prose_tokens, 3000);
  // Copies so the loop covers just over 25% of the tokens, then 20%.
  const int over = static_cast<int>((prose_tokens / 3 + unit_tokens) / unit_tokens);
  const DetectorFindings t = Token(reasoning + Repeat(unit, over), LENGTH);
  EXPECT_TRUE(t.verdict().doom_loop());
  EXPECT_GT(t.tail().coverage(), 0.25);
  EXPECT_LT(t.tail().coverage(), 0.26);
  const int under = static_cast<int>(prose_tokens / 4 / unit_tokens);
  const DetectorFindings t20 = Token(reasoning + Repeat(unit, under), LENGTH);
  EXPECT_FALSE(t20.verdict().doom_loop());
  EXPECT_FALSE(t20.tail().periodic());
  EXPECT_NEAR(t20.tail().coverage(), 0.20, 0.01);
  EXPECT_EQ(t20.tail().period_units(), unit_tokens);  // still reported, just not enough
  // Characters, with their own counts.
  const int64_t prose_chars = static_cast<int64_t>(reasoning.size());
  const int64_t u = static_cast<int64_t>(unit.size());
  const DetectorFindings c = Char(reasoning + Repeat(unit, static_cast<int>((prose_chars / 3 + u) / u)), LENGTH);
  EXPECT_TRUE(c.verdict().doom_loop());
  EXPECT_LT(c.tail().coverage(), 0.26);
  const DetectorFindings c20 = Char(reasoning + Repeat(unit, static_cast<int>(prose_chars / 4 / u)), LENGTH);
  EXPECT_FALSE(c20.verdict().doom_loop());
}

TEST_F(AdversarialTest, Case06AlternatingSentencesHaveTheCombinedPeriod) {
  const std::string a = " First I add the two numbers together.", b = " Then I divide the total by four.";
  const std::string text = Prose(40, 6) + "!" + Repeat(a + b, 30);
  const DetectorFindings c = Char(text, LENGTH);
  EXPECT_TRUE(c.verdict().doom_loop());
  EXPECT_EQ(c.tail().period_units(), static_cast<int64_t>(a.size() + b.size()));
  const DetectorFindings t = Token(text, LENGTH);
  EXPECT_TRUE(t.verdict().doom_loop());
  EXPECT_EQ(t.tail().period_units(), static_cast<int64_t>(tok_.Encode(a + b).size()));
}

TEST_F(AdversarialTest, Case07DroppedCharactersThenACleanTail) {
  // ollama#2805: "ISIS-" with a few dropped characters, then clean copies.
  // Drops at pseudo-random places, 10-24 copies apart, so the noisy stretch has
  // no exact period of its own.
  std::string noisy;
  uint32_t state = 7;
  int since = 0;
  while (noisy.size() < 600) {
    state = state * 1664525u + 1013904223u;
    if (since >= 10 + static_cast<int>((state >> 12) % 15)) {
      noisy += (state >> 24) % 2 ? "SIS-" : "IIS-";
      since = 0;
    } else {
      noisy += "ISIS-";
      ++since;
    }
  }
  const std::string text = Prose(30, 7) + " " + noisy + Repeat("ISIS-", 100);
  const DetectorFindings c = Char(text, LENGTH);
  EXPECT_TRUE(c.verdict().doom_loop());  // D1 on the clean tail
  EXPECT_EQ(c.tail().period_units(), 5);
  EXPECT_TRUE(c.near().periodic());      // and D4 sees the tail too
  // D4 alone on the noisy stretch, where exact copies never run long enough.
  const std::string noisy_only = Prose(30, 7) + " " + noisy;
  const DetectorFindings n = Char(noisy_only, LENGTH);
  EXPECT_FALSE(n.tail().periodic());
  EXPECT_FALSE(n.verdict().doom_loop());
  EXPECT_TRUE(n.near().periodic());
  EXPECT_EQ(n.verdict().kind(), TAIL_NEAR_LOOP);
  const DetectorFindings t = Token(text, LENGTH);
  EXPECT_TRUE(t.verdict().doom_loop());
}

TEST_F(AdversarialTest, Case08ChineseParagraphLoop) {
  const std::string para = "我们先计算总数，然后再除以四，得到每个人分到的苹果数量。这个结果需要再检查一遍。";
  const std::string text = "首先，我们来看这个问题。" + Repeat(para, 40);
  const DetectorFindings c = Char(text, LENGTH);
  EXPECT_TRUE(c.verdict().doom_loop());
  EXPECT_EQ(c.tail().period_units(), CountCodePoints(para));  // code points, not bytes
  EXPECT_EQ(c.tail().period_units(), 40);
  EXPECT_EQ(c.tail().unit_kind(), TEXT);
  const DetectorFindings t = Token(text, LENGTH);
  EXPECT_TRUE(t.verdict().doom_loop());
  EXPECT_FALSE(t.verdict().level_disagreement());
}

TEST_F(AdversarialTest, Case09LoopInsideAnUnclosedThink) {
  const std::string text = "<think>" + Prose(300, 9) + "!" + Repeat(" Let me recount the apples.", 200);
  for (const DetectorFindings& f : {Char(text, LENGTH), Token(text, LENGTH)}) {
    EXPECT_TRUE(f.verdict().doom_loop());
    EXPECT_EQ(f.segment(), THINK);
    EXPECT_TRUE(f.think().opened());
    EXPECT_FALSE(f.think().closed());
    EXPECT_EQ(f.verdict().kind(), TAIL_LOOP);  // first match wins over unclosed_think
  }
  // A loop in the answer after a closed think is placed in the answer.
  const std::string answered = "<think>" + Prose(100, 9) + "</think>" + Repeat(" The answer is 12.", 100);
  EXPECT_EQ(Char(answered, LENGTH).segment(), ANSWER);
  EXPECT_EQ(Token(answered, LENGTH).segment(), ANSWER);
}

// Qwen3.5's chat template ends the generation prompt with "<think>\n": the
// output has no open tag, yet it is reasoning until "</think>".
TEST_F(AdversarialTest, Case09bThinkOpenedByThePrompt) {
  const std::string opened_prompt = "<|im_start|>user\nHow many?<|im_end|>\n<|im_start|>assistant\n<think>\n";
  const std::string closed_prompt = "<|im_start|>assistant\n<think>\n\n</think>\n\n";  // thinking off
  const std::string looping = Prose(300, 9) + "!" + Repeat(" Let me recount the apples.", 200);
  const std::string answered = Prose(100, 9) + "</think>" + Repeat(" The answer is 12.", 100);
  auto analyze = [&](const std::string& prompt, const std::string& text) {
    SampleText s;
    s.text = text;
    s.finish_reason = LENGTH;
    s.prompt = prompt;
    return AnalyzeSample(s, config_);
  };
  const DetectorFindings in_think = analyze(opened_prompt, looping);
  EXPECT_TRUE(in_think.think().opened());
  EXPECT_FALSE(in_think.think().closed());
  EXPECT_EQ(in_think.segment(), THINK);
  EXPECT_GT(in_think.think().tokens(), static_cast<int64_t>(looping.size()) * 9 / 10);  // all of it (code points)
  const DetectorFindings in_answer = analyze(opened_prompt, answered);
  EXPECT_TRUE(in_answer.think().closed());
  EXPECT_EQ(in_answer.segment(), ANSWER);
  // Thinking off, or no prompt: the output is not in a think segment.
  for (const std::string& prompt : {closed_prompt, std::string()}) {
    const DetectorFindings plain = analyze(prompt, looping);
    EXPECT_FALSE(plain.think().opened()) << prompt;
    EXPECT_EQ(plain.segment(), FULL) << prompt;
  }
  // A sample that never closes the think the prompt opened, without a loop, is
  // an unclosed think.
  const DetectorFindings unclosed = analyze(opened_prompt, Prose(400, 3));
  EXPECT_EQ(unclosed.verdict().kind(), UNCLOSED_THINK);
}

TEST_F(AdversarialTest, Case10IdenticalToolCallsFiveTimes) {
  // Five identical calls (key order and spacing vary: canonical JSON is
  // equal), each after a different remark, so no exact tail repeats.
  const std::vector<std::string> remarks = {"Let me look that up.", "Trying the search again.",
                                            "One more attempt with the tool.", "Searching once more now.",
                                            "I will call it again to be sure."};
  const std::vector<std::string> calls = {
      R"({"name": "web_search", "arguments": {"query": "weather in Paris", "max_results": 3}})",
      R"({"arguments": {"max_results": 3, "query": "weather in Paris"}, "name": "web_search"})",
      R"({ "name":"web_search","arguments":{ "query":"weather in Paris","max_results":3 } })",
      R"({"name": "web_search", "arguments": {"query": "weather in Paris", "max_results": 3}})",
      R"({"arguments":{"query":"weather in Paris","max_results":3},"name":"web_search"})"};
  std::string text;
  for (int i = 0; i < 5; ++i) text += remarks[static_cast<size_t>(i)] + "\n<tool_call>\n" + calls[static_cast<size_t>(i)] + "\n</tool_call>\n";
  for (const DetectorFindings& f : {Char(text, STOP), Token(text, STOP)}) {
    EXPECT_EQ(f.tool().identical_call_run(), 5);
    EXPECT_EQ(f.verdict().kind(), TOOL_CALL_REPEAT);
    EXPECT_FALSE(f.verdict().doom_loop());
  }
}

TEST_F(AdversarialTest, Case11TokenizationDriftOnTheFirstCopy) {
  const std::string unit = " Recheck the sum of the first column.";
  const std::string text = Prose(80, 11) + "!" + Repeat(unit, 60);
  std::vector<int32_t> ids = tok_.Encode(Prose(80, 11) + "!");
  // The first copy is split differently (one id per character); the others
  // use the usual pieces. Both decode to the same text.
  for (char ch : unit) ids.push_back(tok_.Id(std::string(1, ch)));
  const std::vector<int32_t> rest = tok_.Encode(Repeat(unit, 59));
  ids.insert(ids.end(), rest.begin(), rest.end());
  ASSERT_EQ(tok_.Decode(ids), text);
  const DetectorFindings t = TokenIds(ids, text, LENGTH);
  EXPECT_TRUE(t.verdict().doom_loop());
  EXPECT_EQ(t.tail().full_copies(), 59);
  EXPECT_FALSE(t.verdict().level_disagreement());
  EXPECT_TRUE(Char(text, LENGTH).verdict().doom_loop());
}

TEST_F(AdversarialTest, Case12StreamingStopsAnInjectedLoopAndOfflineAgrees) {
  const ResolvedConfig rc = ResolveConfig(config_);
  const int64_t budget = 4096;
  std::vector<int32_t> ids = tok_.Encode(Prose(800, 12));
  ids.resize(500);
  const std::vector<int32_t> unit = tok_.Encode(" I need to check the remainder again.");
  const int64_t p = static_cast<int64_t>(unit.size());
  StreamingTailDetector d(rc, budget, budget, [&](std::span<const int32_t> u) {
    return ClassifyUnitText(tok_.Decode(u));
  });
  std::vector<int32_t> generated;
  for (int32_t id : ids) {
    generated.push_back(id);
    ASSERT_FALSE(d.Push(id));
  }
  while (!d.fired() && static_cast<int64_t>(generated.size()) < budget) {
    const int32_t id = unit[static_cast<size_t>((generated.size() - 500) % unit.size())];
    generated.push_back(id);
    d.Push(id);
  }
  ASSERT_TRUE(d.fired());
  // Within k_stop * p (or L_stop, here 204) tokens of the injection: no slack
  // is needed, the rule is checked on every token.
  EXPECT_LE(d.fire().detected_at - 500, std::max<int64_t>(4 * p, d.l_stop()));
  EXPECT_EQ(d.fire().period, p);
  EXPECT_EQ(d.fire().onset, 500);
  // The stopped sample, analysed offline with projected coverage.
  const std::string text = tok_.Decode(generated);
  SampleText s;
  s.text = text;
  s.tokens = std::span<const int32_t>(generated);
  s.finish_reason = LOOP;
  s.max_new_tokens = budget;
  s.detected_at = d.fire().detected_at;
  s.detokenize = tok_.Detokenizer();
  const DetectorFindings f = AnalyzeSample(s, rc);
  EXPECT_TRUE(f.verdict().doom_loop());
  EXPECT_TRUE(f.early_stopped());
  EXPECT_TRUE(f.tail().periodic());
  EXPECT_EQ(f.tail().period_units(), p);
  EXPECT_NEAR(f.tail().coverage_projected(), (4096.0 - 500.0) / 4096.0, 1e-12);
  EXPECT_LT(f.tail().coverage(), f.tail().coverage_projected());
  EXPECT_EQ(f.tokens_saved_est(), budget - static_cast<int64_t>(generated.size()));
  EXPECT_EQ(f.detected_at_token(), d.fire().detected_at);

  // Injected at 90% of the budget: projected coverage < 0.25, no early stop.
  StreamingTailDetector late(rc, budget, budget);
  std::vector<int32_t> prose = tok_.Encode(Prose(6000, 13));
  ASSERT_GE(prose.size(), 3700u);
  prose.resize(3686);  // 90% of 4096
  for (int32_t id : prose) late.Push(id);
  for (int64_t i = 0; i < budget - 3686; ++i) late.Push(unit[static_cast<size_t>(i % p)]);
  EXPECT_FALSE(late.fired());
}

// --- Secondary only ----------------------------------------------------------

TEST_F(AdversarialTest, Case13NearVariantLoopIsSecondaryOnly) {
  // "items items itemsThe items its ...": copies with pseudo-random slips,
  // so no stretch of exact copies ever gets long, and no longer period
  // either.
  const std::vector<std::string> slips = {"itemsThe ", "its ", "itens "};
  std::string loop;
  uint32_t state = 13;
  int since = 0;
  while (loop.size() < 6000) {
    state = state * 1664525u + 1013904223u;
    const int gap = 30 + static_cast<int>((state >> 10) % 21);
    if (since >= gap) {
      loop += slips[(state >> 20) % slips.size()];
      since = 0;
    } else {
      loop += "items ";
      ++since;
    }
  }
  const std::string text = Prose(100, 13) + " " + loop;
  for (const DetectorFindings& f : {Char(text, LENGTH), Token(text, LENGTH)}) {
    EXPECT_FALSE(f.tail().periodic());
    EXPECT_TRUE(f.near().periodic());
    EXPECT_FALSE(f.near().digit_folded());
    EXPECT_EQ(f.verdict().kind(), TAIL_NEAR_LOOP);
    EXPECT_FALSE(f.verdict().doom_loop());
  }
}

TEST_F(AdversarialTest, Case14CountingToTheCapIsADigitFoldedNearLoop) {
  std::string text = "Counting:";
  for (int i = 1; i <= 1500; ++i) {
    text += ' ';
    text += std::to_string(i);
    text += ',';
  }
  for (const DetectorFindings& f : {Char(text, LENGTH), Token(text, LENGTH)}) {
    EXPECT_FALSE(f.tail().periodic());
    EXPECT_TRUE(f.near().periodic());
    EXPECT_TRUE(f.near().digit_folded());
    EXPECT_EQ(f.verdict().kind(), TAIL_NEAR_LOOP);  // not cap_no_loop
    EXPECT_FALSE(f.verdict().doom_loop());
  }
}

// --- Must not flag -----------------------------------------------------------

TEST_F(AdversarialTest, Case15NumberedListWithNaturalStop) {
  std::string text = "Here are the items:\n";
  for (int i = 1; i <= 50; ++i) {
    text += std::to_string(i) + ". " + Prose(6, 100 + static_cast<uint32_t>(i)) + "\n";
  }
  for (const DetectorFindings& f : {Char(text, STOP), Token(text, STOP)}) {
    EXPECT_FALSE(f.verdict().doom_loop());
    EXPECT_FALSE(f.runs().recovered_loop());
    EXPECT_FALSE(f.tail().periodic());
  }
}

TEST_F(AdversarialTest, Case16MarkdownTable) {
  std::string text = "| id | name | qty | price | note | flag |\n|---|---|---|---|---|---|\n";
  for (int i = 0; i < 60; ++i) {
    text += "| " + std::to_string(i) + " | item" + std::to_string(i * 7 % 61) + " | " +
            (i % 3 == 0 ? std::string("") : std::to_string(i % 9)) + " | " + std::to_string(10 + i * 3 % 50) +
            ".00 |  | " + (i % 2 ? "x" : "") + " |\n";
  }
  for (FinishReason fr : {STOP, LENGTH}) {
    for (const DetectorFindings& f : {Char(text, fr), Token(text, fr)}) {
      EXPECT_FALSE(f.verdict().doom_loop());
      EXPECT_FALSE(f.runs().recovered_loop());
    }
  }
}

TEST_F(AdversarialTest, Case17JsonArrayOfDistinctObjects) {
  std::string text = "[\n";
  for (int i = 0; i < 200; ++i) {
    text += "  {\"id\": " + std::to_string(1000 + i) + ", \"name\": \"user\", \"active\": true}" +
            (i + 1 < 200 ? ",\n" : "\n");
  }
  text += "]";
  for (const DetectorFindings& f : {Char(text, STOP), Token(text, STOP)}) {
    EXPECT_FALSE(f.verdict().doom_loop());
    EXPECT_FALSE(f.runs().recovered_loop());
  }
  const std::string cut = text.substr(0, text.size() * 2 / 3);  // cut by the budget
  for (const DetectorFindings& f : {Char(cut, LENGTH), Token(cut, LENGTH)}) {
    EXPECT_FALSE(f.verdict().doom_loop());
    EXPECT_FALSE(f.tail().periodic());
  }
}

TEST_F(AdversarialTest, Case18CodeWithStructuralRepetition) {
  std::string text = "def check(a, m):\n";
  for (int i = 0; i < 30; ++i) text += "    assert a[" + std::to_string(i) + "] == 0\n";
  text += "    m = [\n";
  for (int r = 0; r < 10; ++r) text += "        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],\n";
  text += "    ]\n    if m:\n        if a:\n            if True:\n                pass\n            }\n        }\n    }\n";
  for (const DetectorFindings& f : {Char(text, STOP), Token(text, STOP)}) {
    EXPECT_FALSE(f.verdict().doom_loop());
    EXPECT_FALSE(f.runs().recovered_loop());
    // The matrix is a run, and it is structured: that is why it is not a loop.
    ASSERT_GT(f.runs().top_size(), 0);
    bool structured = false;
    for (const doomscope::Run& r : f.runs().top()) structured |= r.unit_kind() == STRUCTURED;
    EXPECT_TRUE(structured);
  }
}

TEST_F(AdversarialTest, Case19SongWithAChorus) {
  const std::string chorus = "Oh the river runs so wide, and the night is long, we sing along.\n";
  std::string text;
  for (int v = 0; v < 3; ++v) text += Prose(25, 190 + static_cast<uint32_t>(v)) + "\n" + chorus;
  for (const DetectorFindings& f : {Char(text, STOP), Token(text, STOP)}) {
    EXPECT_FALSE(f.tail().periodic());
    EXPECT_FALSE(f.verdict().doom_loop());
    EXPECT_FALSE(f.runs().recovered_loop());
  }
}

TEST_F(AdversarialTest, Case20PrintOkTwentyTimes) {
  const std::string text = "Sure:" + Repeat(" ok", 20);
  const DetectorFindings t = Token(text, STOP);
  EXPECT_EQ(tok_.Encode(Repeat(" ok", 20)).size(), 20u);
  EXPECT_FALSE(t.verdict().doom_loop());  // EOS
  EXPECT_FALSE(Char(text, STOP).verdict().doom_loop());
  // The stream rule does not stop it: 20 copies are below L_stop.
  StreamingTailDetector d(ResolveConfig(config_), 512, 512);
  for (int32_t id : tok_.Encode(Prose(150, 20) + text)) d.Push(id);
  EXPECT_FALSE(d.fired());
}

TEST_F(AdversarialTest, Case21PrintOkThreeHundredTimes) {
  // A documented true positive for the stream rule; a task that expects
  // repetition opts out in the engine (the detection is recorded, the
  // sequence is not stopped). With a natural stop it is never a doom loop.
  const std::string text = "Sure:" + Repeat(" ok", 300);
  StreamingTailDetector d(ResolveConfig(config_), 1024, 1024);
  for (int32_t id : tok_.Encode(Prose(150, 21) + text)) d.Push(id);
  EXPECT_TRUE(d.fired());
  EXPECT_EQ(d.fire().period, 1);
  EXPECT_FALSE(Token(text, STOP).verdict().doom_loop());
}

TEST_F(AdversarialTest, Case22HighEntropyTextAtTheCap) {
  std::string text;
  uint64_t state = 22;
  static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 6000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    text += kB64[(state >> 33) % 64];
  }
  for (const DetectorFindings& f : {Char(text, LENGTH), Token(text, LENGTH)}) {
    EXPECT_FALSE(f.verdict().doom_loop());
    EXPECT_EQ(f.verdict().kind(), CAP_NO_LOOP);
  }
}

TEST_F(AdversarialTest, Case23RambleAtTheCap) {
  const std::string text = Prose(4000, 23);
  for (const DetectorFindings& f : {Char(text, LENGTH), Token(text, LENGTH)}) {
    EXPECT_FALSE(f.verdict().doom_loop());
    EXPECT_EQ(f.verdict().kind(), CAP_NO_LOOP);
    EXPECT_FALSE(f.ngram().pipis_loop());
  }
}

TEST_F(AdversarialTest, Case24ScatteredPhrase) {
  std::string text;
  for (int i = 0; i < 8; ++i) text += Prose(300, 240 + static_cast<uint32_t>(i)) + " Let me check.";
  for (const DetectorFindings& f : {Char(text, STOP), Token(text, STOP)}) {
    EXPECT_FALSE(f.tail().periodic());
    EXPECT_EQ(f.runs().top_size(), 0);
    EXPECT_FALSE(f.ngram().pipis_loop());
    EXPECT_FALSE(f.verdict().loop_any());
  }
}

TEST_F(AdversarialTest, Case25EscapedLoopIsRecovered) {
  const std::string unit = " Hmm, that does not look right.";  // 9 tokens
  const std::string text = Prose(200, 25) + "!" + Repeat(unit, 38) + " So the answer is 42." + Prose(40, 26);
  EXPECT_GE(tok_.Encode(Repeat(unit, 38)).size(), 300u);
  for (const DetectorFindings& f : {Char(text, STOP), Token(text, STOP)}) {
    EXPECT_TRUE(f.runs().recovered_loop());
    EXPECT_FALSE(f.verdict().doom_loop());
    EXPECT_TRUE(f.verdict().loop_any());
    ASSERT_GT(f.runs().top_size(), 0);
    EXPECT_EQ(f.runs().top(0).unit_kind(), TEXT);
  }
}

TEST_F(AdversarialTest, Case26SeparatorsAndBursts) {
  const std::string text = Prose(80, 26) + "\n" + std::string(80, '=') + "\nDone...... really!!!!!! " +
                           Prose(20, 27) + "\n" + std::string(80, '=');
  for (const DetectorFindings& f : {Char(text, STOP), Token(text, STOP)}) {
    EXPECT_FALSE(f.verdict().doom_loop());
    EXPECT_FALSE(f.runs().recovered_loop());
    EXPECT_FALSE(f.tail().periodic());
    EXPECT_FALSE(f.verdict().loop_any());
  }
}

TEST_F(AdversarialTest, Case27ShorterThanLMin) {
  const std::string text = "ab ab ab";
  for (FinishReason fr : {STOP, LENGTH}) {
    for (const DetectorFindings& f : {Char(text, fr), Token(text, fr)}) {
      EXPECT_FALSE(f.tail().periodic());
      EXPECT_EQ(f.tail().period_units(), 0);
      EXPECT_FALSE(f.verdict().doom_loop());
      EXPECT_FALSE(f.verdict().loop_any());
      EXPECT_FALSE(f.near().periodic());
      EXPECT_EQ(f.runs().top_size(), 0);
      EXPECT_EQ(f.verdict().kind(), fr == LENGTH ? CAP_NO_LOOP : NONE);
    }
  }
}

TEST_F(AdversarialTest, Case28RaisedPeriodOneThresholdIsNotPreemptedByLongerPeriods) {
  // mlx-serve#325: a run of one token is also periodic with every period
  // 9..64. Whitespace units need 4 x L_stop in the stream rule, a raised
  // period-1 threshold; the longer periods of the same run are whitespace too,
  // so none of them may fire first. Offline and D2 report the run once, with
  // period 1.
  const std::string prose = Prose(300, 28);
  const std::string text = prose + std::string(1200, '\n');
  const DetectorFindings t = Token(text, LENGTH);
  EXPECT_TRUE(t.verdict().doom_loop());
  EXPECT_EQ(t.tail().period_units(), 1);
  EXPECT_EQ(t.tail().unit_kind(), WHITESPACE);
  ASSERT_EQ(t.runs().top_size(), 1);
  EXPECT_EQ(t.runs().top(0).period(), 1);
  EXPECT_EQ(t.runs().top(0).end() - t.runs().top(0).start(), 1200);
  EXPECT_EQ(t.runs().top(0).unit_kind(), WHITESPACE);

  const ResolvedConfig rc = ResolveConfig(config_);
  StreamingTailDetector d(rc, 4096, 4096, [&](std::span<const int32_t> u) {
    return ClassifyUnitText(tok_.Decode(u));
  });
  const std::vector<int32_t> ids = tok_.Encode(text);
  const int64_t prose_tokens = static_cast<int64_t>(tok_.Encode(prose).size());
  for (int32_t id : ids) {
    if (d.Push(id)) break;
  }
  ASSERT_TRUE(d.fired());
  EXPECT_EQ(d.fire().period, 1);
  EXPECT_EQ(d.fire().unit_kind, WHITESPACE);
  EXPECT_EQ(d.fire().covered, 4 * d.l_stop());  // 4 x 204, not L_stop for p = 9..64
  EXPECT_EQ(d.fire().detected_at, prose_tokens + 4 * d.l_stop());
}

TEST_F(AdversarialTest, TokenLevelWithoutADetokenizerBorrowsFromTheText) {
  const std::string text = Prose(60, 29) + "!" + Repeat(" Check it again.", 200);
  const std::vector<int32_t> ids = tok_.Encode(text);
  SampleText s;
  s.text = text;
  s.tokens = std::span<const int32_t>(ids);
  s.finish_reason = LENGTH;
  const DetectorFindings f = AnalyzeSample(s, config_);
  EXPECT_TRUE(f.verdict().doom_loop());
  EXPECT_EQ(f.tail().period_units(), 4);
  EXPECT_EQ(f.tail().period_chars(), 16);
  EXPECT_EQ(f.tail().unit_kind(), TEXT);
  EXPECT_FALSE(f.tail().unit_preview().empty());
  // Tokens alone: the preview shows ids.
  SampleText bare;
  bare.tokens = std::span<const int32_t>(ids);
  bare.finish_reason = LENGTH;
  const DetectorFindings b = AnalyzeSample(bare, config_);
  EXPECT_TRUE(b.verdict().doom_loop());
  EXPECT_EQ(b.tail().unit_preview().rfind("token ids:", 0), 0u);
}

TEST_F(AdversarialTest, CappedOnlyWhenTheBudgetIsReachedWithoutAFinishReason) {
  const std::string text = Prose(60, 30) + "!" + Repeat(" Again.", 300);
  const std::vector<int32_t> ids = tok_.Encode(text);
  EXPECT_TRUE(TokenIds(ids, text, FINISH_REASON_UNSPECIFIED, static_cast<int64_t>(ids.size())).verdict().doom_loop());
  EXPECT_FALSE(TokenIds(ids, text, FINISH_REASON_UNSPECIFIED, 100000).verdict().doom_loop());
  SampleText s;
  s.text = text;
  s.assume_capped = true;
  EXPECT_TRUE(AnalyzeSample(s, config_).verdict().doom_loop());
  s.assume_capped = false;
  EXPECT_FALSE(AnalyzeSample(s, config_).verdict().doom_loop());
}

}  // namespace
}  // namespace doomscope
