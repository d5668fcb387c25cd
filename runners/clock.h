// The two clocks the runner reads: a steady one for durations and flush
// intervals, the wall clock for the times stored in records and votes.
#ifndef DOOMSCOPE_RUNNERS_CLOCK_H_
#define DOOMSCOPE_RUNNERS_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace doomscope {

// Seconds on the steady clock (only differences mean anything).
inline double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Milliseconds since the Unix epoch.
inline int64_t UnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace doomscope

#endif  // DOOMSCOPE_RUNNERS_CLOCK_H_
