// Continuous batching on stories260K: more requests than slots with mixed
// budgets give every request the tokens it gets alone; on_token stops a
// sequence with kLoop without touching the others; rollouts of one prompt
// share its prefill and still get the unshared tokens; context limits, stop
// tokens and invalid requests.
#include "engine/generator.h"

#include <map>
#include <string>
#include <vector>

#include "engine/model_loader.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using testing::SharedPath;

const LoadedModel& Stories() {
  static const LoadedModel* model = [] {
    absl::StatusOr<LoadedModel> m = LoadModel(SharedPath("models/stories260K/stories260K.bin"),
                                              SharedPath("models/stories260K/tok512.bin"));
    EXPECT_TRUE(m.ok()) << m.status();
    return new LoadedModel(*std::move(m));
  }();
  return *model;
}

std::unique_ptr<Generator> MakeGenerator(int max_batch, int threads, int max_context = 0) {
  GeneratorOptions o;
  o.max_batch = max_batch;
  o.threads = threads;
  o.max_context = max_context;
  absl::StatusOr<std::unique_ptr<Generator>> g = Generator::Create(Stories(), o);
  EXPECT_TRUE(g.ok()) << g.status();
  return *std::move(g);
}

GenerationRequest Request(uint64_t id, const std::string& prompt, int max_new, float temperature = 0.8f) {
  GenerationRequest r;
  r.id = id;
  r.prompt_tokens = Stories().tokenizer.Encode(prompt, true);
  r.max_new_tokens = max_new;
  r.sampling.temperature = temperature;
  r.sampling.top_p = 0.95f;
  r.sampling.seed = 1234;
  return r;
}

