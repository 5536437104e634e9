// The contract between the JS layer (native/js/udp_socket.cc) and a datagram transport: kernel
// UDP on io_uring (uring/udp_transport.h), the bypass socket over AF_XDP (xdp/bypass_udp.h). Plain C++, 0 or -errno (libuv's UV_E* on Linux);
// received datagrams, send completions and receive errors are gathered without calling anyone
// and taken by the owner at the engine's delivery point. Options follow libuv's src/unix/udp.c.
#pragma once
#include <sys/socket.h>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#include "transport/counters.h"
#include "transport/dgram_batch.h"

namespace ringsock::transport {

// The two halves of a bypass socket (xdp/bypass_udp.h) for stats(): what went through the XSKs
// and what through its kernel socket, and the interfaces it bypasses.
struct DgramHalves {
  Counters xsk, kernel;
  std::vector<std::string> interfaces;
};

class DgramOwner {
 public:
  // The engine's delivery point: take the news now (TakeSendDone, batch(), TakeErrors).
  virtual void DeliverNews() = 0;

 protected:
  ~DgramOwner() = default;
};

class DgramTransport {
 public:
  static constexpr unsigned kIpv6Only = 1;    // types.ts UDP_IPV6ONLY
  static constexpr unsigned kReuseAddr = 4;   // types.ts UDP_REUSEADDR
  static constexpr unsigned kReusePort = 64;  // types.ts UDP_REUSEPORT

  virtual void SetOwner(DgramOwner* owner) = 0;
  virtual void Release() = 0;  // the owner lets go

  virtual int Bind(const sockaddr_storage& addr, socklen_t len, unsigned flags) = 0;
  // Adopts a datagram socket (libuv's uv_udp_open); dup: the caller keeps its own fd.
  virtual int Open(int fd, bool dup) = 0;
  virtual int Connect(const sockaddr_storage& addr, socklen_t len) = 0;
  virtual int Disconnect() = 0;
  virtual bool Connected() const = 0;
  // One datagram of `len` bytes gathered from `parts`, to `dst` (nullptr: the connected peer).
  // id != 0: a completion (TakeSendDone) follows.
  virtual int Send(const struct iovec* parts, size_t n, size_t len, const sockaddr_storage* dst, socklen_t dst_len,
                   int32_t id) = 0;
  virtual int RecvStart() = 0;
  virtual int RecvStop() = 0;
  virtual int LocalAddress(sockaddr_storage* out, socklen_t* len) const = 0;
  virtual int PeerAddress(sockaddr_storage* out, socklen_t* len) const = 0;
  virtual int SetOpt(int level, int name, int value) = 0;
  // The IPv4 or IPv6 flavour of an option, by the socket's family (uv__setsockopt).
  virtual int SetOpt46(int opt4, int opt6, int value) = 0;
  // iface: an address of the interface (IPv4) / with its scope (IPv6), as the user wrote it;
  // nullptr = any. Parsed after the deferred bind, as libuv does (-EINVAL when it does not parse).
  virtual int SetMulticastInterface(const std::string* iface) = 0;
  virtual int Membership(const sockaddr_storage& group, const std::string* iface, bool join) = 0;
  virtual int SourceMembership(const sockaddr_storage& source, const sockaddr_storage& group,
                               const std::string* iface, bool join) = 0;
  // 0 reads the size (the kernel reports twice what was set); else sets it and returns it.
  virtual int BufferSize(int size, bool recv) = 0;
  virtual size_t SendQueueSize() const = 0;
  virtual uint32_t SendQueueCount() const = 0;
  virtual int Fd() const = 0;
  virtual int Family() const = 0;
  virtual void SetRef(bool on) = 0;
  virtual const Counters& counters() const = 0;
  // A bypass socket's halves; false for a plain socket.
  virtual bool Halves(DgramHalves* out) const { return false; }
  // Words for the user that go with an answer of Bind / Open (a bypass socket left to the
  // kernel, and why): the JS layer emits them as process warnings. False when none is left.
  virtual bool TakeWarning(std::string* code, std::string* text) { return false; }
  virtual void Close() = 0;

  // ---- news, taken at delivery in this order ----
  virtual bool TakeSendDone(std::vector<int32_t>* ids, std::vector<int32_t>* results) = 0;
  virtual DgramBatch* Received() = 0;
  virtual bool TakeErrors(std::vector<int32_t>* errs) = 0;

 protected:
  ~DgramTransport() = default;
};

}  // namespace ringsock::transport
