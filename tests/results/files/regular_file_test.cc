// The file leaf: what a user names as a file is checked before anything can
// block (a FIFO), and a folder is called a folder (issue 14, defects 5 and 6).
#include "results/files/regular_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::WriteFile;

// Runs `fn` on a thread and fails the test (instead of hanging) if it does
// not return within a few seconds.
template <typename Fn>
auto WithinSeconds(Fn fn) {
  auto future = std::async(std::launch::async, fn);
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "blocked: the call did not return within 10 s";
    std::_Exit(1);  // the blocked thread cannot be joined
  }
  return future.get();
}

TEST(RegularFileTest, FifoIsRefusedWithoutBlocking) {
  const std::string fifo = MakeTempDir("fifo") + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const absl::Status open = WithinSeconds([&] { return OpenRegularFile(fifo).status(); });
  EXPECT_EQ(open.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(open.message().find(fifo + ": is a FIFO, not a regular file"), std::string::npos) << open;
  std::string text;
  EXPECT_FALSE(WithinSeconds([&] { return ReadFileToString(fifo, &text); }).ok());
  EXPECT_FALSE(WithinSeconds([&] { return LineReader::Open(fifo).status(); }).ok());
}

TEST(RegularFileTest, FolderSaysIsADirectory) {
  const std::string dir = MakeTempDir("dir");
  std::string text;
  const absl::Status st = ReadFileToString(dir, &text);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find(dir + ": is a directory"), std::string::npos) << st;
}

TEST(RegularFileTest, DevicesAndMissingFilesAreNamed) {
  std::string text;
  const absl::Status dev = ReadFileToString("/dev/zero", &text);
  EXPECT_NE(dev.message().find("is a character device"), std::string::npos) << dev;
  const absl::Status missing = ReadFileToString("/nonexistent/doomscope/x", &text);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("/nonexistent/doomscope/x"), std::string::npos);
}

TEST(RegularFileTest, ReadsWholeFilesWithinALimit) {
  const std::string path = MakeTempDir("read") + "/f.txt";
  WriteFile(path, "hello\nworld");
  std::string text;
  ASSERT_TRUE(ReadFileToString(path, &text).ok());
  EXPECT_EQ(text, "hello\nworld");
  const absl::Status big = ReadFileToString(path, &text, 4);
  EXPECT_EQ(big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(big.message().find("more than the limit of 4"), std::string::npos) << big;
}

TEST(RegularFileTest, LineReaderSplitsLinesAcrossChunks) {
  const std::string path = MakeTempDir("lines") + "/f.txt";
  const std::string long_line(5 << 20, 'x');  // longer than a read chunk and the copy threshold
  WriteFile(path, "a\r\n\n" + long_line + "\nlast");
  absl::StatusOr<LineReader> r = LineReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> lines;
  std::string line;
  while (true) {
    absl::StatusOr<bool> more = r->Next(&line);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "a\r");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], long_line);
  EXPECT_EQ(lines[3], "last");
  EXPECT_EQ(r->line_number(), 4);
}

TEST(RegularFileTest, OverLongLineIsAnErrorNamingIt) {
  const std::string path = MakeTempDir("longline") + "/f.jsonl";
  WriteFile(path, "short\n" + std::string(3000, 'y') + "\n");
  absl::StatusOr<LineReader> r = LineReader::Open(path, 1000);
  ASSERT_TRUE(r.ok());
  std::string line;
  ASSERT_TRUE(*r->Next(&line));
  const absl::StatusOr<bool> second = r->Next(&line);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(path + ":2: line longer than 1000 bytes"), std::string::npos)
      << second.status();
}

}  // namespace
}  // namespace doomscope
