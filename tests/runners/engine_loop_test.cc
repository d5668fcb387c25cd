// serve-model's engine loop on stories260K, driven directly: a short sequence
// submitted while a long one decodes is admitted at the next engine step and
// ends first (by the loop's step counter, not by the clock), both with the
// tokens they get alone; a cancelled sequence frees its slot at the next
// step; shutting down with sequences running and waiting ends them all.
#include "runners/serve_model/engine_loop.h"

#include <memory>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "engine/model_loader.h"
#include "gtest/gtest.h"
#include "tests/runners/step_gate.h"
#include "tests/test_support.h"

namespace doomscope::serve {
namespace {

using testing::SharedPath;

const engine::LoadedModel& Stories() {
  static const engine::LoadedModel* model = [] {
    absl::StatusOr<engine::LoadedModel> m = engine::LoadModel(SharedPath("models/stories260K/stories260K.bin"),
                                                              SharedPath("models/stories260K/tok512.bin"));
    EXPECT_TRUE(m.ok()) << m.status();
    return new engine::LoadedModel(*std::move(m));
  }();
  return *model;
}

// Greedy tokens of `prompt` alone.
std::vector<int32_t> Alone(const std::string& prompt, int max_new) {
  absl::StatusOr<std::unique_ptr<engine::Generator>> g = engine::Generator::Create(Stories(), {});
  EXPECT_TRUE(g.ok());
  engine::GenerationRequest r;
  r.prompt_tokens = Stories().tokenizer.Encode(prompt, true);
  r.max_new_tokens = max_new;
  std::vector<int32_t> tokens;
  EXPECT_TRUE((*g)->Run({r}, [&](engine::GenerationResult res) { tokens = res.tokens; }).ok());
  return tokens;
}

std::shared_ptr<Sequence> Greedy(const std::string& prompt, int max_new) {
  auto s = std::make_shared<Sequence>();
  s->prompt_tokens = Stories().tokenizer.Encode(prompt, true);
  s->max_new_tokens = max_new;
  s->effective_max_tokens = max_new;
  return s;
}

Sequence::Snapshot WaitForEnd(Sequence& s) {
  while (true) {
    Sequence::Snapshot snap = s.WaitForMore(std::string::npos, Clock::now() + std::chrono::seconds(1));
    if (snap.end != SequenceEnd::kRunning) return snap;
  }
}

TEST(EngineLoopTest, AShortSequenceSubmittedDuringALongOneIsAdmittedAtTheNextStepAndEndsFirst) {
  const std::string long_prompt = "Once upon a time", short_prompt = "The dog";
  const std::vector<int32_t> long_alone = Alone(long_prompt, 300);
  const std::vector<int32_t> short_alone = Alone(short_prompt, 8);
  ASSERT_GE(long_alone.size(), 100u) << "the long sequence must outlast the short one by far";
  // Step 0 is the idle poll that waits for the long sequence; at step 6 it
  // has run 5 steps.
  auto gate = std::make_shared<StepGate>();
  gate->Hold(6);
  EngineLoopOptions options;
  options.max_batch = 4;
  options.threads = 1;
  options.before_step = StepGate::Hook(gate);
  absl::StatusOr<std::unique_ptr<EngineLoop>> loop = EngineLoop::Start(Stories(), options);
  ASSERT_TRUE(loop.ok()) << loop.status();
  std::shared_ptr<Sequence> long_seq = Greedy(long_prompt, 300), short_seq = Greedy(short_prompt, 8);
  ASSERT_TRUE((*loop)->Submit({long_seq}).ok());
  ASSERT_TRUE(gate->WaitHeld(6));
  ASSERT_TRUE((*loop)->Submit({short_seq}).ok());
  EXPECT_EQ((*loop)->load().waiting, 1u);
  EXPECT_EQ((*loop)->load().running, 1u);
  gate->Release(6);
  const Sequence::Snapshot s = WaitForEnd(*short_seq);
  const Sequence::Snapshot l = WaitForEnd(*long_seq);
  EXPECT_EQ(l.admitted_step, 0);
  EXPECT_EQ(s.admitted_step, 6);  // the poll it was waiting at
  // A step per token: the short one ends within its own budget of steps,
  // the long one (started 6 steps earlier) much later.
  EXPECT_LE(s.finished_step, 6 + static_cast<int64_t>(short_alone.size()) + 1);
  EXPECT_LT(s.finished_step, l.finished_step);
  EXPECT_EQ(s.tokens, short_alone);
  EXPECT_EQ(l.tokens, long_alone);
  EXPECT_EQ((*loop)->load().running, 0u);
}

TEST(EngineLoopTest, ACancelledSequenceFreesItsSlotAtTheNextStep) {
  EngineLoopOptions options;
  options.max_batch = 1;
  options.threads = 1;
  absl::StatusOr<std::unique_ptr<EngineLoop>> loop = EngineLoop::Start(Stories(), options);
  ASSERT_TRUE(loop.ok()) << loop.status();
  std::shared_ptr<Sequence> a = Greedy("Once upon a time", 400), b = Greedy("Lily and Tom", 20);
  ASSERT_TRUE((*loop)->Submit({a, b}).ok());  // one slot: b waits for a
  while (a->WaitForMore(0, Clock::now() + std::chrono::seconds(1)).tokens.empty()) {}
  a->Cancel();
  const Sequence::Snapshot sa = WaitForEnd(*a);
  const Sequence::Snapshot sb = WaitForEnd(*b);
  EXPECT_EQ(sa.end, SequenceEnd::kCancelled);
  EXPECT_LT(sa.tokens.size(), 400u);
  const std::vector<int32_t> b_alone = Alone("Lily and Tom", 20);
  EXPECT_EQ(sb.end, b_alone.size() == 20 ? SequenceEnd::kLength : SequenceEnd::kStop);
  EXPECT_EQ(sb.tokens, b_alone);
  // Both went to the engine at once; b took a's slot at the step a left and
  // made a token per step (a stop token takes a step of its own).
  EXPECT_EQ(sb.admitted_step, sa.admitted_step);
  const int64_t steps = static_cast<int64_t>(b_alone.size()) + (sb.end == SequenceEnd::kStop ? 1 : 0);
  EXPECT_EQ(sb.finished_step, sa.finished_step + steps - 1);
}

TEST(EngineLoopTest, ShutdownWithSequencesRunningAndWaitingEndsThemAll) {
  EngineLoopOptions options;
  options.max_batch = 2;
  options.threads = 1;
  absl::StatusOr<std::unique_ptr<EngineLoop>> loop = EngineLoop::Start(Stories(), options);
  ASSERT_TRUE(loop.ok()) << loop.status();
  std::vector<std::shared_ptr<Sequence>> seqs;
  for (int i = 0; i < 5; ++i) seqs.push_back(Greedy("Once upon a time", 400));
  ASSERT_TRUE((*loop)->Submit(seqs).ok());
  while (seqs[0]->WaitForMore(0, Clock::now() + std::chrono::seconds(1)).tokens.empty()) {}
  (*loop)->Shutdown();
  for (const auto& s : seqs) {
    const Sequence::Snapshot snap = s->WaitForMore(0, Clock::now());
    EXPECT_NE(snap.end, SequenceEnd::kRunning);  // nobody is left waiting
  }
  EXPECT_EQ(seqs[0]->WaitForMore(0, Clock::now()).end, SequenceEnd::kCancelled);
  EXPECT_EQ(seqs[4]->WaitForMore(0, Clock::now()).end, SequenceEnd::kCancelled);
  EXPECT_FALSE((*loop)->Submit({Greedy("x", 2)}).ok());
  EXPECT_EQ((*loop)->load().running, 0u);
  EXPECT_EQ((*loop)->load().waiting, 0u);
}

}  // namespace
}  // namespace doomscope::serve
