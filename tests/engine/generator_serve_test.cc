// Generator::Serve: requests taken from a RequestSource between steps.
// A request that arrives while a long one decodes starts at the next step and
// finishes first, with the tokens it gets alone (greedy and seeded);
// cancellation ends a sequence at the next step, queued or running, and frees
// its slot; a cancelled prefill leader hands the prompt to its followers;
// sequences admitted into a used slot of a hybrid model (LFM2 short-conv,
// Qwen3.5 Gated DeltaNet) start from clean state; per-token log-probabilities
// are the teacher-forced scores of the tokens.
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "engine/model_loader.h"
#include "engine/request_source.h"
#include "engine/synth_model.h"
#include "engine/token_logprobs.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using testing::SharedPath;

const LoadedModel& Stories() {
  static const LoadedModel* model = [] {
    absl::StatusOr<LoadedModel> m =
        LoadModel(SharedPath("models/stories260K/stories260K.bin"), SharedPath("models/stories260K/tok512.bin"));
    EXPECT_TRUE(m.ok()) << m.status();
    return new LoadedModel(*std::move(m));
  }();
  return *model;
}

// A synthetic model of `shape`, written once per binary and never destroyed.
const LoadedModel& Synth(const std::string& shape) {
  static auto& models = *new std::map<std::string, LoadedModel*>();
  if (models.contains(shape)) return *models[shape];
  const std::string path = testing::MakeTempDir("serve") + "/" + shape + ".gguf";
  absl::Status s = WriteSynthModel(*FindSynthShape(shape), DType::kF32, 5, shape, path);
  EXPECT_TRUE(s.ok()) << s;
  absl::StatusOr<LoadedModel> m = LoadModel(path, "");
  EXPECT_TRUE(m.ok()) << m.status();
  models[shape] = new LoadedModel(*std::move(m));
  return *models[shape];
}

std::unique_ptr<Generator> MakeGenerator(const LoadedModel& model, int max_batch, int threads = 1,
                                         int max_step_tokens = 512) {
  GeneratorOptions o;
  o.max_batch = max_batch;
  o.threads = threads;
  o.max_step_tokens = max_step_tokens;
  absl::StatusOr<std::unique_ptr<Generator>> g = Generator::Create(model, o);
  EXPECT_TRUE(g.ok()) << g.status();
  return *std::move(g);
}

GenerationRequest Request(uint64_t id, std::vector<int32_t> prompt, int max_new, float temperature) {
  GenerationRequest r;
  r.id = id;
  r.tag = id;
  r.prompt_tokens = std::move(prompt);
  r.max_new_tokens = max_new;
  r.sampling.temperature = temperature;
  r.sampling.top_p = 0.9f;
  r.sampling.seed = 77;
  return r;
}

GenerationRequest StoriesRequest(uint64_t id, const std::string& prompt, int max_new, float temperature) {
  return Request(id, Stories().tokenizer.Encode(prompt, true), max_new, temperature);
}

// The request run alone, in a generator of one slot.
GenerationResult Solo(const LoadedModel& model, GenerationRequest r) {
  r.on_token = nullptr;
  GenerationResult out;
  EXPECT_TRUE(MakeGenerator(model, 1)->Run({std::move(r)}, [&](GenerationResult g) { out = std::move(g); }).ok());
  return out;
}

// A source driven by a script: called at every poll with the poll's number;
// the script fills `out`. Waiting with nothing to give means the script has
// lost track: the test fails and the source closes instead of hanging.
class ScriptedSource : public RequestSource {
 public:
  explicit ScriptedSource(std::function<void(int poll, SourcePoll* out)> script) : script_(std::move(script)) {}
  void Poll(bool wait, SourcePoll* out) override {
    script_(polls_++, out);
    closed_ = closed_ || out->closed;
    if (wait && out->requests.empty() && out->cancelled.empty() && !closed_) {
      ADD_FAILURE() << "the engine waits for work the script never gives (poll " << polls_ - 1 << ")";
      out->closed = closed_ = true;
    }
  }
  int polls() const { return polls_; }

 private:
  std::function<void(int, SourcePoll*)> script_;
  int polls_ = 0;
  bool closed_ = false;
};

