// Scratch buffers that persist between samples (thread_local or per-worker)
// keep their capacity, which is the point for ordinary samples. After a huge
// sample that capacity would stay held, and buffers of stages that are done
// would add up under the next stage's peak; stages release a buffer that grew
// past kKeepScratchBytes as soon as they are done with it.
#ifndef DOOMSCOPE_DETECTORS_SCRATCH_H_
#define DOOMSCOPE_DETECTORS_SCRATCH_H_

#include <cstddef>

namespace doomscope {

inline constexpr size_t kKeepScratchBytes = 16u << 20;

// Frees `v`'s storage when it holds more than kKeepScratchBytes.
template <typename Container>
void ReleaseIfLarge(Container& v) {
  if (v.capacity() * sizeof(typename Container::value_type) > kKeepScratchBytes) Container().swap(v);
}

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_SCRATCH_H_
