#include "results/run_repair.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "results/run_dir.h"

namespace doomscope::results {

absl::StatusOr<std::vector<RepairedFile>> RepairRunDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string records = RecordsDir(dir);
  if (!fs::is_directory(records, ec)) return absl::NotFoundError(absl::StrCat(dir, ": no records folder"));
  std::vector<std::string> files;
  for (fs::directory_iterator it(records, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".tfrecord" && it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  if (ec) return absl::UnavailableError(absl::StrCat(records, ": ", ec.message()));
  std::sort(files.begin(), files.end());
  std::vector<RepairedFile> out;
  for (const std::string& file : files) {
    absl::StatusOr<RepairResult> r = RepairRecordFile(file);
    if (!r.ok()) return r.status();
    out.push_back(RepairedFile{file, *std::move(r)});
  }
  return out;
}

}  // namespace doomscope::results
