#include "results/record_file.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "results/hash/crc32c.h"
#include "tests/test_support.h"

namespace doomscope::results {
namespace {

using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::ReadFile;
using ::doomscope::testing::WriteFile;

SampleRecord MakeRecord(int i) {
  SampleRecord r;
  r.set_sample_id(absl::StrCat("id-", i));
  r.set_checkpoint("ckpt");
  r.set_text(std::string(static_cast<size_t>(10 + i), static_cast<char>('a' + i % 26)));
  for (int t = 0; t < i; ++t) r.add_tokens(t * 7);
  return r;
}

std::vector<std::string> ReadIds(const std::string& path, ReadStats* stats) {
  std::vector<std::string> ids;
  absl::Status s = ReadRecordFile(path, [&](SampleRecord r) { ids.push_back(r.sample_id()); }, stats);
  EXPECT_TRUE(s.ok()) << s;
  return ids;
}

void WriteRecords(const std::string& path, int from, int to) {
  auto w = RecordWriter::OpenForAppend(path);
  ASSERT_TRUE(w.ok()) << w.status();
  for (int i = from; i < to; ++i) ASSERT_TRUE((*w)->Append(MakeRecord(i)).ok());
  ASSERT_TRUE((*w)->Flush().ok());
}

TEST(RecordFileTest, RoundTripKeepsEveryFieldAndOrder) {
  const std::string path = MakeTempDir("rec") + "/sub/a.tfrecord";  // folder is created
  WriteRecords(path, 0, 50);
  std::vector<SampleRecord> got;
  ReadStats stats;
  ASSERT_TRUE(ReadRecordFile(path, [&](SampleRecord r) { got.push_back(std::move(r)); }, &stats).ok());
  ASSERT_EQ(got.size(), 50u);
  EXPECT_EQ(stats.records, 50);
  EXPECT_EQ(stats.torn_tail_bytes, 0);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(got[i].SerializeAsString(), MakeRecord(i).SerializeAsString());
  // Reopening appends after the existing records.
  WriteRecords(path, 50, 53);
  EXPECT_EQ(ReadIds(path, nullptr).size(), 53u);
}

TEST(RecordFileTest, FrameLayoutIsTfRecord) {
  const std::string framed = FrameRecord("abc");
  ASSERT_EQ(framed.size(), 3u + kRecordFrameOverhead);
  EXPECT_EQ(framed.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(framed.substr(12, 3), "abc");
  const uint32_t masked = MaskCrc(Crc32c("abc"));
  EXPECT_EQ(static_cast<unsigned char>(framed[15]), masked & 0xff);
  EXPECT_EQ(static_cast<unsigned char>(framed[18]), masked >> 24);
}

TEST(RecordFileTest, TornTailAtEveryOffsetIsDroppedAndTruncatedOnAppend) {
  const std::string dir = MakeTempDir("torn");
  const std::string full_path = dir + "/full.tfrecord";
  WriteRecords(full_path, 0, 3);
  const std::string two = dir + "/two.tfrecord";
  WriteRecords(two, 0, 2);
  const std::string full = ReadFile(full_path);
  const size_t clean = ReadFile(two).size();
  ASSERT_GT(full.size(), clean);
  for (size_t cut = clean; cut < full.size(); ++cut) {
    SCOPED_TRACE(absl::StrCat("cut at ", cut));
    const std::string path = absl::StrCat(dir, "/cut-", cut, ".tfrecord");
    WriteFile(path, full.substr(0, cut));
    ReadStats stats;
    EXPECT_EQ(ReadIds(path, &stats), (std::vector<std::string>{"id-0", "id-1"}));
    EXPECT_EQ(stats.torn_tail_bytes, static_cast<int64_t>(cut - clean));
    auto w = RecordWriter::OpenForAppend(path);
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ((*w)->dropped_bytes(), static_cast<int64_t>(cut - clean));
    ASSERT_TRUE((*w)->Append(MakeRecord(7)).ok());
    ASSERT_TRUE((*w)->Flush().ok());
    w->reset();
    ReadStats after;
    EXPECT_EQ(ReadIds(path, &after), (std::vector<std::string>{"id-0", "id-1", "id-7"}));
    EXPECT_EQ(after.torn_tail_bytes, 0);
  }
}

TEST(RecordFileTest, BadChecksumOnLastRecordIsATornTail) {
  const std::string path = MakeTempDir("lastbad") + "/a.tfrecord";
  WriteRecords(path, 0, 3);
  std::string bytes = ReadFile(path);
  bytes[bytes.size() - 6] ^= 0x01;  // inside the last payload
  WriteFile(path, bytes);
  ReadStats stats;
  EXPECT_EQ(ReadIds(path, &stats).size(), 2u);
  EXPECT_EQ(stats.torn_tail_bytes, static_cast<int64_t>(MakeRecord(2).ByteSizeLong()) + kRecordFrameOverhead);
}

TEST(RecordFileTest, ZeroFilledTailIsTorn) {
  const std::string path = MakeTempDir("zeros") + "/a.tfrecord";
  WriteRecords(path, 0, 2);
  WriteFile(path, ReadFile(path) + std::string(100, '\0'));
  ReadStats stats;
  EXPECT_EQ(ReadIds(path, &stats).size(), 2u);
  EXPECT_EQ(stats.torn_tail_bytes, 100);
}

TEST(RecordFileTest, FlippedBitInTheMiddleIsAnErrorNamingFileAndOffset) {
  const std::string dir = MakeTempDir("flip");
  const std::string path = dir + "/a.tfrecord";
  WriteRecords(path, 0, 3);
  const std::string good = ReadFile(path);
  const size_t second = MakeRecord(0).ByteSizeLong() + kRecordFrameOverhead;
  // A bit in the first payload, and a bit in the second record's length.
  for (size_t pos : {size_t{14}, second + 1}) {
    SCOPED_TRACE(pos);
    std::string bytes = good;
    bytes[pos] ^= 0x10;
    WriteFile(path, bytes);
    absl::Status s = ReadRecordFile(path, [](SampleRecord) {}, nullptr);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(std::string(s.message()).find(path), std::string::npos) << s;
    const size_t frame = pos < second ? 0 : second;
    EXPECT_NE(std::string(s.message()).find(absl::StrCat("offset ", frame)), std::string::npos) << s;
    auto w = RecordWriter::OpenForAppend(path);
    EXPECT_FALSE(w.ok());  // never truncates good records after a corrupt one
    EXPECT_EQ(ReadFile(path), bytes);
  }
}

TEST(RecordFileTest, ValidFrameThatIsNotASampleRecordIsAnError) {
  const std::string path = MakeTempDir("junk") + "/a.tfrecord";
  WriteFile(path, FrameRecord("\xff\xff\xff"));
  absl::Status s = ReadRecordFile(path, [](SampleRecord) {}, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
}

TEST(RecordFileTest, MissingFileIsNotFound) {
  absl::Status s = ReadRecordFile(MakeTempDir("none") + "/x.tfrecord", [](SampleRecord) {}, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
}

TEST(RecordFileTest, SecondWriterOnOneFileIsRefused) {
  const std::string path = MakeTempDir("lock") + "/a.tfrecord";
  auto first = RecordWriter::OpenForAppend(path);
  ASSERT_TRUE(first.ok());
  auto second = RecordWriter::OpenForAppend(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  first->reset();
  EXPECT_TRUE(RecordWriter::OpenForAppend(path).ok());
}

TEST(RecordFileTest, DestructorWritesBufferedRecords) {
  const std::string path = MakeTempDir("dtor") + "/a.tfrecord";
  {
    auto w = RecordWriter::OpenForAppend(path);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(MakeRecord(1)).ok());
  }
  EXPECT_EQ(ReadIds(path, nullptr), (std::vector<std::string>{"id-1"}));
}

// Issue 14, defect 12: one flipped byte in the middle used to block every
// reader. Salvage keeps every valid record; repair sets the whole original
// aside and leaves a clean file a writer can append to.
TEST(RecordFileTest, FlippedByteInTheMiddleIsSalvagedAndRepaired) {
  const std::string path = MakeTempDir("flip") + "/records/shard-0-of-1.tfrecord";
  WriteRecords(path, 0, 20);
  std::string bytes = ReadFile(path);
  const size_t hit = bytes.size() / 2;
  bytes[hit] = static_cast<char>(bytes[hit] ^ 0x40);
  WriteFile(path, bytes);

  const absl::Status strict = ReadRecordFile(path, nullptr, nullptr);
  EXPECT_EQ(strict.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(strict.message().find("doomscope repair"), std::string::npos) << strict;

  std::vector<std::string> ids;
  ReadStats stats;
  ASSERT_TRUE(ReadRecordFile(path, [&](SampleRecord r) { ids.push_back(r.sample_id()); }, &stats,
                             ReadMode::kSalvage).ok());
  EXPECT_EQ(ids.size(), 19u);  // only the record the byte landed in is lost
  EXPECT_EQ(stats.records, 19);
  EXPECT_EQ(stats.corrupt_regions, 1);
  EXPECT_GT(stats.corrupt_bytes, 0);
  EXPECT_EQ(ids.front(), "id-0");
  EXPECT_EQ(ids.back(), "id-19");

  absl::StatusOr<RepairResult> repaired = RepairRecordFile(path);
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_EQ(repaired->stats.records, 19);
  EXPECT_EQ(ReadFile(repaired->aside_path), bytes);  // the original, every byte
  EXPECT_EQ(ReadIds(path, nullptr), ids);            // strict reading works again
  WriteRecords(path, 20, 22);                        // and so does appending
  EXPECT_EQ(ReadIds(path, nullptr).size(), 21u);
  // Nothing left to repair: untouched.
  absl::StatusOr<RepairResult> again = RepairRecordFile(path);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->aside_path.empty());
}

TEST(RecordFileTest, RepairIsRefusedWhileAWriterHoldsTheFile) {
  const std::string path = MakeTempDir("busy") + "/a.tfrecord";
  auto w = RecordWriter::OpenForAppend(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(MakeRecord(1)).ok());
  ASSERT_TRUE((*w)->Flush().ok());
  const absl::StatusOr<RepairResult> r = RepairRecordFile(path);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RecordFileTest, SalvageStillDropsATornTail) {
  const std::string path = MakeTempDir("salvage-torn") + "/a.tfrecord";
  WriteRecords(path, 0, 3);
  const std::string full = ReadFile(path);
  WriteFile(path, full.substr(0, full.size() - 5));
  ReadStats stats;
  ASSERT_TRUE(ReadRecordFile(path, nullptr, &stats, ReadMode::kSalvage).ok());
  EXPECT_EQ(stats.records, 2);
  EXPECT_GT(stats.torn_tail_bytes, 0);
  EXPECT_EQ(stats.corrupt_bytes, 0);
}

}  // namespace
}  // namespace doomscope::results
