#include "results/dashboard/sample_compaction.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "detectors/normalize.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "tests/results/dashboard/dashboard_fixtures.h"

namespace doomscope::results {
namespace {

std::string Repeat(const std::string& unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

// Findings for a char-level tail loop, with n_units from the real normalizer.
DetectorFindings CharTail(const std::string& text, int64_t onset_units, int64_t period,
                          const std::string& preview) {
  DetectorFindings f;
  f.set_level(CHAR);
  f.set_segment(FULL);
  NormalizedText norm;
  NormalizeText(text, 128, &norm);
  f.set_n_units(norm.code_points);
  auto* t = f.mutable_tail();
  t->set_periodic(true);
  t->set_onset_units(onset_units);
  t->set_period_units(period);
  t->set_period_chars(period);
  t->set_unit_preview(preview);
  t->set_repeats(static_cast<double>(norm.code_points - onset_units) / static_cast<double>(period));
  return f;
}

TEST(LocateTailLoop, CharLevelMapsNormalizedOffsetsThroughFoldedWhitespace) {
  // Two tabs fold to one space, so normalized offsets are one less than raw.
  const std::string prefix = "Intro:\t\tok. ";
  const std::string text = prefix + Repeat("abc def. ", 20);
  const DetectorFindings f = CharTail(text, 11, 9, "abc def. ");
  ASSERT_EQ(f.n_units(), 191);
  const LoopSpan span = LocateTailLoop(text, f);
  EXPECT_EQ(span.mapping, LoopMapping::kExactChars);
  EXPECT_EQ(span.onset, 12u);
  EXPECT_EQ(span.unit_end, 21u);
  EXPECT_EQ(text.substr(span.onset, span.unit_end - span.onset), "abc def. ");
}

TEST(LocateTailLoop, CharLevelKeepsLongWhitespaceRunsVerbatim) {
  // A 130-space run is kept as is by the normalizer (keep_run_min 128); a
  // replay that folded it would be off by 129 and fail the n_units check.
  const std::string prefix = "A" + std::string(130, ' ') + "B\n\n\nC ";
  const std::string text = prefix + Repeat("xyz!", 40);
  const int64_t onset = 1 + 130 + 1 + 2 + 2;  // "\n\n\n" folds to "\n\n"
  const DetectorFindings f = CharTail(text, onset, 4, "xyz!");
  const LoopSpan span = LocateTailLoop(text, f);
  EXPECT_EQ(span.mapping, LoopMapping::kExactChars);
  EXPECT_EQ(span.onset, prefix.size());
  EXPECT_EQ(span.unit_end, prefix.size() + 4);
}

TEST(LocateTailLoop, FallsBackToUnitSearchWhenTheReplayDisagrees) {
  const std::string text = "Intro:\t\tok. " + Repeat("abc def. ", 20);
  DetectorFindings f = CharTail(text, 11, 9, "abc def. ");
  f.set_n_units(f.n_units() + 5);  // e.g. a run folder made with another keep_run_min
  const LoopSpan span = LocateTailLoop(text, f);
  EXPECT_EQ(span.mapping, LoopMapping::kUnitSearch);
  EXPECT_EQ(span.onset, 12u);
  EXPECT_EQ(span.unit_end, 21u);
}

TEST(LocateTailLoop, TokenLevelFindsTheUnitDespiteWhitespaceDrift) {
  const std::string prefix = "Let me think about 17 * 3. That is 51. ";
  const std::string text = prefix + "Wait, let me re-check.\n" + "Wait,  let me re-check. " +
                           Repeat("Wait, let me re-check. ", 6) + "Wait, let";
  DetectorFindings f;
  f.set_level(TOKEN);
  f.set_n_units(120);
  auto* t = f.mutable_tail();
  t->set_periodic(true);
  t->set_onset_units(14);
  t->set_period_units(7);
  t->set_period_chars(23);
  t->set_unit_preview("Wait, let me re-check. ");
  const LoopSpan span = LocateTailLoop(text, f);
  EXPECT_EQ(span.mapping, LoopMapping::kUnitSearch);
  EXPECT_EQ(span.onset, prefix.size());
  // The first copy ends at its line break (the unit ends in whitespace).
  EXPECT_EQ(text.substr(span.onset, span.unit_end - span.onset), "Wait, let me re-check.\n");
}

TEST(LocateTailLoop, PhaseFollowsTheUnitNotTheLongestStretch) {
  // The prefix ends in "." like every copy, so the periodic stretch in
  // non-whitespace characters starts one character early; the onset must
  // still be the first copy in phase with the unit.
  const std::string text = "It is done. " + Repeat("Go on. ", 12);
  DetectorFindings f;
  f.set_level(TOKEN);
  auto* t = f.mutable_tail();
  t->set_periodic(true);
  t->set_period_chars(7);
  t->set_unit_preview("Go on. ");
  const LoopSpan span = LocateTailLoop(text, f);
  EXPECT_EQ(span.mapping, LoopMapping::kUnitSearch);
  EXPECT_EQ(span.onset, 12u);
  EXPECT_EQ(span.unit_end, 19u);
}

TEST(LocateTailLoop, TruncatedPreviewTakesThePeriodFromOccurrences) {
  std::string unit;
  for (int i = 0; i < 30; ++i) unit += absl::StrCat("w", i, "x ");  // ~130 chars
  unit += unit + "end. ";  // ~265 chars, primitive; the preview keeps 200
  const std::string prefix = "Here is my long answer. ";
  const std::string text = prefix + Repeat(unit, 4);
  DetectorFindings f;
  f.set_level(TOKEN);
  auto* t = f.mutable_tail();
  t->set_periodic(true);
  t->set_period_chars(static_cast<int64_t>(unit.size()));
  t->set_unit_preview(unit.substr(0, 200));
  const LoopSpan span = LocateTailLoop(text, f);
  ASSERT_EQ(span.mapping, LoopMapping::kUnitSearch);
  EXPECT_EQ(span.onset, prefix.size());
  EXPECT_EQ(span.unit_end, prefix.size() + unit.size());
}

TEST(LocateTailLoop, WhitespaceUnitIsTheTrailingRun) {
  const std::string text = "Answer: 4" + std::string(300, '\n');
  DetectorFindings f;
  f.set_level(TOKEN);
  auto* t = f.mutable_tail();
  t->set_periodic(true);
  t->set_period_units(1);
  t->set_period_chars(1);
  t->set_unit_preview("\n");
  const LoopSpan span = LocateTailLoop(text, f);
  EXPECT_EQ(span.mapping, LoopMapping::kUnitSearch);
  EXPECT_EQ(span.onset, 9u);
  EXPECT_EQ(span.unit_end, 10u);
}

TEST(LocateTailLoop, NothingForNonPeriodicOrAbsentUnits) {
  DetectorFindings f;
  EXPECT_EQ(LocateTailLoop("abc abc abc abc", f).mapping, LoopMapping::kNone);
  f.mutable_tail()->set_periodic(true);
  f.mutable_tail()->set_unit_preview("zzz");
  EXPECT_EQ(LocateTailLoop("abc abc abc abc", f).mapping, LoopMapping::kNone);
  // Only one copy present: not a loop we can mark.
  f.mutable_tail()->set_unit_preview("abc");
  EXPECT_EQ(LocateTailLoop("xyz abc", f).mapping, LoopMapping::kNone);
  // Invalid UTF-8 and out-of-range offsets never crash.
  DetectorFindings g = f;
  g.set_level(CHAR);
  g.set_n_units(4);
  g.mutable_tail()->set_onset_units(3);
  g.mutable_tail()->set_period_units(9);
  EXPECT_EQ(LocateTailLoop("\xff\xfe\xc3", g).mapping, LoopMapping::kNone);
}

TEST(CompactSampleText, LoopedOutputKeepsPrefixOneUnitAndTheCount) {
  const SampleRecord r = testing::MakeFixtureRecord("ck", SFT, "gsm8k-mini", "greedy", 4, 0,
                                                    /*kind=*/1, false);
  const json::Value v = CompactSampleText(r, CompactionLimits{});
  ASSERT_NE(v.Find("unit"), nullptr);
  const std::string pre = v.Find("pre")->as_string();
  const std::string unit = v.Find("unit")->as_string();
  // D1's stretch starts two characters early (". " ends the prefix and every
  // copy), so the unit it reports is a rotation: the page shows what D1 saw.
  EXPECT_EQ(unit, ". I think so");
  EXPECT_EQ(unit, r.findings().tail().unit_preview());
  EXPECT_EQ(pre, "Tom starts with 3 apples. He buys 6 bags");
  EXPECT_EQ(v.Find("map")->as_string(), "exact_chars");
  EXPECT_DOUBLE_EQ(v.Find("copies")->as_double(),
                   std::round(r.findings().tail().repeats() * 1e4) / 1e4);
  EXPECT_EQ(v.Find("after_bytes")->as_int(),
            static_cast<int64_t>(r.text().size() - pre.size() - unit.size()));
  EXPECT_EQ(v.Find("out"), nullptr);
}

TEST(CompactSampleText, LongOutputsKeepHeadAndTailWithTheOmittedCount) {
  SampleRecord r = testing::MakeFixtureRecord("ck", SFT, "t", "s", 1, 0, 0, true);
  std::string text = "HEAD";
  for (int i = 0; i < 2000; ++i) text += "\xC3\xA9";  // 4000 bytes of 'é'
  text += "TAIL";
  r.set_text(text);
  CompactionLimits limits;
  limits.max_output_bytes = 1001;
  const json::Value v = CompactSampleText(r, limits);
  const std::string head = v.Find("out_head")->as_string();
  const std::string tail = v.Find("out_tail")->as_string();
  EXPECT_EQ(head.substr(0, 4), "HEAD");
  EXPECT_EQ(tail.substr(tail.size() - 4), "TAIL");
  // Cuts fall on character boundaries: 500 bytes of head keep 4 + 248 'é'.
  EXPECT_EQ(head.size(), 500u);
  EXPECT_EQ(tail.size() % 2, 0u);
  EXPECT_EQ(static_cast<size_t>(v.Find("out_omit")->as_int()) + head.size() + tail.size(),
            text.size());
}

TEST(SelectTextSamples, BoundsEachCellAndCoversEveryVerdictClass) {
  std::vector<SampleRecord> records;
  for (int i = 0; i < 60; ++i) {
    // 40 doom loops, 15 clean, 5 recovered in one cell; 3 clean in another.
    const int kind = i < 40 ? 1 : i < 55 ? 0 : 2;
    records.push_back(testing::MakeFixtureRecord("a", SFT, "t", "s", i, 0, kind, true));
  }
  for (int i = 0; i < 3; ++i) {
    records.push_back(testing::MakeFixtureRecord("b", RL, "t", "s", i, 0, 0, true));
  }
  CompactionLimits limits;
  limits.text_samples_per_cell = 9;
  const std::vector<bool> keep = SelectTextSamples(records, limits);
  int doom = 0, clean = 0, recovered = 0, other_cell = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (!keep[i]) continue;
    if (records[i].checkpoint() == "b") {
      ++other_cell;
      continue;
    }
    switch (ClassifyVerdict(records[i].findings())) {
      case VerdictClass::kDoomLoop: ++doom; break;
      case VerdictClass::kClean: ++clean; break;
      case VerdictClass::kRecoveredLoop: ++recovered; break;
      default: ADD_FAILURE() << "unexpected class";
    }
  }
  EXPECT_EQ(doom, 3);
  EXPECT_EQ(clean, 3);
  EXPECT_EQ(recovered, 3);
  EXPECT_EQ(other_cell, 3);
  // A global budget lowers the per-cell count (2 cells, 4 in all).
  limits.max_text_samples = 4;
  const std::vector<bool> keep2 = SelectTextSamples(records, limits);
  EXPECT_EQ(std::count(keep2.begin(), keep2.end(), true), 4);
}

TEST(BuildSampleBlob, RowsFollowTheColumnsAndReferenceKeptTexts) {
  std::vector<SampleRecord> records = {
      testing::MakeFixtureRecord("ck-a", PRETRAIN, "gsm", "greedy", 0, 0, 1, false),
      testing::MakeFixtureRecord("ck-b", RL, "gsm", "greedy", 0, 0, 0, true),
  };
  const json::Value blob = BuildSampleBlob(records, CompactionLimits{});
  EXPECT_EQ(blob.Find("n")->as_int(), 2);
  EXPECT_EQ(blob.Find("kept")->as_int(), 2);
  const auto& cols = blob.Find("cols")->as_array();
  const auto& rows = blob.Find("rows")->as_array();
  ASSERT_EQ(rows.size(), 2u);
  auto col = [&](const char* name) {
    for (size_t i = 0; i < cols.size(); ++i) {
      if (cols[i].as_string() == name) return i;
    }
    ADD_FAILURE() << name;
    return size_t{0};
  };
  const auto& r0 = rows[0].as_array();
  ASSERT_EQ(r0.size(), cols.size());
  EXPECT_EQ(blob.Find("checkpoints")->as_array()[r0[col("ck")].as_int()].as_string(), "ck-a");
  EXPECT_EQ(r0[col("stage")].as_int(), PRETRAIN);
  EXPECT_EQ(blob.Find("verdicts")->as_array()[r0[col("verdict")].as_int()].as_string(),
            "doom_loop");
  EXPECT_EQ(r0[col("period")].as_int(), records[0].findings().tail().period_units());
  EXPECT_EQ(r0[col("correct")].as_int(), 0);
  EXPECT_EQ(rows[1].as_array()[col("correct")].as_int(), 1);
  const int64_t t0 = r0[col("text")].as_int();
  EXPECT_EQ(blob.Find("texts")->as_array()[t0].Find("id")->as_string(), records[0].sample_id());
}

TEST(SampleToApiJson, CarriesFullTextLoopSpanAndProtoFindings) {
  const SampleRecord r = testing::MakeFixtureRecord("ck", DPO, "gsm", "greedy", 2, 1, 1, false);
  const json::Value v = SampleToApiJson(r);
  EXPECT_EQ(v.Find("text")->as_string(), r.text());
  EXPECT_EQ(v.Find("stage")->as_string(), "DPO");
  EXPECT_EQ(v.Find("verdict")->as_string(), "doom_loop");
  EXPECT_EQ(v.Find("finish_reason")->as_string(), "length");
  ASSERT_NE(v.Find("loop"), nullptr);
  EXPECT_EQ(v.Find("loop")->Find("onset_byte")->as_int(), r.findings().tail().onset_units());
  EXPECT_EQ(v.Find("findings")->Find("tail")->Find("unit_preview")->as_string(),
            r.findings().tail().unit_preview());
}

}  // namespace
}  // namespace doomscope::results
