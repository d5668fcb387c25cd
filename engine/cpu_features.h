// What the host CPU can run, read once from CPUID (through GCC's
// __builtin_cpu_supports, which also checks that the OS saves the wider
// register state), and the instruction-set level the kernels use.
//
// The default build is portable x86-64: ISA-specific kernels live in their own
// translation units (engine/kernels/*_avx2.cc, *_avx512.cc) compiled with their
// own -m flags and are only called after this check.
#ifndef DOOMSCOPE_ENGINE_CPU_FEATURES_H_
#define DOOMSCOPE_ENGINE_CPU_FEATURES_H_

#include <string_view>

#include "absl/status/statusor.h"

namespace doomscope::engine {

enum class CpuVendor { kOther, kIntel, kAmd };

struct CpuFeatures {
  CpuVendor vendor = CpuVendor::kOther;  // CPUID leaf 0's vendor string
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
};

const CpuFeatures& HostCpuFeatures();
const char* CpuVendorName(CpuVendor v);  // "intel", "amd", "other"

// Kernel instruction-set levels, lowest first.
enum class Isa { kScalar, kAvx2, kAvx512 };

const char* IsaName(Isa isa);
// "scalar", "avx2", "avx512".
absl::StatusOr<Isa> ParseIsa(std::string_view name);
// Whether this CPU can run kernels of level `isa`. kAvx2 needs AVX2+FMA+F16C;
// kAvx512 needs AVX-512 F/BW/VL/DQ (plus the AVX2 set).
bool IsaSupported(Isa isa);
// The highest supported level, lowered by the environment variable
// DOOMSCOPE_ISA (scalar|avx2|avx512) when set to a supported level, so a run
// can be pinned to a path for comparison. Read once.
Isa DefaultIsa();

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_CPU_FEATURES_H_
