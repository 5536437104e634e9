// The calls on a kernel socket's fd that the TCP and UDP transports answer alike: addresses
// and int options, 0 (or the value) or -errno; -EBADF once closed.
#pragma once
#include <sys/socket.h>
#include "common/errno.h"

namespace ringsock::uring {

inline int FdAddress(int fd, bool peer, sockaddr_storage* out, socklen_t* len) {
  if (fd < 0) return -EBADF;
  *len = sizeof *out;
  int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(out), len)
                : getsockname(fd, reinterpret_cast<sockaddr*>(out), len);
  return rc ? NegErrno() : 0;
}

inline int FdSetInt(int fd, int level, int name, int value) {
  if (fd < 0) return -EBADF;
  return setsockopt(fd, level, name, &value, sizeof value) ? NegErrno() : 0;
}

inline int FdGetInt(int fd, int level, int name, int* value) {
  if (fd < 0) return -EBADF;
  socklen_t len = sizeof *value;
  return getsockopt(fd, level, name, value, &len) ? NegErrno() : 0;
}

}  // namespace ringsock::uring
