// UdpSocket: the JS class of src/backends/types.ts UdpHandle, method for method, over a datagram
// transport (transport/dgram.h). Argument checks, address parsing (the last destination is
// parsed once), the order in which one socket's news is reported; the transport does the I/O.
#pragma once
#include <napi.h>
#include <string>
#include "js/dgram_delivery.h"
#include "transport/dgram.h"

namespace ringsock::js {

class UdpSocket : public Napi::ObjectWrap<UdpSocket>, public transport::DgramOwner {
 public:
  static Napi::Function Class(Napi::Env env);
  // new UdpSocket(4 | 6): kernel UDP on io_uring; new UdpSocket(4 | 6, ifaces): a bypass socket.
  explicit UdpSocket(const Napi::CallbackInfo& info);
  ~UdpSocket() override;

  void DeliverNews() override;

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
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Membership(const Napi::CallbackInfo& info, bool join);
  Napi::Value SourceMembership(const Napi::CallbackInfo& info, bool join);
  Napi::Value Name(const Napi::CallbackInfo& info, bool peer);
  void EmitWarnings(Napi::Env env);

  transport::DgramTransport* t_ = nullptr;
  napi_ref self_ = nullptr;  // strong while open: open sockets stay alive, as in Node
  bool closed_ = false;
  DgramDelivery delivery_;
  // The last destination of send() and what it parsed to.
  std::string dst_ip_;
  int64_t dst_port_ = -1;
  sockaddr_storage dst_addr_{};
  socklen_t dst_len_ = 0;
};

// Registers UdpSocket on exports.
void InitUdp(Napi::Env env, Napi::Object exports);

}  // namespace ringsock::js
