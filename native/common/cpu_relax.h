// The spin-wait hint of busy polling on every architecture the prebuilds cover (x64, arm64).
#pragma once

namespace ringsock {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

}  // namespace ringsock
