// doomscope serve-model's server on stories260K, driven over loopback by the
// OpenAI client: greedy answers equal the engine's own tokens (streamed or
// not, alone or with concurrent clients), a short request overtakes a long
// one, stop strings, seeds and n, logprobs, and the error shapes (400 naming
// the field, 401, 503, 404).
#include "runners/serve_model/model_server.h"

#include <httplib.h>

#include <cmath>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "engine/generator.h"
#include "engine/model_loader.h"
#include "engine/token_logprobs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "results/openai/openai_client.h"
#include "results/openai/openai_response.h"
#include "results/utf8/utf8.h"
#include "runners/logprob_judge.h"
#include "tests/runners/step_gate.h"
#include "tests/test_support.h"

namespace doomscope::serve {
namespace {

using ::testing::HasSubstr;
using testing::SharedPath;

engine::LoadedModel LoadStories() {
  absl::StatusOr<engine::LoadedModel> m = engine::LoadModel(SharedPath("models/stories260K/stories260K.bin"),
                                                            SharedPath("models/stories260K/tok512.bin"));
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

// The engine alone: greedy tokens of `prompt` (BOS + text) with `max_new` budget.
std::vector<int32_t> EngineGreedy(const std::string& prompt, int max_new) {
  static const engine::LoadedModel* model = new engine::LoadedModel(LoadStories());
  absl::StatusOr<std::unique_ptr<engine::Generator>> g = engine::Generator::Create(*model, {});
  EXPECT_TRUE(g.ok());
  engine::GenerationRequest r;
  r.prompt_tokens = model->tokenizer.Encode(prompt, /*add_bos=*/true);
  r.max_new_tokens = max_new;
  std::vector<int32_t> tokens;
  EXPECT_TRUE((*g)->Run({r}, [&](engine::GenerationResult res) { tokens = res.tokens; }).ok());
  return tokens;
}

std::string Decode(const std::vector<int32_t>& tokens, const std::string& prompt) {
  static const engine::LoadedModel* model = new engine::LoadedModel(LoadStories());
  const std::vector<int32_t> p = model->tokenizer.Encode(prompt, true);
  return model->tokenizer.Decode(tokens, p.back());
}

class ModelServerTest : public ::testing::Test {
 protected:
  void StartServer(ModelServerOptions options = {}) {
    options.port = 0;
    options.model_name = "stories260K";
    options.engine.threads = 1;
    if (gate_ != nullptr) options.engine.before_step = StepGate::Hook(gate_);
    absl::StatusOr<std::unique_ptr<ModelServer>> s = ModelServer::Start(LoadStories(), std::nullopt, options);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1"; }
  openai::Client Client(const std::string& key = "") const {
    openai::ClientOptions o;
    o.base_url = Url();
    o.api_key = key;
    o.max_retries = 0;
    o.deadline_s = 60;
    return *openai::Client::Create(o);
  }
  static json::Value Completion(const std::string& prompt, int max_tokens) {
    return json::Object{{"model", "stories260K"}, {"prompt", prompt}, {"max_tokens", max_tokens},
                        {"temperature", 0.0}, {"return_token_ids", true}};
  }

  // The server's /health answer.
  json::Value Health() const {
    httplib::Client http("127.0.0.1", server_->port());
    httplib::Result r = http.Get("/health");
    if (!r || r->status != 200) return json::Value();
    absl::StatusOr<json::Value> v = json::Parse(r->body);
    return v.ok() ? *v : json::Value();
  }

  std::shared_ptr<StepGate> gate_;  // set before StartServer to hold the engine at chosen steps
  std::unique_ptr<ModelServer> server_;
};

TEST_F(ModelServerTest, GreedyCompletionIsTheEnginesTokens) {
  StartServer();
  const std::string prompt = "Once upon a time";
  const std::vector<int32_t> want = EngineGreedy(prompt, 200);
  absl::StatusOr<json::Value> r = Client().Post("/completions", Completion(prompt, 200));
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<std::vector<openai::Choice>> c = openai::ParseChoices(*r);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].token_ids, want);
  EXPECT_EQ((*c)[0].text, Decode(want, prompt));
  EXPECT_EQ((*c)[0].finish_reason, want.size() == 200 ? "length" : "stop");
  EXPECT_EQ(r->Find("object")->as_string(), "text_completion");
  EXPECT_EQ(r->Find("usage")->Find("completion_tokens")->as_int(), static_cast<int64_t>(want.size()));
  ASSERT_NE(r->Find("prompt_token_ids"), nullptr);
}

TEST_F(ModelServerTest, StreamedChunksAddUpToTheSameAnswer) {
  StartServer();
  const std::string prompt = "Lily wanted";
  const std::vector<int32_t> want = EngineGreedy(prompt, 120);
  openai::StreamedChoices folded;
  int chunks = 0;
  absl::StatusOr<openai::StreamEnd> end =
      Client().Stream("/completions", Completion(prompt, 120), [&](const json::Value& chunk) {
        ++chunks;
        EXPECT_TRUE(folded.Add(chunk).ok());
        return true;
      });
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(*end, openai::StreamEnd::kDone);
  // At least one text chunk and the closing one with the finish reason (a
  // model this fast may finish before the first chunk is written: the text
  // then comes in one piece).
  EXPECT_GE(chunks, 2);
  const openai::Choice c = folded.choices().at(0);
  EXPECT_EQ(c.token_ids, want);
  EXPECT_EQ(c.text, Decode(want, prompt));
}

TEST_F(ModelServerTest, ConcurrentClientsGetTheirOwnAnswers) {
  ModelServerOptions options;
  options.engine.max_batch = 4;
  StartServer(options);
  const std::vector<std::string> prompts = {"Once upon a time", "Tom had a ball", "The sun", "One day a cat",
                                            "Sara and Ben", "A big dog", "The little bird", "Mom said"};
  std::vector<std::future<absl::StatusOr<openai::Choice>>> answers;
  for (size_t i = 0; i < prompts.size(); ++i) {
    answers.push_back(std::async(std::launch::async, [&, i]() -> absl::StatusOr<openai::Choice> {
      const int budget = 40 + 20 * static_cast<int>(i);
      openai::Client client = Client();
      if (i % 2 == 0) {
        absl::StatusOr<json::Value> r = client.Post("/completions", Completion(prompts[i], budget));
        if (!r.ok()) return r.status();
        absl::StatusOr<std::vector<openai::Choice>> c = openai::ParseChoices(*r);
        if (!c.ok()) return c.status();
        return c->at(0);
      }
      openai::StreamedChoices folded;
      absl::StatusOr<openai::StreamEnd> end = client.Stream(
          "/completions", Completion(prompts[i], budget), [&](const json::Value& chunk) { return folded.Add(chunk).ok(); });
      if (!end.ok()) return end.status();
      return folded.choices().at(0);
    }));
  }
  for (size_t i = 0; i < prompts.size(); ++i) {
    absl::StatusOr<openai::Choice> c = answers[i].get();
    ASSERT_TRUE(c.ok()) << prompts[i] << ": " << c.status();
    const std::vector<int32_t> want = EngineGreedy(prompts[i], 40 + 20 * static_cast<int>(i));
    EXPECT_EQ(c->token_ids, want) << prompts[i];
    EXPECT_EQ(c->text, Decode(want, prompts[i])) << prompts[i];
  }
}

TEST_F(ModelServerTest, AShortRequestSentDuringALongOneIsAnsweredWhileTheLongOneRuns) {
  const std::string long_prompt = "Once upon a time", short_prompt = "The dog";
  const std::vector<int32_t> long_want = EngineGreedy(long_prompt, 300);
  const std::vector<int32_t> short_want = EngineGreedy(short_prompt, 8);
  ASSERT_GE(long_want.size(), 100u) << "the long request must outlast the short one by far";
  // Step 0 waits for the long request. At step 6 the engine waits until the
  // short request is queued; at step 40 (the short one needs ~10 steps once
  // admitted) until its answer has arrived, so the long one cannot end first
  // unless the short one was never admitted beside it.
  gate_ = std::make_shared<StepGate>();
  gate_->Hold(6);
  gate_->Hold(40);
  ModelServerOptions options;
  options.engine.max_batch = 4;
  StartServer(options);
  auto answer = [this](const std::string& prompt, int budget) {
    return std::async(std::launch::async, [this, prompt, budget]() -> absl::StatusOr<openai::Choice> {
      absl::StatusOr<json::Value> r = Client().Post("/completions", Completion(prompt, budget));
      if (!r.ok()) return r.status();
      absl::StatusOr<std::vector<openai::Choice>> c = openai::ParseChoices(*r);
      if (!c.ok()) return c.status();
      return c->at(0);
    });
  };
  auto long_answer = answer(long_prompt, 300);
  ASSERT_TRUE(gate_->WaitHeld(6));
  auto short_answer = answer(short_prompt, 8);
  for (int i = 0; i < 6000; ++i) {
    const json::Value now = Health();  // held: Find points into it
    const json::Value* waiting = now.Find("sequences_waiting");
    if (waiting != nullptr && waiting->as_int() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const json::Value health = Health();
  ASSERT_NE(health.Find("sequences_running"), nullptr);
  EXPECT_EQ(health.Find("sequences_running")->as_int(), 1);
  EXPECT_EQ(health.Find("sequences_waiting")->as_int(), 1);
  gate_->Release(6);
  absl::StatusOr<openai::Choice> short_choice = short_answer.get();
  ASSERT_TRUE(short_choice.ok()) << short_choice.status();
  EXPECT_EQ(short_choice->token_ids, short_want);
  // The long one is still running (held at step 40 at the latest).
  EXPECT_EQ(long_answer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  gate_->Release(40);
  absl::StatusOr<openai::Choice> long_choice = long_answer.get();
  ASSERT_TRUE(long_choice.ok()) << long_choice.status();
  EXPECT_EQ(long_choice->token_ids, long_want);
}

TEST_F(ModelServerTest, StopStringCutsTheTextBeforeIt) {
  StartServer();
  const std::string prompt = "Once upon a time";
  const std::string full = Decode(EngineGreedy(prompt, 200), prompt);
  // A word from the middle of the greedy text.
  const size_t at = full.find(' ', full.size() / 2);
  ASSERT_NE(at, std::string::npos);
  const size_t word_end = full.find(' ', at + 1);
  const std::string stop = full.substr(at, word_end - at);
  const size_t first = full.find(stop);
  for (bool stream : {false, true}) {
    json::Value body = Completion(prompt, 200);
    body.Set("stop", json::Array{"zzzz-never", stop});
    openai::Choice c;
    if (stream) {
      openai::StreamedChoices folded;
      ASSERT_TRUE(Client().Stream("/completions", body, [&](const json::Value& ch) { return folded.Add(ch).ok(); }).ok());
      c = folded.choices().at(0);
    } else {
      absl::StatusOr<json::Value> r = Client().Post("/completions", body);
      ASSERT_TRUE(r.ok()) << r.status();
      c = openai::ParseChoices(*r)->at(0);
    }
    EXPECT_EQ(c.text, full.substr(0, first)) << "stream " << stream;
    EXPECT_EQ(c.finish_reason, "stop");
  }
}

TEST_F(ModelServerTest, SeedMakesSamplingRepeatableAndChoicesDiffer) {
  StartServer();
  json::Value body = Completion("Once upon a time", 60);
  body.Set("temperature", 1.0);
  body.Set("seed", 1234);
  body.Set("n", 3);
  absl::StatusOr<json::Value> a = Client().Post("/completions", body);
  absl::StatusOr<json::Value> b = Client().Post("/completions", body);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<openai::Choice> ca = *openai::ParseChoices(*a), cb = *openai::ParseChoices(*b);
  ASSERT_EQ(ca.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ca[i].token_ids, cb[i].token_ids);
  EXPECT_NE(ca[0].token_ids, ca[1].token_ids);
  EXPECT_NE(ca[1].token_ids, ca[2].token_ids);
}

TEST_F(ModelServerTest, ChatWithoutTemplateUsesThePlainFormat) {
  StartServer();
  json::Value body = json::Object{
      {"messages", json::Array{json::Object{{"role", "user"}, {"content", "Tell a story"}}}},
      {"max_tokens", 30}, {"temperature", 0.0}, {"return_token_ids", true}};
  absl::StatusOr<json::Value> r = Client().Post("/chat/completions", body);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->Find("object")->as_string(), "chat.completion");
  const openai::Choice c = openai::ParseChoices(*r)->at(0);
  const std::string prompt = "User: Tell a story\n\nAssistant:";
  EXPECT_EQ(c.token_ids, EngineGreedy(prompt, 30));
  EXPECT_EQ(r->Find("choices")->as_array()[0].Find("message")->Find("role")->as_string(), "assistant");
}

// The raw HTTP status and error JSON of a POST.
std::pair<int, json::Value> RawPost(int port, const std::string& path, const std::string& body,
                                    const std::string& key = "") {
  httplib::Client http("127.0.0.1", port);
  httplib::Headers headers;
  if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
  httplib::Result r = http.Post(path.c_str(), headers, body, "application/json");
  if (!r) return {0, json::Value()};
  absl::StatusOr<json::Value> v = json::Parse(r->body);
  return {r->status, v.ok() ? *v : json::Value()};
}

TEST_F(ModelServerTest, BadRequestsGetOpenAiErrorsNamingTheField) {
  StartServer();
  const int port = server_->port();
  auto [status, e] = RawPost(port, "/v1/completions", R"({"prompt":"x","temperature":-1})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e.Find("error")->Find("param")->as_string(), "temperature");
  EXPECT_EQ(e.Find("error")->Find("type")->as_string(), "invalid_request_error");
  std::tie(status, e) = RawPost(port, "/v1/completions", R"({"prompt":"x","n":0})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e.Find("error")->Find("param")->as_string(), "n");
  std::tie(status, e) = RawPost(port, "/v1/chat/completions", R"({"messages":[{"role":"wizard","content":"x"}]})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e.Find("error")->Find("param")->as_string(), "messages[0].role");
  std::tie(status, e) = RawPost(port, "/v1/completions", R"({"prompt": "x",)");
  EXPECT_EQ(status, 400);
  EXPECT_THAT(e.Find("error")->Find("message")->as_string(), HasSubstr("not JSON"));
  std::tie(status, e) = RawPost(port, "/v1/completions", R"({"prompt":[1, 99999]})");
  EXPECT_EQ(status, 400);
  EXPECT_THAT(e.Find("error")->Find("message")->as_string(), HasSubstr("outside the vocabulary"));
  std::tie(status, e) = RawPost(port, "/v1/completions", R"({"prompt":"x","max_tokens":"ten"})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e.Find("error")->Find("param")->as_string(), "max_tokens");
  std::tie(status, e) = RawPost(port, "/v1/embeddings", "{}");
  EXPECT_EQ(status, 404);
  EXPECT_NE(e.Find("error"), nullptr);
  // A prompt that fills the context leaves no room.
  std::tie(status, e) = RawPost(port, "/v1/completions",
                                "{\"prompt\":\"" + std::string(3000, 'a') + " b\",\"max_tokens\":5}");
  EXPECT_EQ(status, 400);
  EXPECT_THAT(e.Find("error")->Find("message")->as_string(), HasSubstr("context"));
}

TEST_F(ModelServerTest, ApiKeyIsRequiredWhenSet) {
  ModelServerOptions options;
  options.api_key = "secret";
  StartServer(options);
  const int port = server_->port();
  EXPECT_EQ(RawPost(port, "/v1/completions", R"({"prompt":"x","max_tokens":2})").first, 401);
  auto [status, e] = RawPost(port, "/v1/completions", R"({"prompt":"x","max_tokens":2})", "wrong");
  EXPECT_EQ(status, 401);
  EXPECT_EQ(e.Find("error")->Find("type")->as_string(), "authentication_error");
  EXPECT_EQ(RawPost(port, "/v1/completions", R"({"prompt":"x","max_tokens":2})", "secret").first, 200);
  absl::StatusOr<json::Value> models = Client().Get("/models");
  EXPECT_TRUE(absl::IsUnauthenticated(models.status())) << models.status();
  models = Client("secret").Get("/models");
  ASSERT_TRUE(models.ok()) << models.status();
  EXPECT_EQ(models->Find("data")->as_array()[0].Find("id")->as_string(), "stories260K");
  httplib::Client http("127.0.0.1", port);
  httplib::Result health = http.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ModelServerTest, FullQueueAnswers503) {
  ModelServerOptions options;
  options.engine.max_queue = 2;
  StartServer(options);
  auto [status, e] = RawPost(server_->port(), "/v1/completions", R"({"prompt":"x","max_tokens":2,"n":3})");
  EXPECT_EQ(status, 503);
  EXPECT_THAT(e.Find("error")->Find("message")->as_string(), HasSubstr("queue is full"));
  // The refused request took no room: the next one runs.
  EXPECT_EQ(RawPost(server_->port(), "/v1/completions", R"({"prompt":"x","max_tokens":2,"n":2})").first, 200);
}

TEST_F(ModelServerTest, AClientThatLeavesDoesNotStopTheServer) {
  StartServer();
  for (int i = 0; i < 3; ++i) {
    int seen = 0;
    absl::StatusOr<openai::StreamEnd> end = Client().Stream(
        "/completions", Completion("Once upon a time", 400), [&](const json::Value&) { return ++seen < 2; });
    ASSERT_TRUE(end.ok()) << end.status();
    EXPECT_EQ(*end, openai::StreamEnd::kStopped);
  }
  absl::StatusOr<json::Value> r = Client().Post("/completions", Completion("Once upon a time", 20));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(openai::ParseChoices(*r)->at(0).token_ids, EngineGreedy("Once upon a time", 20));
}

// The teacher-forced log-probabilities of `tokens` after `prompt` (BOS +
// text): what the jury's logprob judge averages.
std::vector<double> Scores(const std::string& prompt, const std::vector<int32_t>& tokens) {
  static const engine::LoadedModel* model = new engine::LoadedModel(LoadStories());
  absl::StatusOr<std::unique_ptr<engine::Transformer>> t = engine::Transformer::Create(model->weights);
  EXPECT_TRUE(t.ok()) << t.status();
  absl::StatusOr<std::vector<double>> s =
      engine::ContinuationLogprobs(**t, model->tokenizer.Encode(prompt, true), tokens, 1);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : std::vector<double>();
}

// The `logprob` judge's raw value (the mean token log-probability) for an answer.
double JudgeMean(const std::string& prompt, const std::vector<int32_t>& ids, const std::string& text) {
  LogprobJudge config;
  config.set_path(SharedPath("models/stories260K/stories260K.bin"));
  config.set_tokenizer(SharedPath("models/stories260K/tok512.bin"));
  absl::StatusOr<std::unique_ptr<LogprobJudgeModel>> judge = LogprobJudgeModel::Load(config, 1);
  EXPECT_TRUE(judge.ok()) << judge.status();
  if (!judge.ok()) return NAN;
  static const engine::LoadedModel* model = new engine::LoadedModel(LoadStories());
  SampleRecord sample;
  sample.set_prompt(prompt);
  for (int32_t t : model->tokenizer.Encode(prompt, true)) sample.add_prompt_tokens(t);
  for (int32_t t : ids) sample.add_tokens(t);
  sample.set_text(text);
  const jury::Verdict v = (*judge)->Score(sample);
  EXPECT_FALSE(v.abstained) << v.reason;
  return v.raw;
}

// Appends the arrays of a completions `logprobs` object to `*into`'s.
void AppendLogprobs(const json::Value& logprobs, json::Value* into) {
  for (const char* key : {"tokens", "token_logprobs", "top_logprobs", "text_offset", "content"}) {
    const json::Value* part = logprobs.Find(key);
    if (part == nullptr) continue;
    json::Array all = into->Find(key) != nullptr ? into->Find(key)->as_array() : json::Array();
    for (const json::Value& v : part->as_array()) all.push_back(v);
    into->Set(key, std::move(all));
  }
}

// The whole answer's choices[0].logprobs, or the streamed chunks' folded.
json::Value ChoiceLogprobs(const openai::Client& client, const std::string& path, json::Value body, bool stream,
                           std::vector<int32_t>* token_ids, std::string* text) {
  json::Value folded = json::Object{};
  if (!stream) {
    absl::StatusOr<json::Value> r = client.Post(path, body);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return folded;
    const openai::Choice c = openai::ParseChoices(*r)->at(0);
    *token_ids = c.token_ids.value_or(std::vector<int32_t>());
    *text = c.text;
    return *r->Find("choices")->as_array()[0].Find("logprobs");
  }
  body.Set("stream", true);
  openai::StreamedChoices choices;
  absl::StatusOr<openai::StreamEnd> end = client.Stream(path, body, [&](const json::Value& chunk) {
    const json::Value* lp = chunk.Find("choices")->as_array().empty()
                                ? nullptr
                                : chunk.Find("choices")->as_array()[0].Find("logprobs");
    if (lp != nullptr && lp->is_object()) AppendLogprobs(*lp, &folded);
    return choices.Add(chunk).ok();
  });
  EXPECT_TRUE(end.ok()) << end.status();
  *token_ids = choices.at(0).token_ids.value_or(std::vector<int32_t>());
  *text = choices.at(0).text;
  return folded;
}

TEST_F(ModelServerTest, CompletionLogprobsAreTheTeacherForcedScoresWithConsistentTextAndOffsets) {
  StartServer();
  const std::string prompt = "Once upon a time";
  json::Value body = Completion(prompt, 40);
  body.Set("logprobs", 3);
  json::Value whole;
  for (bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "streamed" : "whole");
    std::vector<int32_t> ids;
    std::string text;
    const json::Value lp = ChoiceLogprobs(Client(), "/completions", body, stream, &ids, &text);
    ASSERT_EQ(ids, EngineGreedy(prompt, 40));
    const json::Array& tokens = lp.Find("tokens")->as_array();
    const json::Array& values = lp.Find("token_logprobs")->as_array();
    const json::Array& top = lp.Find("top_logprobs")->as_array();
    const json::Array& offsets = lp.Find("text_offset")->as_array();
    ASSERT_EQ(tokens.size(), ids.size());
    ASSERT_EQ(values.size(), ids.size());
    ASSERT_EQ(top.size(), ids.size());
    ASSERT_EQ(offsets.size(), ids.size());
    const std::vector<double> scores = Scores(prompt, ids);
    std::string joined;
    double sum = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_DOUBLE_EQ(values[i].as_double(), scores[i]) << i;
      sum += values[i].as_double();
      // Greedy: the chosen token is the most likely of the alternatives.
      const json::Object& alternatives = top[i].as_object();
      // The 3 most likely and the chosen one (fewer when two tokens read alike).
      EXPECT_GE(alternatives.size(), 1u);
      EXPECT_LE(alternatives.size(), 4u);
      double best = -INFINITY;
      for (const auto& [t, v] : alternatives) best = std::max(best, v.as_double());
      EXPECT_EQ(best, values[i].as_double()) << i;
      ASSERT_NE(top[i].Find(tokens[i].as_string()), nullptr) << i;
      EXPECT_EQ(top[i].Find(tokens[i].as_string())->as_double(), values[i].as_double());
      EXPECT_EQ(offsets[i].as_int(), CountCodePoints(joined)) << i;
      joined += tokens[i].as_string();
    }
    EXPECT_EQ(joined, text);
    // The jury's logprob judge scores the answer with the mean of the same values.
    EXPECT_NEAR(sum / ids.size(), JudgeMean(prompt, ids, text), 1e-12);
    if (stream) {
      EXPECT_EQ(lp, whole);  // the chunks add up to the whole answer's
    } else {
      whole = lp;
    }
  }
}

TEST_F(ModelServerTest, ChatLogprobsGiveTokensBytesAndAlternatives) {
  StartServer();
  json::Value body = json::Object{
      {"messages", json::Array{json::Object{{"role", "user"}, {"content", "Tell a story"}}}},
      {"max_tokens", 25}, {"temperature", 0.0}, {"return_token_ids", true},
      {"logprobs", true}, {"top_logprobs", 2}};
  const std::string prompt = "User: Tell a story\n\nAssistant:";
  json::Value whole;
  for (bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "streamed" : "whole");
    std::vector<int32_t> ids;
    std::string text;
    const json::Value lp = ChoiceLogprobs(Client(), "/chat/completions", body, stream, &ids, &text);
    ASSERT_EQ(ids, EngineGreedy(prompt, 25));
    const json::Array& content = lp.Find("content")->as_array();
    ASSERT_EQ(content.size(), ids.size());
    const std::vector<double> scores = Scores(prompt, ids);
    std::string joined;
    for (size_t i = 0; i < ids.size(); ++i) {
      const json::Value& e = content[i];
      EXPECT_DOUBLE_EQ(e.Find("logprob")->as_double(), scores[i]) << i;
      std::string bytes;
      for (const json::Value& b : e.Find("bytes")->as_array()) bytes += static_cast<char>(b.as_int());
      EXPECT_EQ(bytes, e.Find("token")->as_string());  // stories260K's text is ASCII
      joined += bytes;
      const json::Array& alternatives = e.Find("top_logprobs")->as_array();
      ASSERT_EQ(alternatives.size(), 2u);
      EXPECT_EQ(alternatives[0].Find("token")->as_string(), e.Find("token")->as_string());
      EXPECT_EQ(alternatives[0].Find("logprob")->as_double(), e.Find("logprob")->as_double());
      EXPECT_LE(alternatives[1].Find("logprob")->as_double(), alternatives[0].Find("logprob")->as_double());
    }
    EXPECT_EQ(joined, text);
    if (stream) {
      EXPECT_EQ(lp, whole);
    } else {
      whole = lp;
    }
  }
}

TEST_F(ModelServerTest, LogprobsOutOfRangeAreRefusedNamingTheField) {
  StartServer();
  const int port = server_->port();
  auto [status, e] = RawPost(port, "/v1/completions", R"({"prompt":"x","logprobs":21})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e.Find("error")->Find("param")->as_string(), "logprobs");
  std::tie(status, e) = RawPost(port, "/v1/completions", R"({"prompt":"x","logprobs":true})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e.Find("error")->Find("param")->as_string(), "logprobs");
  const std::string messages = R"("messages":[{"role":"user","content":"x"}])";
  std::tie(status, e) = RawPost(port, "/v1/chat/completions", "{" + messages + R"(,"top_logprobs":2})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e.Find("error")->Find("param")->as_string(), "top_logprobs");
  std::tie(status, e) =
      RawPost(port, "/v1/chat/completions", "{" + messages + R"(,"logprobs":true,"top_logprobs":21})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e.Find("error")->Find("param")->as_string(), "top_logprobs");
  std::tie(status, e) = RawPost(port, "/v1/chat/completions", "{" + messages + R"(,"logprobs":2})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(e.Find("error")->Find("param")->as_string(), "logprobs");
  // Without logprobs, completions carry "logprobs": null, as before.
  std::tie(status, e) = RawPost(port, "/v1/completions", R"({"prompt":"x","max_tokens":2})");
  EXPECT_EQ(status, 200);
  ASSERT_NE(e.Find("choices")->as_array()[0].Find("logprobs"), nullptr);
  EXPECT_TRUE(e.Find("choices")->as_array()[0].Find("logprobs")->is_null());
}

}  // namespace
}  // namespace doomscope::serve
