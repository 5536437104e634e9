// Prebuilt (static) builds only. Debian's libbpf.a and libxdp.a are position-independent
// executables' code: their default log functions read glibc's `stderr` PC-relatively, which a
// shared object cannot do with a symbol of libc.so. scripts/prebuild.sh renames that reference
// in copies of both archives to ringsock_stderr, defined here inside the addon, holding glibc's.
#include <cstdio>

extern "C" {
__attribute__((visibility("hidden"))) FILE* ringsock_stderr = nullptr;
}

namespace {
// Runs when the addon is loaded, before any libbpf or libxdp call can log.
__attribute__((constructor)) void CopyStderr() { ringsock_stderr = stderr; }
}  // namespace
