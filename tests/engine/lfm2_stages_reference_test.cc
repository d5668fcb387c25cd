// Trained LFM2 weights, not only random ones: the four stage checkpoints of
// ../shared/models/lfm2-stages-a (Hugging Face folders as a training run saves
// them) must reproduce every greedy continuation of reference_greedy.jsonl (an
// independent PyTorch implementation of transformers' LFM2; 256-token budget,
// ending at BOS, which generation_config.json lists among its end ids) token
// for token, on every instruction set and with all 128 prompts of a stage in
// one batch. There are no near-ties to excuse: all 512 match on each ISA.
#include <map>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "engine/model_loader.h"
#include "gtest/gtest.h"
#include "tests/engine/jsonl_rows.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

struct Reference {
  std::vector<int32_t> prompt;
  std::vector<int32_t> tokens;
  std::string finish;  // "bos" or "length"
};

// stage -> prompt id -> reference
using References = std::map<std::string, std::map<uint64_t, Reference>>;

const References& ReadReferences() {
  static const References* refs = [] {
    auto* out = new References;
    for (const nlohmann::json& j :
         testing::ReadJsonlRows(testing::SharedPath("models/lfm2-stages-a/reference_greedy.jsonl"))) {
      (*out)[j.value("stage", "")][j.value("id", uint64_t{0})] =
          Reference{testing::JsonIds(j, "prompt_tokens"), testing::JsonIds(j, "tokens"), j.value("finish", "")};
    }
    return out;
  }();
  return *refs;
}

// Runs the first `prompts` prompts of every stage on `isa` in one batch and
// compares each continuation and how it ended with the reference.
void ExpectEveryStageMatches(Isa isa, int prompts) {
  const References& references = ReadReferences();
  ASSERT_EQ(references.size(), 4u);
  for (const auto& [stage, items] : references) {
    SCOPED_TRACE(stage);
    ASSERT_EQ(items.size(), 128u);
    absl::StatusOr<LoadedModel> model = LoadModel(testing::SharedPath("models/lfm2-stages-a/" + stage), "");
    ASSERT_TRUE(model.ok()) << model.status();
    ASSERT_EQ(model->weights.config.arch, Architecture::kLfm2);
    GeneratorOptions o;
    o.max_batch = prompts;
    o.threads = 2;
    o.isa = isa;
    absl::StatusOr<std::unique_ptr<Generator>> g = Generator::Create(*model, o);
    ASSERT_TRUE(g.ok()) << g.status();
    std::vector<GenerationRequest> requests;
    for (const auto& [id, ref] : items) {
      if (static_cast<int>(requests.size()) == prompts) break;
      GenerationRequest r;
      r.id = id;
      r.prompt_tokens = ref.prompt;
      r.max_new_tokens = 256;
      requests.push_back(std::move(r));
    }
    int matched = 0;
    absl::Status s = (*g)->Run(std::move(requests), [&](GenerationResult r) {
      const Reference& ref = items.at(r.id);
      EXPECT_EQ(r.tokens, ref.tokens) << "prompt " << r.id;
      EXPECT_EQ(r.finish == FinishReason::kStop ? "bos" : r.finish == FinishReason::kLength ? "length" : "other",
                ref.finish)
          << "prompt " << r.id;
      matched += r.tokens == ref.tokens;
    });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(matched, prompts);
  }
}

// All 512 continuations (about 125k generated tokens) on each instruction set.
class Lfm2StagesReferenceTest : public ::testing::TestWithParam<Isa> {};

TEST_P(Lfm2StagesReferenceTest, EveryGreedyContinuationOfEveryStageNoAsan) {
  if (!IsaSupported(GetParam())) GTEST_SKIP() << IsaName(GetParam()) << " is not available on this CPU";
  ExpectEveryStageMatches(GetParam(), 128);
}

INSTANTIATE_TEST_SUITE_P(AllIsas, Lfm2StagesReferenceTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& info) { return std::string(IsaName(info.param)); });

// The ASan build's share: the first 8 prompts of each stage on this CPU's best ISA.
TEST(Lfm2StagesReferenceTest, FirstPromptsOfEveryStage) { ExpectEveryStageMatches(DefaultIsa(), 8); }

}  // namespace
}  // namespace doomscope::engine
