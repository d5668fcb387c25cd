// A barrier for the threads of one forward step that spins briefly and then
// yields the CPU.
//
// A step of a small model crosses a barrier every few microseconds, so
// waiting must not sleep (a futex wake costs more than the work between
// barriers). But spinning for long is worse on a busy machine: the thread
// being waited for may be off the CPU, and a spinning waiter only delays it.
// So: spin with `pause` for a few microseconds, then call sched_yield.
#ifndef DOOMSCOPE_ENGINE_SPIN_BARRIER_H_
#define DOOMSCOPE_ENGINE_SPIN_BARRIER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace doomscope::engine {

class SpinBarrier {
 public:
  explicit SpinBarrier(int threads) : threads_(threads) {}

  // Blocks until all `threads` threads have called Wait; reusable at once.
  // Everything written before Wait by any thread is visible after it.
  void Wait() {
    if (threads_ <= 1) return;
    const int generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == threads_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_acq_rel);
      return;
    }
    for (int spins = 0; spins < kSpins; ++spins) {
      if (generation_.load(std::memory_order_acquire) != generation) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    // Someone is late, most likely off the CPU: give the CPU away, and keep
    // count of the time, which tells the caller the machine is oversubscribed.
    const auto start = std::chrono::steady_clock::now();
    while (generation_.load(std::memory_order_acquire) == generation) std::this_thread::yield();
    yielded_ns_.fetch_add(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count(),
        std::memory_order_relaxed);
  }

  // Total time threads spent waiting past the spin phase.
  int64_t yielded_ns() const { return yielded_ns_.load(std::memory_order_relaxed); }

 private:
  static constexpr int kSpins = 2000;
  const int threads_;
  alignas(64) std::atomic<int> arrived_{0};
  alignas(64) std::atomic<int> generation_{0};
  std::atomic<int64_t> yielded_ns_{0};
};

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_SPIN_BARRIER_H_
