// TcpSocket: the JS class of src/backends/types.ts TcpHandle over any stream transport
// (transport/stream.h). Argument checks, write chunks, addresses and the news of each delivery
// (into js/stream_batch.h) are here; the transport does the I/O.
#pragma once
#include <napi.h>
#include "transport/stream.h"

namespace ringsock::js {

class StreamBatch;

class TcpSocket : public Napi::ObjectWrap<TcpSocket>, public transport::StreamOwner {
 public:
  static Napi::Function Class(Napi::Env env);
  // new TcpSocket(0 | 4 | 6): 0 creates the fd at bind/connect by the address's family.
  // Delivery passes an External transport as 2nd argument for an accepted connection.
  explicit TcpSocket(const Napi::CallbackInfo& info);
  ~TcpSocket() override;

  void DeliverNews() override;

 private:
  Napi::Value Fd(const Napi::CallbackInfo& info);
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Listen(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value ReadStart(const Napi::CallbackInfo& info);
  Napi::Value ReadStop(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value WriteQueueSize(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value SetNoDelay(const Napi::CallbackInfo& info);
  Napi::Value SetKeepAlive(const Napi::CallbackInfo& info);
  Napi::Value GetSockName(const Napi::CallbackInfo& info);
  Napi::Value GetPeerName(const Napi::CallbackInfo& info);
  Napi::Value GetSockOpt(const Napi::CallbackInfo& info);
  Napi::Value SetSockOpt(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Name(const Napi::CallbackInfo& info, bool peer);

  transport::StreamTransport* t_ = nullptr;
  StreamBatch* batch_ = nullptr;
  napi_ref self_ = nullptr;  // strong while open: open sockets stay alive, as in Node
  bool closed_ = false;
};

// Registers TcpSocket (and setStreamDispatch) on exports.
void InitTcp(Napi::Env env, Napi::Object exports);

}  // namespace ringsock::js
