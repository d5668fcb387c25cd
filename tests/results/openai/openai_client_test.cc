// The OpenAI client against real loopback servers (httplib, ephemeral ports)
// that answer, fail, stall and stream on purpose.
#include "results/openai/openai_client.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "results/openai/openai_response.h"
#include "results/openai/sse_parser.h"

namespace doomscope::openai {
namespace {

using ::testing::HasSubstr;

// An httplib server on 127.0.0.1:<ephemeral>, stopped and joined on destruction.
class LoopbackServer {
 public:
  LoopbackServer() = default;
  ~LoopbackServer() {
    server.stop();
    if (thread_.joinable()) thread_.join();
  }
  void Start() {
    port_ = server.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

  httplib::Server server;

 private:
  int port_ = 0;
  std::thread thread_;
};

ClientOptions FastOptions(const std::string& url) {
  ClientOptions o;
  o.base_url = url;
  o.connect_timeout_s = 2;
  o.read_timeout_s = 2;
  o.deadline_s = 5;
  o.max_retries = 3;
  o.backoff_initial_s = 0.01;
  o.backoff_max_s = 0.05;
  return o;
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

TEST(SseParserTest, SplitsEventsWhateverThePieces) {
  const std::string stream =
      ": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata:[DONE]\n\n";
  for (size_t piece = 1; piece <= stream.size(); ++piece) {
    std::vector<std::string> events;
    SseParser parser([&](std::string_view d) {
      events.emplace_back(d);
      return true;
    });
    for (size_t i = 0; i < stream.size(); i += piece) ASSERT_TRUE(parser.Feed(stream.substr(i, piece)).ok());
    ASSERT_TRUE(parser.Finish().ok());
    ASSERT_EQ(events.size(), 3u) << "piece " << piece;
    EXPECT_EQ(events[0], "{\"a\":1}");
    EXPECT_EQ(events[1], "line1\nline2");
    EXPECT_EQ(events[2], "[DONE]");
  }
}

TEST(SseParserTest, FinishDispatchesAnUnterminatedEventAndStopIsHonoured) {
  std::vector<std::string> events;
  SseParser parser([&](std::string_view d) {
    events.emplace_back(d);
    return events.size() < 2;
  });
  ASSERT_TRUE(parser.Feed("data: 1\n\ndata: 2\n\ndata: 3\n\n").ok());
  EXPECT_TRUE(parser.stopped());
  EXPECT_EQ(events, (std::vector<std::string>{"1", "2"}));

  std::vector<std::string> tail;
  SseParser open([&](std::string_view d) {
    tail.emplace_back(d);
    return true;
  });
  ASSERT_TRUE(open.Feed("data: last").ok());
  EXPECT_TRUE(tail.empty());
  ASSERT_TRUE(open.Finish().ok());
  EXPECT_EQ(tail, (std::vector<std::string>{"last"}));
}

TEST(SseParserTest, RefusesAnEndlessLine) {
  SseParser parser([](std::string_view) { return true; }, 64);
  EXPECT_FALSE(parser.Feed(std::string(100, 'x')).ok());
}

TEST(OpenAiClientTest, CreateChecksTheUrl) {
  EXPECT_FALSE(Client::Create(FastOptions("127.0.0.1:8080/v1")).ok());
  EXPECT_FALSE(Client::Create(FastOptions("ftp://x/v1")).ok());
  EXPECT_FALSE(Client::Create(FastOptions("http:///v1")).ok());
  absl::StatusOr<Client> c = Client::Create(FastOptions("http://127.0.0.1:9/v1/"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Url("/models"), "http://127.0.0.1:9/v1/models");
  ClientOptions bad = FastOptions("http://127.0.0.1:9/v1");
  bad.deadline_s = std::nan("");
  EXPECT_FALSE(Client::Create(bad).ok());
}

TEST(OpenAiClientTest, RetriesServerErrorsThenSucceedsAndSendsTheKey) {
  LoopbackServer s;
  std::atomic<int> calls{0};
  std::string auth;
  s.server.Post("/v1/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    auth = req.get_header_value("Authorization");
    if (++calls < 3) {
      res.status = calls == 1 ? 500 : 429;
      res.set_content(R"({"error":{"message":"busy","type":"server_error"}})", "application/json");
      return;
    }
    res.set_content(req.body, "application/json");  // echo
  });
  s.Start();
  ClientOptions o = FastOptions(s.Url());
  o.api_key = "sk-test";
  absl::StatusOr<Client> c = Client::Create(o);
  ASSERT_TRUE(c.ok());
  absl::StatusOr<json::Value> r = c->Post("/chat/completions", json::Object{{"model", "m"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(auth, "Bearer sk-test");
  EXPECT_EQ(r->Find("model")->as_string(), "m");
}

TEST(OpenAiClientTest, ClientErrorsAreFinalAndNameUrlAndMessage) {
  LoopbackServer s;
  std::atomic<int> calls{0};
  s.server.Post("/v1/completions", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 400;
    res.set_content(R"({"error":{"message":"'temperature' must be >= 0","type":"invalid_request_error"}})",
                    "application/json");
  });
  s.Start();
  absl::StatusOr<Client> c = Client::Create(FastOptions(s.Url()));
  ASSERT_TRUE(c.ok());
  absl::StatusOr<json::Value> r = c->Post("/completions", json::Object{});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr(s.Url() + "/completions"));
  EXPECT_THAT(r.status().message(), HasSubstr("'temperature' must be >= 0"));
  EXPECT_EQ(calls.load(), 1);
}

TEST(OpenAiClientTest, GarbageAnswerIsAnErrorNotACrash) {
  LoopbackServer s;
  s.server.Get("/v1/models", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"data\": [", "application/json");
  });
  s.Start();
  absl::StatusOr<json::Value> r = Client::Create(FastOptions(s.Url()))->Get("/models");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("not JSON"));
  EXPECT_FALSE(IsRetryable(r.status()));
}

TEST(OpenAiClientTest, DeadServerFailsFastAfterRetries) {
  int port = 0;
  {
    LoopbackServer s;
    s.Start();
    port = std::stoi(s.Url().substr(std::string("http://127.0.0.1:").size()));
  }  // closed again: nothing listens there now
  absl::StatusOr<Client> c = Client::Create(FastOptions("http://127.0.0.1:" + std::to_string(port) + "/v1"));
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<json::Value> r = c->Post("/completions", json::Object{});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("after 4 attempts"));
  EXPECT_LT(SecondsSince(start), 5.0);
}

TEST(OpenAiClientTest, TricklingServerIsCutAtTheDeadline) {
  LoopbackServer s;
  std::atomic<bool> stop{false};
  s.server.Post("/v1/completions", [&](const httplib::Request&, httplib::Response& res) {
    // A byte every 100 ms never trips the read timeout; only the deadline ends it.
    res.set_chunked_content_provider("application/json", [&](size_t, httplib::DataSink& sink) {
      if (stop) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return sink.write(" ", 1);
    });
  });
  s.Start();
  ClientOptions o = FastOptions(s.Url());
  o.deadline_s = 0.5;
  o.max_retries = 1;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<json::Value> r = Client::Create(o)->Post("/completions", json::Object{});
  stop = true;
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.status())) << r.status();
  EXPECT_LT(SecondsSince(start), 3.0);
}

