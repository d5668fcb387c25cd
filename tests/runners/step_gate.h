// Holds serve-model's engine thread at chosen steps (EngineLoopOptions::
// before_step) until the test releases them, so a test can act "while a
// sequence runs" without racing the clock. A hold left unreleased gives way
// after 60 s, so a broken test fails instead of hanging.
#ifndef DOOMSCOPE_TESTS_RUNNERS_STEP_GATE_H_
#define DOOMSCOPE_TESTS_RUNNERS_STEP_GATE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace doomscope::serve {

class StepGate {
 public:
  // Steps to hold at.
  void Hold(int64_t step) { holds_[step] = Hold_{}; }

  // The hook, for EngineLoopOptions::before_step (the gate must outlive the loop).
  static std::function<void(int64_t)> Hook(std::shared_ptr<StepGate> gate) {
    return [gate](int64_t step) { gate->At(step); };
  }

  // Waits until the engine is held at `step`; false after 60 s.
  bool WaitHeld(int64_t step) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return holds_[step].reached; });
  }
  void Release(int64_t step) {
    std::lock_guard<std::mutex> lock(mu_);
    holds_[step].released = true;
    cv_.notify_all();
  }

 private:
  struct Hold_ {
    bool reached = false;
    bool released = false;
  };
  void At(int64_t step) {
    std::unique_lock<std::mutex> lock(mu_);
    auto it = holds_.find(step);
    if (it == holds_.end()) return;
    it->second.reached = true;
    cv_.notify_all();
    cv_.wait_for(lock, std::chrono::seconds(60), [&] { return it->second.released; });
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int64_t, Hold_> holds_;  // set before the loop starts; then under mu_
};

}  // namespace doomscope::serve

#endif  // DOOMSCOPE_TESTS_RUNNERS_STEP_GATE_H_
