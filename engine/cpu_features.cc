#include "engine/cpu_features.h"

#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "absl/strings/str_cat.h"

namespace doomscope::engine {

const CpuFeatures& HostCpuFeatures() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    unsigned max_leaf = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(0, &max_leaf, &ebx, &ecx, &edx) != 0) {
      char name[13] = {};
      std::memcpy(name, &ebx, 4);
      std::memcpy(name + 4, &edx, 4);
      std::memcpy(name + 8, &ecx, 4);
      if (std::strcmp(name, "GenuineIntel") == 0) f.vendor = CpuVendor::kIntel;
      if (std::strcmp(name, "AuthenticAMD") == 0) f.vendor = CpuVendor::kAmd;
    }
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    // F16C from CPUID leaf 1, ECX bit 29: clang 14 (Debian 12) has no "f16c"
    // for __builtin_cpu_supports, and the fuzz build uses clang.
    unsigned eax1 = 0, ebx1 = 0, ecx1 = 0, edx1 = 0;
    f.f16c = __get_cpuid(1, &eax1, &ebx1, &ecx1, &edx1) != 0 && (ecx1 & (1u << 29)) != 0;
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512bw = __builtin_cpu_supports("avx512bw");
    f.avx512vl = __builtin_cpu_supports("avx512vl");
    f.avx512dq = __builtin_cpu_supports("avx512dq");
    f.avx512vnni = __builtin_cpu_supports("avx512vnni");
    f.avx512bf16 = __builtin_cpu_supports("avx512bf16");
#endif
    return f;
  }();
  return features;
}

const char* CpuVendorName(CpuVendor v) {
  switch (v) {
    case CpuVendor::kIntel: return "intel";
    case CpuVendor::kAmd: return "amd";
    case CpuVendor::kOther: break;
  }
  return "other";
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "?";
}

absl::StatusOr<Isa> ParseIsa(std::string_view name) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (name == IsaName(isa)) return isa;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown instruction set '", std::string(name), "' (scalar, avx2, avx512)"));
}

bool IsaSupported(Isa isa) {
  const CpuFeatures& f = HostCpuFeatures();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return avx2;
    case Isa::kAvx512: return avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  }
  return false;
}

Isa DefaultIsa() {
  static const Isa isa = [] {
    Isa best = Isa::kScalar;
    for (Isa candidate : {Isa::kAvx2, Isa::kAvx512}) {
      if (IsaSupported(candidate)) best = candidate;
    }
    if (const char* env = std::getenv("DOOMSCOPE_ISA"); env != nullptr && *env != '\0') {
      absl::StatusOr<Isa> wanted = ParseIsa(env);
      if (wanted.ok() && IsaSupported(*wanted) && static_cast<int>(*wanted) < static_cast<int>(best)) {
        best = *wanted;
      }
    }
    return best;
  }();
  return isa;
}

}  // namespace doomscope::engine
