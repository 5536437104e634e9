// UdpSocket: the io_uring implementation of src/backends/types.ts UdpHandle, method for method.
// Receives with one multishot recvmsg on the engine's datagram buffer ring; sends copy the
// datagram into a send slot (IORING_OP_SENDMSG). Options follow libuv's src/unix/udp.c.
#pragma once
#include <napi.h>

namespace ringsock::uring {

struct UdpCore;

class UdpSocket : public Napi::ObjectWrap<UdpSocket> {
 public:
  static Napi::Function Class(Napi::Env env);
  explicit UdpSocket(const Napi::CallbackInfo& info);  // new UdpSocket(4 | 6)
  ~UdpSocket() override;

 private:
  Napi::Value Fd(const Napi::CallbackInfo& info);
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value Disconnect(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value RecvStart(const Napi::CallbackInfo& info);
  Napi::Value RecvStop(const Napi::CallbackInfo& info);
  Napi::Value GetSockName(const Napi::CallbackInfo& info);
  Napi::Value GetPeerName(const Napi::CallbackInfo& info);
  Napi::Value SetBroadcast(const Napi::CallbackInfo& info);
  Napi::Value SetTTL(const Napi::CallbackInfo& info);
  Napi::Value SetMulticastTTL(const Napi::CallbackInfo& info);
  Napi::Value SetMulticastLoopback(const Napi::CallbackInfo& info);
  Napi::Value SetMulticastInterface(const Napi::CallbackInfo& info);
  Napi::Value AddMembership(const Napi::CallbackInfo& info);
  Napi::Value DropMembership(const Napi::CallbackInfo& info);
  Napi::Value AddSourceSpecificMembership(const Napi::CallbackInfo& info);
  Napi::Value DropSourceSpecificMembership(const Napi::CallbackInfo& info);
  Napi::Value BufferSize(const Napi::CallbackInfo& info);
  Napi::Value GetSendQueueSize(const Napi::CallbackInfo& info);
  Napi::Value GetSendQueueCount(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Membership(const Napi::CallbackInfo& info, bool join);
  Napi::Value SourceMembership(const Napi::CallbackInfo& info, bool join);

  UdpCore* core_ = nullptr;
};

}  // namespace ringsock::uring
