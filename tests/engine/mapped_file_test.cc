// MappedFile::Open refuses what is not a regular file before it can block:
// a FIFO path used to hang `generate --model` forever (issue 14, defects 5
// and 6), and a folder must say it is one.
#include "engine/mapped_file.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>

#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope::engine {
namespace {

using ::doomscope::testing::MakeTempDir;
using ::doomscope::testing::WriteFile;

absl::Status OpenWithin10s(const std::string& path) {
  auto future = std::async(std::launch::async, [&] { return MappedFile::Open(path).status(); });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << path << ": MappedFile::Open blocked";
    std::_Exit(1);  // the blocked thread cannot be joined
  }
  return future.get();
}

TEST(MappedFileTest, FifoIsRefusedWithoutBlocking) {
  const std::string fifo = MakeTempDir("mapfifo") + "/model.gguf";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const absl::Status st = OpenWithin10s(fifo);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("is a FIFO"), std::string::npos) << st;
}

TEST(MappedFileTest, FolderSaysIsADirectory) {
  const std::string dir = MakeTempDir("mapdir");
  const absl::Status st = OpenWithin10s(dir);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("is a directory"), std::string::npos) << st;
}

TEST(MappedFileTest, RegularFileMaps) {
  const std::string path = MakeTempDir("mapok") + "/f.bin";
  WriteFile(path, "abc");
  auto f = MappedFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->size(), 3u);
}

}  // namespace
}  // namespace doomscope::engine
