// TcpSocket: the io_uring implementation of src/backends/types.ts TcpHandle. Multishot accept
// and multishot recv (stream buffer ring), IORING_OP_CONNECT, one sendmsg in flight per socket
// gathering every queued write (order kept, partial writes resumed), shutdown(2) after the queue
// drains (not IORING_OP_SHUTDOWN: see IssueShutdown). Options follow libuv's src/unix/tcp.c.
#pragma once
#include <napi.h>

namespace ringsock::uring {

struct TcpCore;

class TcpSocket : public Napi::ObjectWrap<TcpSocket> {
 public:
  static Napi::Function Class(Napi::Env env);
  // new TcpSocket(0 | 4 | 6): 0 creates the fd at bind/connect by the address's family.
  // The engine passes an External as 2nd argument to adopt an accepted fd.
  explicit TcpSocket(const Napi::CallbackInfo& info);
  ~TcpSocket() override;

 private:
  Napi::Value Fd(const Napi::CallbackInfo& info);
  Napi::Value Bind(const Napi::CallbackInfo& info);
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
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  TcpCore* core_ = nullptr;
};

}  // namespace ringsock::uring
