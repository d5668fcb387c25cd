// Issue 14's hostile-user defects in detect, generate, report, export and
// repair, through the binary as a user runs it: each test failed on the tree
// the issue was filed against.
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "results/run_dir.h"
#include "results/utf8/utf8.h"
#include "tests/results/record_builders.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::ReadFile;
using ::doomscope::testing::RunDoomscope;
using ::doomscope::testing::WriteFile;

// Defect 5: a FIFO where a file is expected blocked forever.
TEST(HostileInputsTest, DetectRefusesAFifoAtOnce) {
  const std::string dir = MakeTempDir("fifo");
  const std::string fifo = dir + "/gen.jsonl";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  WriteFile(dir + "/ok.jsonl", R"({"id": 1, "text": "hi"})" "\n");
  auto r = RunDoomscope(absl::StrCat("detect ", fifo));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(fifo + ": is a FIFO, not a regular file"), std::string::npos) << r.err;
  r = RunDoomscope(absl::StrCat("detect ", dir, "/ok.jsonl --detector_config ", fifo));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is a FIFO"), std::string::npos) << r.err;
}

// Defect 6: a folder where a file is expected read as empty (defaults, exit 0).
TEST(HostileInputsTest, DetectSaysIsADirectory) {
  const std::string dir = MakeTempDir("isdir");
  WriteFile(dir + "/ok.jsonl", R"({"id": 1, "text": "hi"})" "\n");
  auto r = RunDoomscope(absl::StrCat("detect ", dir, "/ok.jsonl --detector_config ", dir));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(dir + ": is a directory"), std::string::npos) << r.err;
  r = RunDoomscope(absl::StrCat("detect ", dir));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
}

// Defect 3: a line past the limit is a clear error naming it, not a crash.
TEST(HostileInputsTest, DetectRefusesAnOverLongLineNamingIt) {
  const std::string dir = MakeTempDir("longline");
  WriteFile(dir + "/g.jsonl", absl::StrCat(R"({"id": 1, "text": "hi"})", "\n", R"({"id": 2, "text": ")",
                                           std::string(5000, 'a'), "\"}\n"));
  auto r = RunDoomscope(absl::StrCat("detect ", dir, "/g.jsonl --max_line_bytes 4096"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(dir + "/g.jsonl:2: line longer than 4096 bytes"), std::string::npos) << r.err;
}

// Defect 3: one long line (here 14 MB of prose ending in a loop) used to peak
// at 23x its size; stage buffers no longer stack (about 14x in the
// detectors, 16-17x for the whole process, the word n-gram counting table
// being the largest buffer). Release build only: ASan's
// shadow memory is not ours.
TEST(HostileInputsTest, DetectMemoryStaysWithinASmallMultipleOfOneLongLineNoAsan) {
  const std::string dir = MakeTempDir("bigline");
  std::mt19937 rng(7);
  const char* words[] = {"alpha", "beta", "gamma", "delta", "the", "cat", "sat", "on", "a", "mat"};
  std::string text;
  while (text.size() < (8u << 20)) absl::StrAppend(&text, words[rng() % 10], " ");
  for (int i = 0; i < 400000; ++i) text += "the loop goes on. ";  // 46% of the text: a doom loop
  const std::string line = absl::StrCat(R"({"id": 1, "finish_reason": "length", "text": ")", text, "\"}\n");
  WriteFile(dir + "/g.jsonl", line);
  auto r = RunDoomscope(absl::StrCat("detect ", dir, "/g.jsonl --threads 1 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"doom_loops\":1"), std::string::npos) << r.out.substr(0, 300);
  rusage usage{};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
  const double peak_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;
  EXPECT_LT(peak_bytes, 18.0 * static_cast<double>(line.size()))
      << "peak RSS " << peak_bytes / 1e6 << " MB for a " << line.size() / 1e6 << " MB line";
}

// Defect 10: byte tokens of a random-weight model split characters, and
// generate --output wrote the broken bytes into JSON.
TEST(HostileInputsTest, GenerateWritesValidUtf8ForRandomTokens) {
  const std::string dir = MakeTempDir("utf8gen");
  auto r = RunDoomscope(absl::StrCat("synth-model --arch llama --shape stories260K --dtype f32 --seed 7 --out ", dir,
                                     "/m.gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::mt19937 rng(7);
  std::string prompts;
  for (int p = 0; p < 8; ++p) {
    std::vector<std::string> ids;
    for (int i = 0; i < 20; ++i) ids.push_back(absl::StrCat(3 + rng() % 509));
    absl::StrAppend(&prompts, R"({"id": )", p, R"(, "prompt_tokens": [)", absl::StrJoin(ids, ", "), "]}\n");
  }
  WriteFile(dir + "/prompts.jsonl", prompts);
  r = RunDoomscope(absl::StrCat("generate --model ", dir, "/m.gguf --prompts ", dir,
                                "/prompts.jsonl --temperature 0 --max_new_tokens 24 --output ", dir, "/out.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string out = ReadFile(dir + "/out.jsonl");
  EXPECT_TRUE(IsValidUtf8(out)) << "generate --output wrote invalid UTF-8";
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(json::Parse(std::string(line)).ok()) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 8);
  // The random model did split characters (else this test proves nothing).
  EXPECT_NE(out.find(kReplacementUtf8), std::string::npos);
}

// Defect 12: one flipped byte in the middle of a records file blocked report,
// export and resume, with no salvage.
TEST(HostileInputsTest, FlippedByteIsSkippedByReportsAndRepaired) {
  const std::string dir = MakeTempDir("flipped");
  ASSERT_TRUE(results::testing::WriteRunDir(dir, results::testing::Cell("sft", SFT, "t", "greedy", 40, 10)).ok());
  const std::string shard = results::ShardRecordPath(dir, 0, 1);
  std::string bytes = ReadFile(shard);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  WriteFile(shard, bytes);

  auto r = RunDoomscope(absl::StrCat("report ", dir, " --json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("corrupt bytes"), std::string::npos) << r.err;
  r = RunDoomscope(absl::StrCat("export ", dir, " --jsonl ", dir, "/all.jsonl"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 39 samples"), std::string::npos) << r.out;

  r = RunDoomscope(absl::StrCat("repair ", dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kept 39 records"), std::string::npos) << r.out;
  EXPECT_EQ(ReadFile(shard + ".corrupt-1"), bytes);  // the bad bytes, kept aside
  auto contents = results::LoadRunDir(dir);         // strict reading works again
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(contents->records.size(), 39u);
}

// Defect 12: error messages must not echo raw non-UTF-8 bytes.
TEST(HostileInputsTest, ErrorsDoNotEchoInvalidUtf8) {
  const std::string dir = MakeTempDir("badbytes");
  WriteFile(dir + "/g.jsonl", std::string("{\"id\": 1, \"text\": \"x\", \"finish_reason\": \"st\xFFp\"}\n") +
                                  "\xFF\xFE garbage\n");
  auto r = RunDoomscope(absl::StrCat("detect ", dir, "/g.jsonl --skip_invalid"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(IsValidUtf8(r.err)) << r.err;
  EXPECT_NE(r.err.find("skipped 2 invalid lines"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace doomscope
