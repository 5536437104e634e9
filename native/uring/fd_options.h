// The calls on a kernel socket's fd that the TCP and UDP transports answer alike: addresses
// and int options, 0 (or the value) or -errno; -EBADF once closed.
#pragma once
#include <fcntl.h>
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

// Adopting a caller's socket (bind({fd}), a cluster worker's handle): it must be an IPv4/IPv6
// socket of `type` (Unix sockets stay libuv's); it is made non-blocking and, with dup, replaced
// by a close-on-exec duplicate so the caller keeps its own. Gives the fd to own and its address.
inline int AdoptFd(int ofd, int type, bool dup, int* out_fd, sockaddr_storage* ss) {
  int got = 0;
  socklen_t tlen = sizeof got;
  if (getsockopt(ofd, SOL_SOCKET, SO_TYPE, &got, &tlen)) return NegErrno();
  if (got != type) return -EINVAL;
  socklen_t len = sizeof *ss;
  if (getsockname(ofd, reinterpret_cast<sockaddr*>(ss), &len)) return NegErrno();
  if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6) return -EINVAL;
  int flags = fcntl(ofd, F_GETFL);
  if (flags < 0 || fcntl(ofd, F_SETFL, flags | O_NONBLOCK)) return NegErrno();
  if (dup && (ofd = fcntl(ofd, F_DUPFD_CLOEXEC, 0)) < 0) return NegErrno();
  *out_fd = ofd;
  return 0;
}

}  // namespace ringsock::uring