// Runs Serve; returns the results by id and the ids in the order they finished.
std::map<uint64_t, GenerationResult> Serve(Generator& g, RequestSource& source, std::vector<uint64_t>* order) {
  std::map<uint64_t, GenerationResult> out;
  absl::Status s = g.Serve(source, [&](GenerationResult r) {
    order->push_back(r.id);
    out[r.id] = std::move(r);
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

class LateArrivalTest : public ::testing::TestWithParam<float> {};

TEST_P(LateArrivalTest, AShortRequestSentDuringALongOneStartsAtTheNextStepAndFinishesFirst) {
  const float temperature = GetParam();
  GenerationRequest long_request = StoriesRequest(1, "Once upon a time", 200, temperature);
  long_request.ignore_stop_tokens = true;  // 200 tokens whatever it samples
  const GenerationRequest short_request = StoriesRequest(2, "The dog", 8, temperature);
  const GenerationResult long_alone = Solo(Stories(), long_request);
  const GenerationResult short_alone = Solo(Stories(), short_request);
  ASSERT_EQ(long_alone.tokens.size(), 200u);

  int long_tokens = 0;
  int long_tokens_when_short_came = -1;
  int long_tokens_when_short_ended = -1;
  long_request.on_token = [&](std::span<const int32_t> generated) {
    long_tokens = static_cast<int>(generated.size());
    return true;
  };
  ScriptedSource source([&](int poll, SourcePoll* out) {
    if (poll == 0) out->requests.push_back(long_request);
    if (long_tokens_when_short_came < 0 && long_tokens >= 20) {
      long_tokens_when_short_came = long_tokens;
      out->requests.push_back(short_request);
      out->closed = true;
    }
  });
  std::vector<uint64_t> order;
  std::map<uint64_t, GenerationResult> results;
  ASSERT_TRUE(MakeGenerator(Stories(), 4, 2)
                  ->Serve(source,
                          [&](GenerationResult r) {
                            if (r.id == 2) long_tokens_when_short_ended = long_tokens;
                            order.push_back(r.id);
                            results[r.id] = std::move(r);
                          })
                  .ok());
  // Admitted at the poll right after the long one's 20th token, the short
  // one (a prefill step, then one token per step) ends while the long one
  // is still 170 tokens from its end.
  EXPECT_EQ(long_tokens_when_short_came, 20);
  EXPECT_EQ(order, (std::vector<uint64_t>{2, 1}));
  EXPECT_LE(long_tokens_when_short_ended, 20 + static_cast<int>(short_alone.tokens.size()) + 1);
  // Both equal their solo runs.
  EXPECT_EQ(results.at(1).tokens, long_alone.tokens);
  EXPECT_EQ(results.at(2).tokens, short_alone.tokens);
  EXPECT_EQ(results.at(2).finish, short_alone.finish);
}

INSTANTIATE_TEST_SUITE_P(GreedyAndSeeded, LateArrivalTest, ::testing::Values(0.0f, 0.8f));

TEST(GeneratorServeTest, CancellationEndsQueuedAndRunningSequencesAndFreesTheSlot) {
  GenerationRequest a = StoriesRequest(1, "Once upon a time", 200, 0.8f);
  a.ignore_stop_tokens = true;
  const GenerationRequest b = StoriesRequest(2, "Lily and Tom", 30, 0.8f);
  const GenerationRequest c = StoriesRequest(3, "The sun", 30, 0.8f);
  const GenerationResult a_alone = Solo(Stories(), a);
  const GenerationResult b_alone = Solo(Stories(), b);
  int a_tokens = 0;
  a.on_token = [&](std::span<const int32_t> generated) {
    a_tokens = static_cast<int>(generated.size());
    return true;
  };
  bool cancelled_a = false;
  ScriptedSource source([&](int poll, SourcePoll* out) {
    if (poll == 0) {
      out->requests = {a, b, c};  // one slot: b and c wait
      return;
    }
    if (poll == 1) out->cancelled.push_back(3);  // still queued
    if (!cancelled_a && a_tokens == 5) {
      cancelled_a = true;
      out->cancelled.push_back(1);
      out->cancelled.push_back(99);  // unknown: ignored
      out->closed = true;
    }
  });
  std::vector<uint64_t> order;
  const auto results = Serve(*MakeGenerator(Stories(), 1), source, &order);
  EXPECT_EQ(order, (std::vector<uint64_t>{3, 1, 2}));
  EXPECT_EQ(results.at(3).finish, FinishReason::kCancelled);
  EXPECT_TRUE(results.at(3).tokens.empty());
  // Ended at the step after its 5th token, with those tokens.
  EXPECT_EQ(results.at(1).finish, FinishReason::kCancelled);
  EXPECT_EQ(results.at(1).tokens, std::vector<int32_t>(a_alone.tokens.begin(), a_alone.tokens.begin() + 5));
  // Its slot went to b, which runs as alone.
  EXPECT_EQ(results.at(2).tokens, b_alone.tokens);
  EXPECT_EQ(results.at(2).finish, b_alone.finish);
  EXPECT_STREQ(FinishReasonName(FinishReason::kCancelled), "cancelled");
}

TEST(GeneratorServeTest, ACancelledPrefillLeaderHandsThePromptToItsFollowers) {
  // A prompt of ~100 tokens prefilled in chunks of 19 rows (3 slots + 16):
  // the leader is still prefilling when it is cancelled at poll 2.
  std::string text;
  for (int i = 0; i < 12; ++i) text += "Lily went to the park. ";
  const std::vector<int32_t> prompt = Stories().tokenizer.Encode(text, true);
  ASSERT_GT(prompt.size(), 60u);
  std::vector<GenerationRequest> requests;
  for (uint64_t id : {10, 11, 12}) requests.push_back(Request(id, prompt, 15 + 5 * static_cast<int>(id), 0.8f));
  ScriptedSource source([&](int poll, SourcePoll* out) {
    if (poll == 0) out->requests = requests;
    if (poll == 2) {
      out->cancelled.push_back(10);
      out->closed = true;
    }
  });
  std::vector<uint64_t> order;
  auto g = MakeGenerator(Stories(), 3, 1, /*max_step_tokens=*/1);
  const auto results = Serve(*g, source, &order);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(order.front(), 10u);
  EXPECT_EQ(results.at(10).finish, FinishReason::kCancelled);
  EXPECT_TRUE(results.at(10).tokens.empty());
  for (uint64_t id : {11, 12}) {
    EXPECT_EQ(results.at(id).tokens, Solo(Stories(), requests[id - 10]).tokens) << id;
  }
  // 12 waited for 11's prefill and copied it: one prefill after the leader left.
  EXPECT_FALSE(results.at(11).shared_prefill);
  EXPECT_TRUE(results.at(12).shared_prefill);
}

// Token ids of a synthetic vocabulary: BOS then a pattern.
std::vector<int32_t> SynthPrompt(int n, int salt) {
  std::vector<int32_t> t = {1};
  for (int i = 1; i < n; ++i) t.push_back(3 + (i * 37 + salt * 101) % 290);
  return t;
}

class CleanStateTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CleanStateTest, ASequenceAdmittedIntoAUsedSlotMidRunGetsItsSoloTokens) {
  const LoadedModel& model = Synth(GetParam());
  GenerationRequest a = Request(1, SynthPrompt(9, 1), 60, 0.0f);
  a.ignore_stop_tokens = true;
  GenerationRequest b = Request(2, SynthPrompt(13, 2), 6, 0.0f);
  b.ignore_stop_tokens = true;
  // c lands in b's slot while a decodes; d shares a's prompt (a keeps no
  // snapshot: it prefills itself) and lands there after c.
  GenerationRequest c = Request(3, SynthPrompt(7, 3), 10, 0.8f);
  c.ignore_stop_tokens = true;
  GenerationRequest d = Request(4, SynthPrompt(9, 1), 8, 0.8f);
  d.ignore_stop_tokens = true;
  bool b_done = false, sent = false;
  ScriptedSource source([&](int poll, SourcePoll* out) {
    if (poll == 0) out->requests = {a, b};
    if (b_done && !sent) {
      sent = true;
      out->requests = {c, d};
      out->closed = true;
    }
  });
  std::map<uint64_t, GenerationResult> results;
  std::vector<uint64_t> order;
  ASSERT_TRUE(MakeGenerator(model, 2)
                  ->Serve(source,
                          [&](GenerationResult r) {
                            b_done = b_done || r.id == 2;
                            order.push_back(r.id);
                            results[r.id] = std::move(r);
                          })
                  .ok());
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(order, (std::vector<uint64_t>{2, 3, 4, 1}));  // c and d ran beside a, in b's old slot
  for (const GenerationRequest& r : {a, b, c, d}) {
    EXPECT_EQ(results.at(r.id).tokens, Solo(model, r).tokens) << GetParam() << " request " << r.id;
  }
}

INSTANTIATE_TEST_SUITE_P(Hybrids, CleanStateTest, ::testing::Values("lfm2-tiny", "qwen35-tiny"));

// Scores of `tokens` after `prompt`, teacher-forced (what the jury's logprob judge computes).
std::vector<double> Scores(const LoadedModel& model, const std::vector<int32_t>& prompt,
                           const std::vector<int32_t>& tokens) {
  absl::StatusOr<std::unique_ptr<Transformer>> t = Transformer::Create(model.weights);
  EXPECT_TRUE(t.ok()) << t.status();
  absl::StatusOr<std::vector<double>> s = ContinuationLogprobs(**t, prompt, tokens, 1);
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

TEST(GeneratorServeTest, LogprobsAreTheTeacherForcedScoresOfTheTokens) {
  for (float temperature : {0.0f, 0.8f}) {
    SCOPED_TRACE(temperature);
    GenerationRequest r = StoriesRequest(5, "Once upon a time", 40, temperature);
    r.sampling.repetition_penalty = 1.3f;  // changes the sampler's logits, not the reported distribution
    r.logprobs = 3;
    int seen = 0;
    r.on_logprob = [&](const TokenLogprob&) { ++seen; };
    r.on_token = [&](std::span<const int32_t> generated) {
      EXPECT_EQ(seen, static_cast<int>(generated.size()));  // each logprob comes just before its token
      return true;
    };
    GenerationResult g;
    ASSERT_TRUE(MakeGenerator(Stories(), 2, 2)->Run({r}, [&](GenerationResult x) { g = std::move(x); }).ok());
    ASSERT_FALSE(g.tokens.empty());
    ASSERT_EQ(g.logprobs.size(), g.tokens.size());
    const std::vector<double> scores = Scores(Stories(), g.prompt_tokens, g.tokens);
    for (size_t i = 0; i < g.tokens.size(); ++i) {
      const TokenLogprob& lp = g.logprobs[i];
      EXPECT_EQ(lp.token, g.tokens[i]);
      EXPECT_DOUBLE_EQ(lp.logprob, scores[i]) << i;
      ASSERT_EQ(lp.top.size(), 3u);
      for (size_t k = 1; k < lp.top.size(); ++k) EXPECT_GE(lp.top[k - 1].second, lp.top[k].second);
      EXPECT_LE(lp.logprob, lp.top[0].second);
      double mass = 0;
      for (const auto& [token, logprob] : lp.top) mass += std::exp(logprob);
      EXPECT_LE(mass, 1.0 + 1e-9);
    }
  }
  // Without repetition penalty, greedy draws the most likely token.
  GenerationRequest r = StoriesRequest(6, "Lily and Tom", 30, 0.0f);
  r.logprobs = 0;
  GenerationResult g;
  ASSERT_TRUE(MakeGenerator(Stories(), 1)->Run({r}, [&](GenerationResult x) { g = std::move(x); }).ok());
  ASSERT_EQ(g.logprobs.size(), g.tokens.size());
  for (const TokenLogprob& lp : g.logprobs) EXPECT_TRUE(lp.top.empty());
  r.logprobs = 1;
  ASSERT_TRUE(MakeGenerator(Stories(), 1)->Run({r}, [&](GenerationResult x) { g = std::move(x); }).ok());
  for (size_t i = 0; i < g.tokens.size(); ++i) EXPECT_EQ(g.logprobs[i].top.at(0).first, g.tokens[i]);
  // Out of range: refused alone.
  r.logprobs = kMaxTopLogprobs + 1;
  ASSERT_TRUE(MakeGenerator(Stories(), 1)->Run({r}, [&](GenerationResult x) { g = std::move(x); }).ok());
  EXPECT_EQ(g.finish, FinishReason::kError);
  EXPECT_NE(g.error.find("logprobs"), std::string::npos) << g.error;
}

}  // namespace
}  // namespace doomscope::engine
