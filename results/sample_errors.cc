#include "results/sample_errors.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "results/proto_json.h"

namespace doomscope::results {
namespace fs = std::filesystem;

std::string ErrorsDir(const std::string& dir) { return (fs::path(dir) / "errors").string(); }

std::string ShardErrorPath(const std::string& dir, int shard, int num_shards) {
  return (fs::path(ErrorsDir(dir)) / absl::StrFormat("shard-%d-of-%d.tfrecord", shard, num_shards)).string();
}

absl::StatusOr<StoredErrors> LoadSampleErrors(const std::string& dir, std::span<const SampleRecord> records,
                                              ReadMode mode) {
  StoredErrors out;
  std::error_code ec;
  const fs::path errors_dir = ErrorsDir(dir);
  if (!fs::is_directory(errors_dir, ec)) return out;
  std::vector<std::string> files;
  for (fs::directory_iterator it(errors_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".tfrecord" && it->is_regular_file()) files.push_back(it->path().string());
  }
  if (ec) return absl::UnavailableError(absl::StrCat(errors_dir.string(), ": cannot list: ", ec.message()));
  std::sort(files.begin(), files.end());

  absl::flat_hash_set<std::string_view> succeeded;
  for (const SampleRecord& r : records) succeeded.insert(r.sample_id());
  absl::flat_hash_map<std::string, size_t> index;  // sample id -> position in out.errors
  for (const std::string& file : files) {
    ReadStats stats;
    absl::Status s = ReadFramedFile(
        file,
        [&](std::string_view payload) {
          SampleError error;
          if (!error.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return false;
          ++out.frames;
          if (succeeded.contains(error.sample_id())) {
            ++out.superseded;
            return true;
          }
          auto [it, inserted] = index.try_emplace(error.sample_id(), out.errors.size());
          if (inserted) {
            out.errors.push_back(std::move(error));
          } else {
            ++out.retried;
            out.errors[it->second] = std::move(error);
          }
          return true;
        },
        "SampleError", &stats, mode);
    if (!s.ok()) return s;
    AppendReadWarnings(file, stats, "error record", &out.warnings);
  }
  return out;
}

std::vector<ErrorCell> TallyErrors(std::span<const SampleError> errors) {
  std::vector<ErrorCell> cells;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (const SampleError& e : errors) {
    auto [it, inserted] = index.try_emplace(std::make_pair(e.checkpoint(), e.task()), cells.size());
    if (inserted) cells.push_back(ErrorCell{e.checkpoint(), e.task(), 0, {}, e.message()});
    ErrorCell& cell = cells[it->second];
    ++cell.errored;
    ++cell.by_class[e.error_class().empty() ? std::string("other") : e.error_class()];
  }
  return cells;
}

json::Value ErrorCellsToJson(std::span<const ErrorCell> cells) {
  json::Array out;
  for (const ErrorCell& c : cells) {
    json::Value by_class{json::Object{}};
    for (const auto& [name, n] : c.by_class) by_class.Set(name, n);
    out.push_back(json::Object{{"checkpoint", c.checkpoint},
                               {"task", c.task},
                               {"errored", c.errored},
                               {"by_class", std::move(by_class)},
                               {"example", c.example}});
  }
  return json::Value(std::move(out));
}

json::Value SampleErrorToJson(const SampleError& error) { return MessageToJson(error); }

}  // namespace doomscope::results