// Runs requests; returns results by id and the order ids finished in.
std::map<uint64_t, GenerationResult> RunAll(Generator& g, std::vector<GenerationRequest> requests,
                                            std::vector<uint64_t>* finish_order = nullptr) {
  std::map<uint64_t, GenerationResult> out;
  absl::Status s = g.Run(std::move(requests), [&](GenerationResult r) {
    if (finish_order) finish_order->push_back(r.id);
    out[r.id] = std::move(r);
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

const std::vector<std::string> kPrompts = {"Once upon a time", "Lily and Tom", "The dog", "One day",
                                           "A little bird",    "Tim had a",    "She was", "The sun"};

TEST(GeneratorTest, MoreRequestsThanSlotsWithMixedBudgetsMatchRunningAlone) {
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 13; ++i) {
    requests.push_back(Request(i, kPrompts[i % kPrompts.size()], 1 + (i * 17) % 45));
  }
  std::vector<GenerationRequest> copy = requests;
  std::vector<uint64_t> order;
  const auto batched = RunAll(*MakeGenerator(3, 2), std::move(requests), &order);
  ASSERT_EQ(batched.size(), 13u);
  // Short budgets finish first: continuous batching does not wait for the batch.
  EXPECT_NE(order, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  auto alone = MakeGenerator(1, 1);
  for (GenerationRequest& r : copy) {
    const uint64_t id = r.id;
    const int budget = r.max_new_tokens;
    const auto single = RunAll(*alone, {std::move(r)});
    const GenerationResult& a = single.at(id);
    const GenerationResult& b = batched.at(id);
    EXPECT_EQ(a.tokens, b.tokens) << "request " << id;
    EXPECT_EQ(a.finish, b.finish);
    EXPECT_EQ(b.finish == FinishReason::kLength, static_cast<int>(b.tokens.size()) == budget);
  }
}

TEST(GeneratorTest, OnTokenStopsItsSequenceWithLoopAndLeavesOthersAlone) {
  std::vector<GenerationRequest> requests;
  for (int i = 0; i < 4; ++i) requests.push_back(Request(i, kPrompts[i], 30));
  int calls = 0;
  std::vector<int32_t> seen;
  requests[1].on_token = [&](std::span<const int32_t> generated) {
    ++calls;
    EXPECT_EQ(static_cast<int>(generated.size()), calls);  // all tokens so far, every time
    seen.assign(generated.begin(), generated.end());
    return generated.size() < 5;
  };
  std::vector<GenerationRequest> plain;
  for (int i = 0; i < 4; ++i) plain.push_back(Request(i, kPrompts[i], 30));
  const auto stopped = RunAll(*MakeGenerator(4, 1), std::move(requests));
  const auto free_running = RunAll(*MakeGenerator(4, 1), std::move(plain));
  EXPECT_EQ(stopped.at(1).finish, FinishReason::kLoop);
  ASSERT_EQ(stopped.at(1).tokens.size(), 5u);
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(seen, stopped.at(1).tokens);
  EXPECT_EQ(std::vector<int32_t>(free_running.at(1).tokens.begin(), free_running.at(1).tokens.begin() + 5),
            stopped.at(1).tokens);
  for (uint64_t id : {0, 2, 3}) EXPECT_EQ(stopped.at(id).tokens, free_running.at(id).tokens) << id;
}

TEST(GeneratorTest, RolloutsShareThePrefillAndGetTheUnsharedTokens) {
  // 7 rollouts of one prompt (different ids: different RNG streams) in 3 slots,
  // so later rollouts join after the first ones finished.
  const std::string prompt = "Once upon a time there was a little girl named Lily. She";
  std::vector<GenerationRequest> shared, unshared;
  for (int i = 0; i < 7; ++i) shared.push_back(Request(100 + i, prompt, 10 + 7 * i));
  for (int i = 0; i < 7; ++i) unshared.push_back(Request(100 + i, prompt, 10 + 7 * i));
  auto g = MakeGenerator(3, 2);
  const auto a = RunAll(*g, std::move(shared));
  const int64_t prompt_len = static_cast<int64_t>(a.at(100).prompt_tokens.size());
  EXPECT_EQ(g->stats().prompt_tokens_forwarded, prompt_len);  // computed once
  int shared_count = 0;
  auto alone = MakeGenerator(1, 1);
  for (auto& r : unshared) {
    const uint64_t id = r.id;
    const auto b = RunAll(*alone, {std::move(r)});
    EXPECT_EQ(a.at(id).tokens, b.at(id).tokens) << "rollout " << id;
    EXPECT_FALSE(b.at(id).shared_prefill);
    shared_count += a.at(id).shared_prefill;
  }
  EXPECT_EQ(shared_count, 6);
  // The rollouts differ from each other (their own RNG streams).
  EXPECT_NE(a.at(100).tokens, std::vector<int32_t>(a.at(101).tokens.begin(), a.at(101).tokens.begin() + 10));
}

TEST(GeneratorTest, ContextLimitEndsWithLength) {
  auto g = MakeGenerator(2, 1, /*max_context=*/20);
  EXPECT_EQ(g->max_context(), 20);
  std::vector<GenerationRequest> rs = {Request(1, "Once upon a time", 100, 0.0f)};
  rs[0].ignore_stop_tokens = true;
  const auto out = RunAll(*g, std::move(rs));
  // 20 positions forwarded, plus the last sampled token: 21 tokens in all.
  EXPECT_EQ(out.at(1).finish, FinishReason::kLength);
  EXPECT_EQ(out.at(1).prompt_tokens.size() + out.at(1).tokens.size(), 21u);
}

TEST(GeneratorTest, StopTokenEndsWithStopAndIsNotKept) {
  // Greedy "Lily and Tom" ends with BOS after 220 tokens (run.c's reference).
  auto g = MakeGenerator(1, 1);
  const auto out = RunAll(*g, {Request(1, "Lily and Tom", 400, 0.0f)});
  EXPECT_EQ(out.at(1).finish, FinishReason::kStop);
  EXPECT_EQ(out.at(1).tokens.size(), 220u);
  for (int32_t t : out.at(1).tokens) EXPECT_NE(t, Stories().tokenizer.bos_id());
  // Ignoring stop tokens runs to the budget.
  std::vector<GenerationRequest> rs = {Request(1, "Lily and Tom", 230, 0.0f)};
  rs[0].ignore_stop_tokens = true;
  const auto all = RunAll(*g, std::move(rs));
  EXPECT_EQ(all.at(1).finish, FinishReason::kLength);
  EXPECT_EQ(all.at(1).tokens.size(), 230u);
  EXPECT_EQ(all.at(1).tokens[220], Stories().tokenizer.bos_id());
}

TEST(GeneratorTest, InvalidRequestsFailAloneWithAReason) {
  std::vector<GenerationRequest> rs;
  rs.push_back(Request(1, "The dog", 5));
  GenerationRequest empty;
  empty.id = 2;
  empty.max_new_tokens = 5;
  rs.push_back(empty);
  GenerationRequest bad_token = Request(3, "x", 5);
  bad_token.prompt_tokens.push_back(512);
  rs.push_back(bad_token);
  GenerationRequest too_long = Request(4, "x", 5);
  too_long.prompt_tokens.assign(600, 5);
  rs.push_back(too_long);
  GenerationRequest bad_sampling = Request(5, "x", 5);
  bad_sampling.sampling.top_p = 2.0f;
  rs.push_back(bad_sampling);
  GenerationRequest negative = Request(6, "x", -1);
  rs.push_back(negative);
  GenerationRequest zero = Request(7, "x", 0);
  rs.push_back(zero);
  const auto out = RunAll(*MakeGenerator(2, 1), std::move(rs));
  EXPECT_EQ(out.at(1).finish, FinishReason::kLength);
  EXPECT_EQ(out.at(1).tokens.size(), 5u);
  EXPECT_EQ(out.at(2).finish, FinishReason::kError);
  EXPECT_NE(out.at(2).error.find("empty prompt"), std::string::npos) << out.at(2).error;
  EXPECT_EQ(out.at(3).finish, FinishReason::kError);
  EXPECT_NE(out.at(3).error.find("outside the vocabulary"), std::string::npos) << out.at(3).error;
  EXPECT_EQ(out.at(4).finish, FinishReason::kError);
  EXPECT_NE(out.at(4).error.find("does not fit the context of 512"), std::string::npos) << out.at(4).error;
  EXPECT_EQ(out.at(5).finish, FinishReason::kError);
  EXPECT_NE(out.at(5).error.find("top_p"), std::string::npos) << out.at(5).error;
  EXPECT_EQ(out.at(6).finish, FinishReason::kError);
  EXPECT_EQ(out.at(7).finish, FinishReason::kLength);
  EXPECT_TRUE(out.at(7).tokens.empty());
}

TEST(GeneratorTest, OptionsAreValidated) {
  GeneratorOptions o;
  o.max_batch = 0;
  EXPECT_FALSE(Generator::Create(Stories(), o).ok());
  o = {};
  o.threads = -1;
  EXPECT_FALSE(Generator::Create(Stories(), o).ok());
  o = {};
  o.max_context = 100000;  // capped at the model's 512
  EXPECT_EQ((*Generator::Create(Stories(), o))->max_context(), 512);
  // Issue 14: max_batch 2000000000 aborted with std::bad_alloc sizing the KV
  // cache; every size now comes from limits checked first.
  o = {};
  o.max_batch = 2000000000;
  absl::StatusOr<std::unique_ptr<Generator>> huge = Generator::Create(Stories(), o);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(std::string(huge.status().message()).find("max_batch 2000000000 is outside [1, 1024]"),
            std::string::npos)
      << huge.status();
  o = {};
  o.max_step_tokens = 1 << 30;
  EXPECT_FALSE(Generator::Create(Stories(), o).ok());
  o = {};
  o.kv_dtype = DType::kQ8_0;
  EXPECT_FALSE(Generator::Create(Stories(), o).ok());
  // The largest batch allowed runs, sized by the requests it gets.
  o = {};
  o.max_batch = kMaxBatch;
  absl::StatusOr<std::unique_ptr<Generator>> widest = Generator::Create(Stories(), o);
  ASSERT_TRUE(widest.ok()) << widest.status();
  const auto out = RunAll(**widest, {Request(1, "The dog", 5)});
  EXPECT_EQ(out.at(1).tokens.size(), 5u);
}

TEST(GeneratorTest, TimingsAndTagsAreReported) {
  std::vector<GenerationRequest> rs = {Request(9, "The dog", 20)};
  rs[0].tag = 77;
  const auto out = RunAll(*MakeGenerator(1, 1), std::move(rs));
  EXPECT_EQ(out.at(9).tag, 77u);
  EXPECT_GT(out.at(9).prefill_ms, 0.0);
  EXPECT_GT(out.at(9).decode_ms, 0.0);
  EXPECT_EQ(FinishReasonName(FinishReason::kLoop), std::string("loop"));
}

}  // namespace
}  // namespace doomscope::engine
