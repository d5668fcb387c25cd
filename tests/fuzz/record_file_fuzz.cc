// fuzz-link: doomscope_results
// libFuzzer target: arbitrary bytes as a record file. Strict reading either
// fails or yields records; salvage never fails on content and keeps at least
// what strict reading keeps; repair leaves a file that reads strictly.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "results/record_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace doomscope::results;
  static const std::string dir = "/tmp/doomscope-record-fuzz-" + std::to_string(getpid());
  static const bool made = std::filesystem::create_directories(dir) || true;
  (void)made;
  const std::string path = dir + "/r.tfrecord";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  ReadStats strict, salvage;
  const absl::Status s = ReadRecordFile(path, nullptr, &strict, ReadMode::kStrict);
  if (!ReadRecordFile(path, nullptr, &salvage, ReadMode::kSalvage).ok()) std::abort();
  if (s.ok() && salvage.records != strict.records) std::abort();
  absl::StatusOr<RepairResult> r = RepairRecordFile(path);
  if (r.ok()) {
    ReadStats after;
    if (!ReadRecordFile(path, nullptr, &after, ReadMode::kStrict).ok()) std::abort();
    if (after.records != r->stats.records) std::abort();
  }
  return 0;
}