// A server streaming `n` chunks of one word each; counts what the client read.
void StreamWords(httplib::Server& server, int n, std::atomic<int>* written, std::atomic<bool>* closed) {
  server.Post("/v1/chat/completions", [=](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/event-stream", [=](size_t, httplib::DataSink& sink) {
      for (int i = 0; i < n; ++i) {
        const std::string event = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w" + std::to_string(i) +
                                  " \"},\"token_ids\":[" + std::to_string(i) + "]}]}\n\n";
        if (!sink.write(event.data(), event.size())) {
          *closed = true;
          return false;
        }
        ++*written;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      const std::string done =
          "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\ndata: [DONE]\n\n";
      sink.write(done.data(), done.size());
      sink.done();
      return true;
    });
  });
}

TEST(OpenAiClientTest, StreamsChunksAndFoldsThem) {
  LoopbackServer s;
  std::atomic<int> written{0};
  std::atomic<bool> closed{false};
  StreamWords(s.server, 5, &written, &closed);
  s.Start();
  StreamedChoices folded;
  std::string deltas;
  absl::StatusOr<StreamEnd> end = Client::Create(FastOptions(s.Url()))
                                      ->Stream("/chat/completions", json::Object{}, [&](const json::Value& chunk) {
                                        std::string delta;
                                        EXPECT_TRUE(folded.Add(chunk, &delta).ok());
                                        deltas += delta + "|";
                                        return true;
                                      });
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(*end, StreamEnd::kDone);
  const std::vector<Choice> choices = folded.choices();
  ASSERT_EQ(choices.size(), 1u);
  EXPECT_EQ(choices[0].text, "w0 w1 w2 w3 w4 ");
  EXPECT_EQ(choices[0].finish_reason, "length");
  EXPECT_EQ(choices[0].token_ids, (std::vector<int32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(deltas, "w0 |w1 |w2 |w3 |w4 ||");
}

TEST(OpenAiClientTest, StoppingAStreamClosesTheConnection) {
  LoopbackServer s;
  std::atomic<int> written{0};
  std::atomic<bool> closed{false};
  StreamWords(s.server, 2000, &written, &closed);
  s.Start();
  int seen = 0;
  absl::StatusOr<StreamEnd> end = Client::Create(FastOptions(s.Url()))
                                      ->Stream("/chat/completions", json::Object{},
                                               [&](const json::Value&) { return ++seen < 3; });
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(*end, StreamEnd::kStopped);
  EXPECT_EQ(seen, 3);
  for (int i = 0; i < 200 && !closed; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(closed.load()) << "the server never noticed the client leave";
  EXPECT_LT(written.load(), 2000);
}

TEST(OpenAiClientTest, AnErrorEventEndsTheStream) {
  LoopbackServer s;
  s.server.Post("/v1/completions", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("data: {\"error\":{\"message\":\"model crashed\"}}\n\n", "text/event-stream");
  });
  s.Start();
  absl::StatusOr<StreamEnd> end = Client::Create(FastOptions(s.Url()))
                                      ->Stream("/completions", json::Object{}, [](const json::Value&) { return true; });
  ASSERT_FALSE(end.ok());
  EXPECT_THAT(end.status().message(), HasSubstr("model crashed"));
}

TEST(OpenAiResponseTest, ReadsChatCompletionAndLlamaServerShapes) {
  absl::StatusOr<json::Value> chat = json::Parse(
      R"({"choices":[{"index":1,"message":{"role":"assistant","content":"b"},"finish_reason":"stop"},)"
      R"({"index":0,"message":{"content":null,"tool_calls":[{"id":"c","type":"function","function":)"
      R"({"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls","token_ids":[5,6]}]})");
  ASSERT_TRUE(chat.ok());
  absl::StatusOr<std::vector<Choice>> c = ParseChoices(*chat);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].finish_reason, "tool_calls");
  EXPECT_EQ((*c)[0].token_ids, (std::vector<int32_t>{5, 6}));
  EXPECT_TRUE((*c)[0].tool_calls.is_array());
  EXPECT_EQ((*c)[1].text, "b");
  EXPECT_FALSE((*c)[1].token_ids.has_value());

  absl::StatusOr<json::Value> llama = json::Parse(R"({"choices":[{"text":"x","finish_reason":"length"}],"tokens":[1]})");
  c = ParseChoices(*llama);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].token_ids, (std::vector<int32_t>{1}));

  EXPECT_FALSE(ParseChoices(*json::Parse(R"({"choices":[{"text":3}]})")).ok());
  EXPECT_FALSE(ParseChoices(*json::Parse(R"({"object":"list"})")).ok());
}

