#include "tests/test_support.h"

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace doomscope::testing {
namespace fs = std::filesystem;

std::string SharedPath(std::string_view relative) {
  const char* env = std::getenv("DOOMSCOPE_SHARED");
  std::string root = (env != nullptr && *env != '\0') ? env : DOOMSCOPE_SHARED_DEFAULT;
  std::string path = absl::StrCat(root, "/", std::string(relative));
  if (!fs::exists(path)) {
    ADD_FAILURE() << "shared test asset missing: " << path
                  << " (set DOOMSCOPE_SHARED or put the shared folder beside the checkout)";
  }
  return path;
}

std::string DoomscopeBinary() {
  const char* env = std::getenv("DOOMSCOPE_BIN");
  return (env != nullptr && *env != '\0') ? env : DOOMSCOPE_BIN_DEFAULT;
}

std::string MakeTempDir(std::string_view hint) {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("TEST_TMPDIR");
  fs::path root = (base != nullptr && *base != '\0') ? fs::path(base) : fs::temp_directory_path();
  fs::path dir = root / absl::StrCat("doomscope-", std::string(hint), "-", getpid(), "-", counter++);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(out.good()) << "cannot write " << path;
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

CommandResult RunDoomscope(std::string_view args) {
  std::string dir = MakeTempDir("run");
  std::string out_path = dir + "/stdout", err_path = dir + "/stderr";
  std::string cmd = absl::StrCat(DoomscopeBinary(), " ", std::string(args), " >", out_path, " 2>", err_path, " </dev/null");
  // wait4 rather than std::system: its rusage is this command's alone, where
  // getrusage(RUSAGE_CHILDREN) would report the largest of every command the
  // test binary ran before.
  const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
  pid_t pid = 0;
  CommandResult r;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0) {
    ADD_FAILURE() << "cannot start /bin/sh for: " << cmd;
    return r;
  }
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  fs::remove_all(dir);
  return r;
}

}  // namespace doomscope::testing
