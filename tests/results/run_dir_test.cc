#include "results/run_dir.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/record_file.h"
#include "tests/test_support.h"

namespace doomscope::results {
namespace {

using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::ReadFile;
using ::doomscope::testing::WriteFile;

SampleRecord Rec(const std::string& id, const std::string& checkpoint) {
  SampleRecord r;
  r.set_sample_id(id);
  r.set_checkpoint(checkpoint);
  return r;
}

void Write(const std::string& path, const std::vector<SampleRecord>& records) {
  auto w = RecordWriter::OpenForAppend(path);
  ASSERT_TRUE(w.ok()) << w.status();
  for (const SampleRecord& r : records) ASSERT_TRUE((*w)->Append(r).ok());
  ASSERT_TRUE((*w)->Flush().ok());
}

std::vector<std::string> Ids(const std::vector<SampleRecord>& records) {
  std::vector<std::string> ids;
  for (const SampleRecord& r : records) ids.push_back(r.sample_id());
  return ids;
}

TEST(RunDirTest, ShardPathLayout) {
  EXPECT_EQ(ShardRecordPath("/x/run", 2, 8), "/x/run/records/shard-2-of-8.tfrecord");
  EXPECT_EQ(SummaryPath("/x/run"), "/x/run/summary.json");
}

TEST(RunDirTest, ManifestRoundTripAndParseErrorNamesLine) {
  const std::string dir = MakeTempDir("man") + "/run";
  RunManifest m;
  m.set_engine_version("e1");
  m.mutable_suite()->set_name("stages-a");
  auto* f = m.add_files();
  f->set_path("a.bin");
  f->set_sha256("ab");
  ASSERT_TRUE(WriteManifest(dir, m).ok());
  auto back = ReadManifest(dir);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), m.SerializeAsString());

  WriteFile(ManifestPath(dir), "engine_version: \"x\"\nno_such_field: 3\n");
  auto bad = ReadManifest(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find(ManifestPath(dir) + ":2:"), std::string::npos)
      << bad.status();
  EXPECT_EQ(ReadManifest(MakeTempDir("nom")).status().code(), absl::StatusCode::kNotFound);
}

TEST(RunDirTest, LoadMergesShardsDedupsAndWarnsOnTornTail) {
  const std::string dir = MakeTempDir("load");
  ASSERT_TRUE(WriteManifest(dir, RunManifest()).ok());
  Write(ShardRecordPath(dir, 0, 2), {Rec("a", "c"), Rec("b", "c")});
  Write(ShardRecordPath(dir, 1, 2), {Rec("c", "c"), Rec("a", "c"), Rec("d", "c")});
  const std::string shard1 = ShardRecordPath(dir, 1, 2);
  const std::string bytes = ReadFile(shard1);
  WriteFile(shard1, bytes.substr(0, bytes.size() - 3));  // "d" is torn
  auto run = LoadRunDir(dir);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(Ids(run->records), (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(run->warnings.size(), 2u);
  EXPECT_NE(run->warnings[0].find("torn tail"), std::string::npos);
  EXPECT_NE(run->warnings[1].find("1 samples already stored"), std::string::npos);
}

TEST(RunDirTest, LoadErrors) {
  EXPECT_EQ(LoadRunDir("/nonexistent/doomscope/run").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadRunDir(MakeTempDir("empty")).status().code(), absl::StatusCode::kNotFound);
  const std::string dir = MakeTempDir("corrupt");
  Write(ShardRecordPath(dir, 0, 1), {Rec("a", "c"), Rec("b", "c"), Rec("e", "c")});
  std::string bytes = ReadFile(ShardRecordPath(dir, 0, 1));
  bytes[13] ^= 1;
  WriteFile(ShardRecordPath(dir, 0, 1), bytes);
  auto run = LoadRunDir(dir);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(std::string(run.status().message()).find("shard-0-of-1.tfrecord: offset 0"), std::string::npos)
      << run.status();
}

TEST(RunDirTest, SetAsideMovesOnlyNamedCheckpoints) {
  const std::string dir = MakeTempDir("aside");
  Write(ShardRecordPath(dir, 0, 2), {Rec("a", "old"), Rec("b", "keep"), Rec("c", "old")});
  Write(ShardRecordPath(dir, 1, 2), {Rec("d", "keep")});
  auto moved = SetAsideCheckpoints(dir, {"old"});
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(*moved, 2);
  auto run = LoadRunDir(dir);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(Ids(run->records), (std::vector<std::string>{"b", "d"}));
  // The stale copy holds exactly the moved records.
  std::vector<std::string> stale_files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir + "/stale")) {
    if (e.is_regular_file()) stale_files.push_back(e.path().string());
  }
  ASSERT_EQ(stale_files.size(), 1u);
  EXPECT_EQ(std::filesystem::path(stale_files[0]).filename(), "shard-0-of-2.tfrecord");
  std::vector<std::string> stale_ids;
  ASSERT_TRUE(ReadRecordFile(stale_files[0], [&](SampleRecord r) { stale_ids.push_back(r.sample_id()); }, nullptr)
                  .ok());
  EXPECT_EQ(stale_ids, (std::vector<std::string>{"a", "c"}));
  // Nothing left to move: a second call is a no-op.
  auto again = SetAsideCheckpoints(dir, {"old"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

TEST(RunDirTest, SetAsideNeverRenamesAFileALiveRunIsWriting) {
  // Issue 14 #2: the second run moved the first one's shard file aside while
  // the first kept appending to the unlinked file; 1,632 records were lost.
  const std::string dir = MakeTempDir("aside");
  const std::string path = ShardRecordPath(dir, 0, 1);
  Write(path, {Rec("a", "old"), Rec("b", "keep")});
  const std::string before = ReadFile(path);
  auto live = RecordWriter::OpenForAppend(path);  // a run still going
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE(RecordFileInUse(path));
  auto moved = SetAsideCheckpoints(dir, {"old"});
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_FALSE(std::filesystem::exists(dir + "/stale"));
  live->reset();
  EXPECT_FALSE(RecordFileInUse(path));
  ASSERT_TRUE(SetAsideCheckpoints(dir, {"old"}).ok());
}

TEST(RunDirTest, LocksTellARunWhetherItIsAloneAndSerializeSetup) {
  const std::string dir = MakeTempDir("lock") + "/run";
  auto first = RunDirLock::Acquire(dir);  // creates the folder, nothing else
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->alone());
  EXPECT_FALSE(std::filesystem::exists(ManifestPath(dir)));
  first->EndSetup();
  auto second = RunDirLock::Acquire(dir);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->alone());  // the first is still live
  second->EndSetup();
  *first = RunDirLock::Acquire(dir + "-other").value();  // the first run ends here
  auto third = RunDirLock::Acquire(dir);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->alone());  // the second is live
  *second = RunDirLock::Acquire(dir + "-other2").value();
  third->EndSetup();
  auto fourth = RunDirLock::Acquire(dir);
  EXPECT_FALSE(fourth->alone());  // the third
}

TEST(RunDirTest, ListShardFilesReadsTheLayout) {
  const std::string dir = MakeTempDir("layout");
  Write(ShardRecordPath(dir, 1, 3), {Rec("a", "x")});
  Write(RecordsDir(dir) + "/other.tfrecord", {Rec("b", "x")});
  auto files = ListShardFiles(dir);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].index, 1);
  EXPECT_EQ((*files)[0].count, 3);
}

}  // namespace
}  // namespace doomscope::results
