#pragma once
// A small, fast, seedable pseudo-random generator with the same stream on every platform
// and standard library (std::uniform_*_distribution is implementation-defined, so results
// drawn through it would differ between libstdc++ and libc++ for the same seed).
#include <cstdint>

namespace tb {

// xoshiro256** (Blackman & Vigna, 2018), state filled from the seed by splitmix64 as its
// authors recommend. Not for cryptography.
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed) {
    for (auto& word : state_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in the open interval (0, 1): never exactly 0 or 1, so it can be fed to
  // inverse CDFs and logarithms directly.
  double open01() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t state_[4];
};

}  // namespace tb
