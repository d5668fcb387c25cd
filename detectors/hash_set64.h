// A minimal open-addressing set of 64-bit hashes with a count per key, reused
// across samples so the n-gram passes allocate nothing in steady state.
// Callers pass hashes that are already well mixed.
#ifndef DOOMSCOPE_DETECTORS_HASH_SET64_H_
#define DOOMSCOPE_DETECTORS_HASH_SET64_H_

#include <cstdint>
#include <cstring>
#include <vector>

namespace doomscope {

class HashSet64 {
 public:
  // Empties the set and makes room for `n` keys at load <= 1/2 (<= 3/4 past
  // a million keys: linear probing stays short there, and the table of a
  // huge sample is the detectors' largest buffer).
  void Reset(size_t n) {
    const size_t room = n > (size_t{1} << 20) ? n + n / 3 : 2 * n;
    size_t cap = 16;
    while (cap < room) cap <<= 1;
    if (keys_.size() < cap) {
      keys_.resize(cap);
      counts_.resize(cap);
    }
    // Only the first `cap` slots are used, so only they need clearing: a
    // small sample after a huge one costs O(small).
    std::memset(keys_.data(), 0, cap * sizeof(uint64_t));
    mask_ = cap - 1;
    size_ = 0;
  }

  // Adds one occurrence of `key`; returns its count after the addition.
  uint32_t Add(uint64_t key) {
    if (key == 0) key = 0x9E3779B97F4A7C15ull;  // 0 marks an empty slot
    size_t i = static_cast<size_t>(key) & mask_;
    while (true) {
      if (keys_[i] == key) return ++counts_[i];
      if (keys_[i] == 0) {
        keys_[i] = key;
        counts_[i] = 1;
        ++size_;
        return 1;
      }
      i = (i + 1) & mask_;
    }
  }

  size_t size() const { return size_; }

  // Frees the storage once it passes `max_bytes` (a huge sample grew it).
  void ReleaseIfLarger(size_t max_bytes) {
    if (keys_.capacity() * (sizeof(uint64_t) + sizeof(uint32_t)) <= max_bytes) return;
    std::vector<uint64_t>().swap(keys_);
    std::vector<uint32_t>().swap(counts_);
    mask_ = 0;
    size_ = 0;
  }

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> counts_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// splitmix64's finalizer: spreads every input bit over the whole word.
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

}  // namespace doomscope

#endif  // DOOMSCOPE_DETECTORS_HASH_SET64_H_
