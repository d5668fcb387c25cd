// `doomscope bench` with a list of thread counts: one row per (threads, batch),
// each thread count's own rooflines, the instruction peak of the weight type,
// and the spread of the decode ratio over the repeated, probe-paired runs.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/json/json.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using testing::RunDoomscope;
using testing::SharedPath;

std::string Stories() { return SharedPath("models/stories260K/stories260K.bin"); }

TEST(BenchE2eTest, ThreadListGivesARowPerThreadCountAndBatch) {
  auto r = RunDoomscope(absl::StrCat("bench --model ", Stories(),
                                     " --batch 1,2 --prompt-tokens 8 --gen-tokens 4 --threads 1,2 --repeat 2 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<json::Value> v = json::Parse(r.out);
  ASSERT_TRUE(v.ok()) << v.status() << "\n" << r.out;
  EXPECT_EQ(v->Find("peak_instruction")->as_string(), "fp32 FMA");  // F32 weights
  EXPECT_EQ(v->Find("kv_type")->as_string(), "f32");
  const json::Array& machines = v->Find("machines")->as_array();
  ASSERT_EQ(machines.size(), 2u);
  EXPECT_EQ(machines[1].Find("threads")->as_int(), 2);
  // Two probes per batch size: one before each decode run.
  EXPECT_EQ(machines[0].Find("bandwidth_probes_gbps")->as_array().size(), 4u);
  const json::Array& rows = v->Find("rows")->as_array();
  ASSERT_EQ(rows.size(), 4u);
  const int want[4][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 2}};
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].Find("threads")->as_int(), want[i][0]) << i;
    EXPECT_EQ(rows[i].Find("batch")->as_int(), want[i][1]) << i;
    const double lo = rows[i].Find("decode_pct_bandwidth_min")->as_double();
    const double best = rows[i].Find("decode_pct_bandwidth")->as_double();
    const double hi = rows[i].Find("decode_pct_bandwidth_max")->as_double();
    EXPECT_GT(lo, 0.0) << i;
    EXPECT_LE(lo, best) << i;
    EXPECT_EQ(best, hi) << i;  // the best ratio is the top of the spread
  }
}

TEST(BenchE2eTest, RefusesBadThreadListsAndRepeats) {
  auto r = RunDoomscope(absl::StrCat("bench --model ", Stories(), " --threads 1,x"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("'x' is not a thread count"), std::string::npos) << r.err;
  r = RunDoomscope(absl::StrCat("bench --model ", Stories(), " --repeat 0"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--repeat"), std::string::npos) << r.err;
  r = RunDoomscope(absl::StrCat("bench --model ", Stories(), " --kv_type q8_0"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--kv_type 'q8_0' is not f32, f16 or bf16"), std::string::npos) << r.err;
  // The KV cache's type is the one asked for.
  r = RunDoomscope(absl::StrCat("bench --model ", Stories(),
                                " --batch 1 --prompt-tokens 8 --gen-tokens 4 --threads 1 --repeat 1 --kv_type bf16"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("BF16 KV cache"), std::string::npos) << r.out;
  // A list is for bench: commands that run one thread count refuse it.
  r = RunDoomscope(absl::StrCat("generate --model ", Stories(), " --tokenizer ",
                                SharedPath("models/stories260K/tok512.bin"), " --prompt hi --threads 1,2"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace doomscope
