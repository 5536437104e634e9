// The -errno convention (DESIGN.md decision 4): negative errno equals libuv's UV_E* on Linux.
#pragma once
#include <cerrno>

namespace ringsock {

constexpr int kUvEof = -4095;  // UV_EOF

inline int NegErrno() { return errno ? -errno : -EIO; }

}  // namespace ringsock
