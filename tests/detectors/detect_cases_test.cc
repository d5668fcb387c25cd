// The 300 labeled cases of ../shared/data/detect-cases (character level):
// every doom_loop verdict must equal its label.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "detectors/analyze.h"
#include "detectors/loop_kind.h"
#include "gtest/gtest.h"
#include "results/json/jsonl.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

TEST(DetectCasesTest, EveryLabeledCaseIsRight) {
  const std::string path = testing::SharedPath("data/detect-cases/cases.jsonl");
  const DetectorConfig config;  // the defaults
  int total = 0, wrong = 0;
  std::map<std::string, int> per_kind;
  absl::Status st = json::ReadJsonl(path, [&](int line, json::Value v) -> absl::Status {
    const json::Value* text = v.Find("text");
    const json::Value* finish = v.Find("finish_reason");
    const json::Value* label = v.Find("label");
    if (text == nullptr || finish == nullptr || label == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line, ": missing fields"));
    }
    SampleText s;
    s.text = text->as_string();
    s.finish_reason = finish->as_string() == "length" ? LENGTH : STOP;
    const DetectorFindings f = AnalyzeSample(s, config);
    const bool want = label->Find("doom_loop")->as_bool();
    ++total;
    ++per_kind[label->Find("kind")->as_string()];
    if (f.verdict().doom_loop() != want) {
      ++wrong;
      ADD_FAILURE() << v.Find("id")->as_string() << " (" << label->Find("kind")->as_string()
                    << "): doom_loop=" << f.verdict().doom_loop() << " want " << want
                    << " period=" << f.tail().period_units() << " coverage=" << f.tail().coverage()
                    << " copies=" << f.tail().full_copies() << " kind=" << LoopKindName(f.verdict().kind());
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(total, 300);
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(per_kind.size(), 15u);
}

}  // namespace
}  // namespace doomscope