TEST(OpenAiResponseTest, StreamedToolCallArgumentsAreJoined) {
  StreamedChoices folded;
  for (const char* chunk : {
           R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"add","arguments":"{\"a\":"}}]}}]})",
           R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]})",
           R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"}) {
    ASSERT_TRUE(folded.Add(*json::Parse(chunk)).ok());
  }
  const Choice c = folded.choices()[0];
  EXPECT_EQ(c.finish_reason, "tool_calls");
  ASSERT_EQ(c.tool_calls.as_array().size(), 1u);
  const json::Value& call = c.tool_calls.as_array()[0];
  EXPECT_EQ(call.Find("id")->as_string(), "call_1");
  EXPECT_EQ(call.Find("function")->Find("name")->as_string(), "add");
  EXPECT_EQ(call.Find("function")->Find("arguments")->as_string(), "{\"a\":1}");
}

// Servers with a reasoning parser (llama-server, vLLM --reasoning-parser,
// DeepSeek) split the reasoning off; it comes back in a think segment, closed
// once the answer starts or the choice ends other than by length.
TEST(OpenAiResponseTest, ReasoningComesBackAsAThinkSegment) {
  auto parse = [](const char* text) {
    absl::StatusOr<std::vector<Choice>> c = ParseChoices(*json::Parse(text));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() && !c->empty() ? (*c)[0].text : std::string("<error>");
  };
  EXPECT_EQ(parse(R"({"choices":[{"message":{"reasoning_content":"r","content":"a"},"finish_reason":"stop"}]})"),
            "<think>\nr\n</think>\n\na");
  EXPECT_EQ(parse(R"({"choices":[{"message":{"reasoning":"r r","content":null},"finish_reason":"length"}]})"),
            "<think>\nr r");  // the budget ran out inside the reasoning: unclosed
  EXPECT_EQ(parse(R"({"choices":[{"message":{"reasoning_content":"r","content":""},"finish_reason":"stop"}]})"),
            "<think>\nr\n</think>\n\n");
  EXPECT_EQ(parse(R"({"choices":[{"message":{"reasoning_content":"","content":"a"},"finish_reason":"stop"}]})"), "a");
  EXPECT_FALSE(ParseChoices(*json::Parse(R"({"choices":[{"message":{"reasoning_content":3}}]})")).ok());

  // Streamed: the deltas the early-stop detector sees add up to the same text.
  for (const auto& [last, want] : {std::pair{R"({"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]})",
                                             "<think>\nr1r2\n</think>\n\na"},
                                   std::pair{R"({"choices":[{"index":0,"delta":{},"finish_reason":"length"}]})",
                                             "<think>\nr1r2"},
                                   std::pair{R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})",
                                             "<think>\nr1r2\n</think>\n\n"}}) {
    StreamedChoices folded;
    std::string deltas;
    for (const char* chunk : {R"({"choices":[{"index":0,"delta":{"reasoning_content":"r1"}}]})",
                              R"({"choices":[{"index":0,"delta":{"reasoning_content":"r2"}}]})", last}) {
      std::string delta;
      ASSERT_TRUE(folded.Add(*json::Parse(chunk), &delta).ok());
      deltas += delta;
    }
    EXPECT_EQ(folded.choices()[0].text, want);
    EXPECT_EQ(deltas, want);
  }
}

TEST(OpenAiClientTest, ApiKeyFromEnv) {
  EXPECT_EQ(*ApiKeyFromEnv(""), "");
  ::unsetenv("DOOMSCOPE_TEST_NO_SUCH_KEY");
  absl::StatusOr<std::string> missing = ApiKeyFromEnv("DOOMSCOPE_TEST_NO_SUCH_KEY");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("DOOMSCOPE_TEST_NO_SUCH_KEY"));
  ::setenv("DOOMSCOPE_TEST_KEY", "k", 1);
  EXPECT_EQ(*ApiKeyFromEnv("DOOMSCOPE_TEST_KEY"), "k");
}

}  // namespace
}  // namespace doomscope::openai
