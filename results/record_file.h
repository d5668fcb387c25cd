// Append-only SampleRecord files with TFRecord framing:
//
//   uint64 length (little endian) | uint32 masked CRC32C(length bytes) |
//   payload (serialized SampleRecord) | uint32 masked CRC32C(payload)
//
// Invariant: a file is a sequence of valid frames, optionally followed by a
// torn tail left by a crash mid-write. A torn tail is (a) fewer bytes than a
// header, (b) a header whose CRC fails and only zero bytes from there on (a
// file system zero-filled the unwritten end), (c) a frame longer than what
// is left, or (d) the very last frame with a bad payload CRC. Anything else
// that fails a check is corruption in the middle and an error: good records
// after a bad one are never silently dropped.
#ifndef DOOMSCOPE_RESULTS_RECORD_FILE_H_
#define DOOMSCOPE_RESULTS_RECORD_FILE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message_lite.h"
#include "results/proto/record.pb.h"

namespace doomscope::results {

// Frame overhead: 8 length + 4 length CRC + 4 payload CRC.
inline constexpr int64_t kRecordFrameOverhead = 16;

class RecordWriter {
 public:
  // Opens (creating the file and its folder if needed) for append, holding an
  // exclusive advisory lock so two processes never interleave frames in one
  // file. If the file ends in a torn record, that tail is truncated away first
  // (counted in dropped_bytes()) so new records never follow garbage.
  // Corruption in the middle of the file is an error naming file and offset.
  static absl::StatusOr<std::unique_ptr<RecordWriter>> OpenForAppend(const std::string& path);

  ~RecordWriter();  // writes (without fsync) what is still buffered
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Frames `record` into the buffer; the buffer is written out (not synced)
  // once it passes a few MiB.
  absl::Status Append(const SampleRecord& record);
  // Any other message (jury votes use the same framing and durability).
  absl::Status AppendMessage(const google::protobuf::MessageLite& message);
  // Writes the buffer and fdatasyncs: every record appended so far is durable.
  absl::Status Flush();

  int64_t dropped_bytes() const { return dropped_bytes_; }
  const std::string& path() const { return path_; }

 private:
  RecordWriter(std::string path, int fd, int64_t dropped) : path_(std::move(path)), fd_(fd), dropped_bytes_(dropped) {}
  absl::Status WriteBuffer();

  std::string path_;
  int fd_ = -1;
  int64_t dropped_bytes_ = 0;
  std::string buffer_;
};

struct ReadStats {
  int64_t records = 0;
  int64_t torn_tail_bytes = 0;
  // Salvage only: bytes skipped as corrupt, in how many places.
  int64_t corrupt_bytes = 0;
  int64_t corrupt_regions = 0;
};

enum class ReadMode {
  kStrict,   // corruption in the middle is an error
  kSalvage,  // skip corrupt regions (counted in ReadStats), keep every valid record
};

// Calls `fn` with every valid record in file order. A torn tail is dropped and
// counted in `stats` (which may be null). Corruption in the middle, or a frame
// whose payload is not a SampleRecord, is an error "PATH: offset N: ..." in
// kStrict mode; in kSalvage mode reading resumes at the next valid frame.
absl::Status ReadRecordFile(const std::string& path, const std::function<void(SampleRecord)>& fn,
                            ReadStats* stats, ReadMode mode = ReadMode::kStrict);

// The warnings a reader reports for what a read of `path` dropped: a torn
// last frame ("dropped a torn last <what> (N bytes; a crash mid-write)") and
// skipped corrupt regions. Appended to `warnings`.
void AppendReadWarnings(const std::string& path, const ReadStats& stats, std::string_view what,
                        std::vector<std::string>* warnings);

struct RepairResult {
  ReadStats stats;          // what the salvage kept and skipped
  std::string aside_path;   // the original file, kept whole ("" when nothing was wrong)
};

// The same for files of any other message type: `parse` turns one payload
// into the caller's message (false = not one: corrupt in kStrict mode, skipped
// in kSalvage mode); `type_name` names the type in errors.
absl::Status ReadFramedFile(const std::string& path, const std::function<bool(std::string_view payload)>& parse,
                            std::string_view type_name, ReadStats* stats, ReadMode mode = ReadMode::kStrict);

// Rewrites a record file that has corruption in the middle so that it holds
// exactly its valid records, in order (a torn tail is dropped as usual). The
// original file is first copied aside, whole, to PATH.corrupt-N (synced), so
// no byte is lost; the clean file replaces PATH atomically. Refused while a
// writer holds the file. A file with nothing to repair is left untouched.
absl::StatusOr<RepairResult> RepairRecordFile(const std::string& path);

// Frames one serialized payload (exposed for tests and tools that write
// record files of their own).
std::string FrameRecord(const std::string& payload);

}  // namespace doomscope::results

#endif  // DOOMSCOPE_RESULTS_RECORD_FILE_H_
