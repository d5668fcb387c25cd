// Greedy generation against llama2.c run.c's outputs for stories260K
// (../shared/models/stories260K/reference_greedy.jsonl), token for token, from
// the llama2.c checkpoint and from the GGUF copy, on every kernel level this
// CPU has, batched and one at a time.
//
// The GGUF path may legitimately split from run.c at one documented near tie:
// position 82 of "One day" (float64 top-1/top-2 margin 0.0006; llama.cpp picks
// id 410 where run.c picks 439, see the model's README). The test allows that
// split and nothing else: before it every token must match, and the split must
// be exactly there with exactly that token.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "engine/model_loader.h"
#include "gtest/gtest.h"
#include "tests/engine/reference_greedy_rows.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using testing::SharedPath;

using ReferenceRow = ::doomscope::testing::ReferenceGreedyRow;

std::vector<ReferenceRow> LoadReference() { return ::doomscope::testing::LoadReferenceGreedyRows(); }

// Runs every reference prompt through one Generator; results by prompt index.
std::vector<GenerationResult> RunReference(const LoadedModel& model, const std::vector<ReferenceRow>& ref,
                                           Isa isa, int max_batch, int threads) {
  GeneratorOptions options;
  options.isa = isa;
  options.max_batch = max_batch;
  options.threads = threads;
  absl::StatusOr<std::unique_ptr<Generator>> gen = Generator::Create(model, options);
  EXPECT_TRUE(gen.ok()) << gen.status();
  std::vector<GenerationRequest> requests;
  for (size_t i = 0; i < ref.size(); ++i) {
    GenerationRequest r;
    r.id = i;
    r.prompt_tokens = model.tokenizer.Encode(ref[i].prompt, /*add_bos=*/true);
    // run.c's -n counts positions after BOS, prompt included.
    r.max_new_tokens = ref[i].steps + 1 - static_cast<int>(r.prompt_tokens.size());
    requests.push_back(std::move(r));
  }
  std::vector<GenerationResult> results(ref.size());
  absl::Status s = (*gen)->Run(std::move(requests), [&](GenerationResult r) { results[r.id] = std::move(r); });
  EXPECT_TRUE(s.ok()) << s;
  return results;
}

void ExpectMatchesReference(const LoadedModel& model, const std::vector<ReferenceRow>& ref,
                            const std::vector<GenerationResult>& got, bool allow_documented_tie,
                            const std::string& what) {
  for (size_t i = 0; i < ref.size(); ++i) {
    SCOPED_TRACE(what + " prompt \"" + ref[i].prompt + "\"");
    EXPECT_EQ(got[i].prompt_tokens, ref[i].prompt_ids);
    const std::vector<int32_t>& want = ref[i].generated_ids;
    const std::vector<int32_t>& have = got[i].tokens;
    size_t first_diff = 0;
    while (first_diff < want.size() && first_diff < have.size() && want[first_diff] == have[first_diff]) {
      ++first_diff;
    }
    if (first_diff == want.size() && have.size() == want.size()) {
      EXPECT_EQ(got[i].finish, ref[i].finish == "bos" ? FinishReason::kStop : FinishReason::kLength);
      std::vector<int32_t> all = got[i].prompt_tokens;
      all.insert(all.end(), have.begin(), have.end());
      EXPECT_EQ(model.tokenizer.Decode(all), ref[i].output);
      continue;
    }
    // Position in the sequence that starts with BOS at 0.
    const size_t position = ref[i].prompt_ids.size() + first_diff;
    if (allow_documented_tie && ref[i].prompt == "One day" && position == 82 && first_diff < have.size() &&
        have[first_diff] == 410 && want[first_diff] == 439) {
      continue;  // the README's near tie
    }
    ADD_FAILURE() << "first difference at generated index " << first_diff << " (position " << position
                  << "): want " << (first_diff < want.size() ? want[first_diff] : -1) << ", got "
                  << (first_diff < have.size() ? have[first_diff] : -1) << " (" << have.size() << " vs "
                  << want.size() << " tokens)";
  }
}

class ReferenceGreedyTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!IsaSupported(GetParam())) GTEST_SKIP() << IsaName(GetParam()) << " is not available on this CPU";
  }
};

TEST_P(ReferenceGreedyTest, Llama2cCheckpointMatchesRunC) {
  absl::StatusOr<LoadedModel> model = LoadModel(SharedPath("models/stories260K/stories260K.bin"),
                                                SharedPath("models/stories260K/tok512.bin"));
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_TRUE(model->stop_at_bos);
  const std::vector<ReferenceRow> ref = LoadReference();
  // All four at once (batched decode), and each alone on two threads.
  ExpectMatchesReference(*model, ref, RunReference(*model, ref, GetParam(), 4, 1), false, "batch 4");
  ExpectMatchesReference(*model, ref, RunReference(*model, ref, GetParam(), 1, 2), false, "batch 1");
}

TEST_P(ReferenceGreedyTest, GgufMatchesRunCExceptTheDocumentedTie) {
  absl::StatusOr<LoadedModel> model = LoadModel(SharedPath("models/stories260K/stories260K.gguf"), "");
  ASSERT_TRUE(model.ok()) << model.status();
  const std::vector<ReferenceRow> ref = LoadReference();
  // run.c stops at BOS; so must generation from the GGUF copy to compare.
  model->stop_at_bos = true;
  ExpectMatchesReference(*model, ref, RunReference(*model, ref, GetParam(), 4, 2), true, "gguf");
}

INSTANTIATE_TEST_SUITE_P(AllIsas, ReferenceGreedyTest, ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& info) { return std::string(IsaName(info.param)); });

}  // namespace
}  // namespace doomscope::engine
