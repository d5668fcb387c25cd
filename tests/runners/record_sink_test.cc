// RecordSink: the decode thread only queues; records are built and stored on
// the sink's threads, each exactly once, failures stored as error records,
// and a write error stops storing.
#include "runners/record_sink.h"

#include <condition_variable>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace doomscope {
namespace {

BackendResult Result(size_t index) {
  BackendResult r;
  r.index = index;
  r.text = absl::StrCat("sample ", index);
  return r;
}

// A builder that waits until released: while it waits, nothing is stored.
class Gate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return open_; });
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

std::vector<SampleRecord> ReadBack(const std::string& path) {
  std::vector<SampleRecord> out;
  EXPECT_TRUE(results::ReadRecordFile(path, [&](SampleRecord r) { out.push_back(std::move(r)); }, nullptr).ok());
  return out;
}

TEST(RecordSinkTest, SubmitNeverWaitsForBookkeepingAndStoresEachResultOnce) {
  const std::string dir = testing::MakeTempDir("sink");
  const std::string path = dir + "/shard.tfrecord";
  auto writer = results::RecordWriter::OpenForAppend(path);
  ASSERT_TRUE(writer.ok());
  Gate gate;
  RecordSink::Options options;
  options.workers = 2;
  options.capacity = 64;
  options.flush_every = 3;
  options.errors_path = dir + "/errors/shard.tfrecord";
  {
    RecordSink sink(writer->get(), nullptr, options);
    sink.Begin(0, [&](BackendResult r) -> RecordSink::Built {
      gate.Wait();  // stands in for detectors, scoring and a slow disk
      if (r.index % 10 == 7) {
        SampleError error;
        error.set_sample_id(absl::StrCat("id-", r.index));
        error.set_error_class("http 500");
        error.set_message(absl::StrCat("sample ", r.index, " failed"));
        return error;
      }
      SampleRecord record;
      record.set_sample_id(absl::StrCat("id-", r.index));
      record.set_text(r.text);
      return record;
    });
    // Every Submit returns although no record can be built yet: the caller
    // (the decode thread) is never held by bookkeeping while the queue has room.
    for (size_t i = 0; i < 40; ++i) sink.Submit(Result(i));
    EXPECT_EQ(sink.stored(), 0);
    gate.Open();
    ASSERT_TRUE(sink.Drain().ok());
    EXPECT_EQ(sink.stored(), 36);
    EXPECT_EQ(sink.errored(), 4);
    ASSERT_EQ(sink.failures().size(), 4u);
    EXPECT_NE(sink.failures()[0].find("http 500: sample "), std::string::npos) << sink.failures()[0];
  }
  // The failed samples are error records, durable once Drain returned, and
  // never among the sample records.
  std::set<std::string> errored;
  ASSERT_TRUE(results::ReadFramedFile(
                  options.errors_path,
                  [&](std::string_view payload) {
                    SampleError e;
                    if (!e.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return false;
                    errored.insert(e.sample_id());
                    return true;
                  },
                  "SampleError", nullptr)
                  .ok());
  EXPECT_EQ(errored, (std::set<std::string>{"id-7", "id-17", "id-27", "id-37"}));
  ASSERT_TRUE((*writer)->Flush().ok());
  const std::vector<SampleRecord> records = ReadBack(path);
  ASSERT_EQ(records.size(), 36u);
  std::set<std::string> ids;
  for (const SampleRecord& r : records) ids.insert(r.sample_id());
  EXPECT_EQ(ids.size(), 36u);  // each once, in whatever order the workers finished
  EXPECT_EQ(ids.count("id-7"), 0u);
}

TEST(RecordSinkTest, AFullQueueHoldsTheProducerUntilThereIsRoom) {
  const std::string path = testing::MakeTempDir("sink") + "/shard.tfrecord";
  auto writer = results::RecordWriter::OpenForAppend(path);
  ASSERT_TRUE(writer.ok());
  RecordSink::Options options;
  options.workers = 1;
  options.capacity = 2;
  RecordSink sink(writer->get(), nullptr, options);
  sink.Begin(0, [](BackendResult r) -> RecordSink::Built {
    SampleRecord record;
    record.set_sample_id(absl::StrCat("id-", r.index));
    return record;
  });
  for (size_t i = 0; i < 100; ++i) sink.Submit(Result(i));  // bounded memory, nothing lost
  ASSERT_TRUE(sink.Drain().ok());
  EXPECT_EQ(sink.stored(), 100);
}

}  // namespace
}  // namespace doomscope
