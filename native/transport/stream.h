// The contract between the JS layer (native/js/tcp_socket.cc) and a stream transport: kernel
// TCP on io_uring today (uring/tcp_transport.h), a userspace TCP over AF_XDP next. Plain C++:
// no N-API, every call answers 0 or -errno (libuv's UV_E* on Linux), and news (connect done,
// connections, bytes, the end, write completions, shutdown done) is gathered without calling
// anyone, and the owner takes it when the engine delivers (StreamOwner::DeliverNews).
#pragma once
#include <sys/socket.h>
#include <sys/uio.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>
#include "transport/counters.h"

namespace ringsock::transport {

class StreamTransport;

// One write(): its bytes in order, either copied into `owned` or pointing into the caller's
// buffers, which `pin` keeps alive until the transport calls unpin(pin) (it is done with them).
struct StreamWrite {
  int32_t id = 0;  // the caller's request id; 0: already reported done (an early write)
  std::vector<iovec> iov;
  std::unique_ptr<char[]> owned;
  void* pin = nullptr;
  void (*unpin)(void* pin) = nullptr;
  size_t bytes = 0, done = 0;
};

// What the transport tells its owner.
class StreamOwner {
 public:
  // The engine's delivery point (the end of a wake-up): the owner takes the news now with the
  // transport's Take* methods.
  virtual void DeliverNews() = 0;

 protected:
  ~StreamOwner() = default;
};

// A connection accepted by a listening transport, or a failed accept (transport == nullptr).
struct Accepted {
  StreamTransport* transport;
  int status;
};

class StreamTransport {
 public:
  static constexpr unsigned kIpv6Only = 1;   // types.ts TCP_IPV6ONLY
  static constexpr unsigned kReusePort = 2;  // types.ts TCP_REUSEPORT (libuv UV_TCP_REUSEPORT)

  virtual void SetOwner(StreamOwner* owner) = 0;
  // The owner lets go: a closed transport is freed once the kernel is done with it.
  virtual void Release() = 0;

  virtual int Bind(const sockaddr_storage& addr, socklen_t len, unsigned flags) = 0;
  // Adopts an open kernel TCP socket (IPv4/IPv6; listening, bound or connected), as libuv's
  // uv_tcp_open. dup: a duplicate instead, the caller keeps and closes its own fd (a connection
  // or listening socket a cluster primary handed to this worker as a libuv handle).
  // -ENOTSUP where the transport has no kernel socket.
  virtual int Open(int fd, bool dup) = 0;
  virtual int Listen(int backlog) = 0;
  virtual int Connect(const sockaddr_storage& addr, socklen_t len) = 0;
  virtual int ReadStart() = 0;
  virtual int ReadStop() = 0;
  // Queues `w` after every earlier write; the bytes leave in order. `early_limit`: a copied
  // write completes now (libuv's synchronous write) while the queue holds at most that many
  // bytes: then w.id is ignored, 1 is returned, and no completion follows.
  virtual int Write(StreamWrite&& w, int64_t early_limit) = 0;
  virtual size_t QueuedBytes() const = 0;
  // FIN after every queued byte; ShutdownDone news follows.
  virtual int Shutdown() = 0;
  virtual int SetNoDelay(bool on) = 0;
  virtual int SetKeepAlive(bool on, unsigned delay_s) = 0;
  virtual int LocalAddress(sockaddr_storage* out, socklen_t* len) const = 0;
  virtual int PeerAddress(sockaddr_storage* out, socklen_t* len) const = 0;
  virtual int GetSockOpt(int level, int name, int* value) const = 0;
  // An int option (IP_TOS / IPV6_TCLASS for setTypeOfService).
  virtual int SetSockOpt(int level, int name, int value) = 0;
  virtual int Fd() const = 0;  // -1 when it has none (closed, not created yet)
  virtual int Family() const = 0;  // AF_INET / AF_INET6, 0 until bind/connect decides
  virtual void SetRef(bool on) = 0;
  virtual const Counters& counters() const = 0;
  // No news after this. reset: RST instead of FIN. Writes already reported done still leave.
  virtual void Close(bool reset) = 0;

  // ---- news, taken by the owner at delivery, in this order ----
  // Connect finished: true and its status, once.
  virtual bool TakeConnect(int* status) = 0;
  virtual bool TakeAccepted(std::vector<Accepted>* out) = 0;
  virtual bool TakeWriteDone(std::vector<int32_t>* ids, std::vector<int32_t>* results) = 0;
  virtual bool Reading() const = 0;
  // Bytes or the end wait for a delivery.
  virtual bool ReadNews() const = 0;
  // The oldest block of received bytes (at most 64 KiB); PopRead when it is copied.
  virtual bool PeekRead(const char** data, size_t* len) const = 0;
  virtual void PopRead() = 0;
  // The end after the bytes (UV_EOF or -errno), once, when no bytes are left.
  virtual bool TakeEnd(int* status) = 0;
  virtual bool TakeShutdown(int* status) = 0;
  // More news than one delivery takes (another block, the end behind bytes): deliver again.
  virtual void Again() = 0;
  // Reads wait for the next loop turn (after a write completion, see tcp_socket.cc).
  virtual void AgainNextTurn() = 0;

 protected:
  ~StreamTransport() = default;
};

}  // namespace ringsock::transport
