// Helpers shared by the test suites: where ../shared and the doomscope binary
// are, scratch folders, and running the binary as a user would.
#ifndef DOOMSCOPE_TESTS_TEST_SUPPORT_H_
#define DOOMSCOPE_TESTS_TEST_SUPPORT_H_

#include <string>
#include <string_view>

namespace doomscope::testing {

// Path of `relative` inside the shared folder ($DOOMSCOPE_SHARED, else the
// checkout's ../shared). A missing file is a loud test failure, never a skip:
// CI always has ../shared beside the clone.
std::string SharedPath(std::string_view relative);

// The doomscope binary under test ($DOOMSCOPE_BIN, else the build's).
std::string DoomscopeBinary();

// A new empty folder under the test temp dir, unique per call.
std::string MakeTempDir(std::string_view hint = "t");

// Reads / writes a whole file (test failure on error).
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, std::string_view contents);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  double peak_rss_bytes = 0;  // the command's peak resident memory
};
// Runs `doomscope ARGS` through /bin/sh (args are shell-quoted by the caller
// where needed) and captures its output and exit code.
CommandResult RunDoomscope(std::string_view args);

}  // namespace doomscope::testing

#endif  // DOOMSCOPE_TESTS_TEST_SUPPORT_H_
