#include "runners/record_sink.h"

#include "absl/strings/str_cat.h"
#include "runners/clock.h"

namespace doomscope {

RecordSink::RecordSink(results::RecordWriter* writer, Progress* progress, Options options)
    : writer_(writer), progress_(progress), options_(options), last_flush_s_(NowSeconds()) {
  if (options_.capacity < 1) options_.capacity = 1;
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { Work(); });
}

RecordSink::~RecordSink() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void RecordSink::Begin(int checkpoint, Builder builder) {
  std::lock_guard<std::mutex> lock(mu_);
  checkpoint_ = checkpoint;
  builder_ = std::move(builder);
}

void RecordSink::Submit(BackendResult result) {
  std::unique_lock<std::mutex> lock(mu_);
  not_full_.wait(lock, [&] { return queue_.size() < options_.capacity || stopping_; });
  if (stopping_) return;
  queue_.push_back(std::move(result));
  lock.unlock();
  not_empty_.notify_one();
}

absl::Status RecordSink::Drain() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [&] { return queue_.empty() && busy_ == 0; });
  }
  std::lock_guard<std::mutex> lock(write_mu_);
  if (error_.ok() && errors_unflushed_) {
    error_ = errors_writer_->Flush();
    errors_unflushed_ = false;
  }
  return error_;
}

int64_t RecordSink::stored() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return stored_;
}

int64_t RecordSink::errored() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return errored_;
}

std::vector<std::string> RecordSink::failures() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return failures_;
}

void RecordSink::Work() {
  while (true) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping
    BackendResult result = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    Builder builder = builder_;
    lock.unlock();
    not_full_.notify_one();
    bool dropped;
    {
      std::lock_guard<std::mutex> write_lock(write_mu_);
      dropped = !error_.ok();
    }
    // The detectors and the scorer run here, outside both locks.
    if (!dropped) Store(builder(std::move(result)));
    lock.lock();
    --busy_;
    const bool idle = queue_.empty() && busy_ == 0;
    lock.unlock();
    if (idle) idle_.notify_all();
  }
}

void RecordSink::Store(Built built) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (const SampleError* error = std::get_if<SampleError>(&built)) {
    StoreError(*error);
  } else {
    StoreRecord(std::get<SampleRecord>(built));
  }
}

void RecordSink::StoreError(const SampleError& error) {
  failures_.push_back(absl::StrCat("sample ", error.sample_id(), " (checkpoint \"", error.checkpoint(), "\" task \"",
                                   error.task(), "\" item \"", error.item_id(), "\"): ", error.error_class(), ": ",
                                   error.message()));
  if (!error_.ok() || options_.errors_path.empty()) return;
  if (errors_writer_ == nullptr) {
    absl::StatusOr<std::unique_ptr<results::RecordWriter>> opened =
        results::RecordWriter::OpenForAppend(options_.errors_path);
    if (!opened.ok()) {
      error_ = opened.status();
      return;
    }
    errors_writer_ = *std::move(opened);
  }
  error_ = errors_writer_->AppendMessage(error);
  if (!error_.ok()) return;
  ++errored_;
  errors_unflushed_ = true;
}

void RecordSink::StoreRecord(const SampleRecord& record) {
  if (!error_.ok()) return;
  error_ = writer_->Append(record);
  if (!error_.ok()) return;
  ++stored_;
  ++unflushed_;
  const double now = NowSeconds();
  if (unflushed_ >= options_.flush_every || now - last_flush_s_ >= options_.flush_seconds) {
    error_ = writer_->Flush();
    unflushed_ = 0;
    last_flush_s_ = now;
  }
  if (progress_ != nullptr) progress_->Add(checkpoint_, record.findings().verdict().doom_loop());
}

}  // namespace doomscope
