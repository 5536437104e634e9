// The io_uring transports without Node: an Engine on a plain libuv loop (Debian's libuv), kernel
// TCP and UDP over loopback, news taken by C++ owners instead of JS. Run by the test command
// (make -C native/test); needs no root beyond what io_uring needs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>
#include <cstring>
#include <functional>
#include <string>
#include <vector>
#include "common/errno.h"
#include "loop/poller.h"
#include "transport/dgram.h"
#include "transport/stream.h"
#include "uring/engine.h"
#include "uring/tcp_transport.h"
#include "uring/udp_transport.h"
#include "../xdp/stack/test/check.h"

using namespace ringsock;
using transport::Accepted;
using transport::StreamTransport;
using transport::StreamWrite;

static uv_loop_t uvloop;
static uring::Engine* engine;

// Runs the loop until cond() holds, at most ms milliseconds; true if it held.
static bool RunUntil(const std::function<bool()>& cond, int ms = 2000) {
  uint64_t until = uv_hrtime() + uint64_t(ms) * 1000000;
  while (!cond()) {
    if (uv_hrtime() > until) return false;
    uv_run(&uvloop, UV_RUN_NOWAIT);
    usleep(50);
  }
  return true;
}

static sockaddr_storage Loopback(int port, socklen_t* len) {
  sockaddr_storage ss{};
  auto* a = reinterpret_cast<sockaddr_in*>(&ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(uint16_t(port));
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  *len = sizeof *a;
  return ss;
}

static int PortOf(StreamTransport* t) {
  sockaddr_storage ss;
  socklen_t len;
  t->LocalAddress(&ss, &len);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

// Everything a stream transport reported, as JS would see it.
struct Stream : transport::StreamOwner {
  StreamTransport* t;
  std::string got;
  int end = 0, connect = 1, shutdown = 1;
  std::vector<Accepted> accepted;
  std::vector<int32_t> done_ids, done_res;
  explicit Stream(StreamTransport* tr) : t(tr) { t->SetOwner(this); }
  ~Stream() {
    t->SetOwner(nullptr);
    t->Release();
  }
  void DeliverNews() override {
    int st;
    if (t->TakeConnect(&st)) connect = st;
    t->TakeAccepted(&accepted);
    std::vector<int32_t> ids, res;
    if (t->TakeWriteDone(&ids, &res)) {
      done_ids.insert(done_ids.end(), ids.begin(), ids.end());
      done_res.insert(done_res.end(), res.begin(), res.end());
    }
    const char* p;
    size_t n;
    while (t->Reading() && t->PeekRead(&p, &n)) {
      got.append(p, n);
      t->PopRead();
    }
    if (t->Reading() && t->TakeEnd(&st)) end = st;
    if (t->TakeShutdown(&st)) shutdown = st;
  }
};

static StreamWrite Copied(const std::string& s, int32_t id = 0) {
  StreamWrite w;
  w.id = id;
  w.bytes = s.size();
  w.owned.reset(new char[s.size() + 1]);
  memcpy(w.owned.get(), s.data(), s.size());
  w.iov.push_back({w.owned.get(), s.size()});
  return w;
}

static int unpinned = 0;

static void TcpEcho() {
  socklen_t len;
  Stream server(uring::NewTcpTransport(engine, AF_INET));
  sockaddr_storage any = Loopback(0, &len);
  CHECK_EQ(server.t->Bind(any, len, 0), 0);
  CHECK_EQ(server.t->Listen(16), 0);
  Stream client(uring::NewTcpTransport(engine, 0));
  sockaddr_storage to = Loopback(PortOf(server.t), &len);
  CHECK_EQ(client.t->Connect(to, len), 0);
  CHECK_EQ(client.t->Connect(to, len), -EALREADY);  // a second connect while connecting
  CHECK(RunUntil([&] { return client.connect != 1 && !server.accepted.empty(); }));
  CHECK_EQ(client.connect, 0);
  CHECK(server.accepted.size() == 1 && server.accepted[0].transport);
  Stream peer(server.accepted[0].transport);
  CHECK_EQ(peer.t->ReadStart(), 0);
  CHECK_EQ(client.t->ReadStart(), 0);

  // A small write completes at once (early), a large pinned one through a completion.
  CHECK_EQ(client.t->Write(Copied("hello "), 1 << 20), 1);
  std::string big(256 * 1024, 'x');
  StreamWrite w;
  w.id = 7;
  w.bytes = big.size();
  w.iov.push_back({big.data(), big.size()});
  w.pin = &big;
  w.unpin = [](void*) { unpinned++; };
  CHECK_EQ(client.t->Write(std::move(w), 1 << 20), 0);
  CHECK(RunUntil([&] { return peer.got.size() == 6 + big.size(); }));
  CHECK(peer.got.compare(0, 6, "hello ") == 0);
  CHECK(RunUntil([&] { return client.done_ids.size() == 1; }));
  CHECK(client.done_ids.size() == 1 && client.done_ids[0] == 7 && client.done_res[0] == 0);
  CHECK_EQ(unpinned, 1);

  // Paused: bytes wait (not delivered) until ReadStart.
  CHECK_EQ(client.t->ReadStop(), 0);
  CHECK_EQ(peer.t->Write(Copied("back"), 1 << 20), 1);
  RunUntil([] { return false; }, 50);
  CHECK(client.got.empty());
  CHECK_EQ(client.t->ReadStart(), 0);
  CHECK(RunUntil([&] { return client.got == "back"; }));

  // Shutdown: FIN after the queued bytes; the peer reads them, then the end.
  CHECK_EQ(client.t->Write(Copied("bye"), 1 << 20), 1);
  CHECK_EQ(client.t->Shutdown(), 0);
  CHECK_EQ(client.t->Shutdown(), -EALREADY);
  CHECK_EQ(client.t->Write(Copied("late"), 1 << 20), -EPIPE);
  CHECK(RunUntil([&] { return peer.end != 0 && client.shutdown != 1; }));
  CHECK(peer.got.size() >= 3 && peer.got.compare(peer.got.size() - 3, 3, "bye") == 0);
  CHECK_EQ(peer.end, kUvEof);
  CHECK_EQ(client.shutdown, 0);
  peer.t->Close(false);
  CHECK(RunUntil([&] { return client.end != 0; }));
  CHECK_EQ(client.end, kUvEof);
  client.t->Close(false);
  server.t->Close(false);
  CHECK_EQ(client.t->Write(Copied("x"), 0), -EBADF);
}

static void TcpRefused() {
  socklen_t len;
  int fd = socket(AF_INET, SOCK_STREAM, 0);  // a port nobody listens on
  sockaddr_storage any = Loopback(0, &len);
  bind(fd, reinterpret_cast<sockaddr*>(&any), len);
  sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  int port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  Stream client(uring::NewTcpTransport(engine, AF_INET));
  sockaddr_storage to = Loopback(port, &len);
  CHECK_EQ(client.t->Connect(to, len), 0);
  CHECK(RunUntil([&] { return client.connect != 1; }));
  CHECK_EQ(client.connect, -ECONNREFUSED);
  client.t->Close(false);
  close(fd);
}

// Adoption (a cluster worker's case): a listening socket and a connection made outside the
// engine are opened as duplicates; the originals are closed at once, the duplicates serve.
static void TcpOpen() {
  socklen_t len;
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_storage any = Loopback(0, &len);
  CHECK_EQ(bind(lfd, reinterpret_cast<sockaddr*>(&any), len), 0);
  Stream server(uring::NewTcpTransport(engine, 0));
  CHECK_EQ(server.t->Open(lfd, true), 0);
  CHECK_EQ(server.t->Open(lfd, true), -EBUSY);
  CHECK(server.t->Fd() != lfd);
  close(lfd);
  CHECK_EQ(server.t->Family(), AF_INET);
  CHECK_EQ(server.t->Listen(16), 0);  // bound, not yet listening: as a cluster primary's shared socket
  int port = PortOf(server.t);
  int cfd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_storage to = Loopback(port, &len);
  CHECK_EQ(connect(cfd, reinterpret_cast<sockaddr*>(&to), len), 0);
  CHECK(RunUntil([&] { return !server.accepted.empty(); }));
  CHECK(server.accepted[0].transport);
  Stream peer(server.accepted[0].transport);
  Stream client(uring::NewTcpTransport(engine, 0));
  CHECK_EQ(client.t->Open(cfd, true), 0);
  close(cfd);  // the caller's copy goes; the connection stays (the duplicate holds it)
  CHECK_EQ(client.t->ReadStart(), 0);
  CHECK_EQ(peer.t->ReadStart(), 0);
  CHECK_EQ(client.t->Write(Copied("adopted"), 1 << 20), 1);
  CHECK(RunUntil([&] { return peer.got == "adopted"; }));
  CHECK_EQ(peer.t->Write(Copied("back"), 1 << 20), 1);
  CHECK(RunUntil([&] { return client.got == "back"; }));
  client.t->Close(false);
  CHECK(RunUntil([&] { return peer.end != 0; }));
  CHECK_EQ(peer.end, kUvEof);
  peer.t->Close(false);
  server.t->Close(false);
  // Not TCP: a datagram socket is refused.
  int ufd = socket(AF_INET, SOCK_DGRAM, 0);
  Stream other(uring::NewTcpTransport(engine, 0));
  CHECK_EQ(other.t->Open(ufd, true), -EINVAL);
  CHECK_EQ(other.t->Open(-1, true), -EBADF);
  other.t->Close(false);
  close(ufd);
}

// Out of descriptors: the queued connection is dropped (libuv's trick), no error, no spin, and
// the listener accepts again once descriptors are back.
static void TcpEmfile() {
  socklen_t len;
  Stream server(uring::NewTcpTransport(engine, AF_INET));
  sockaddr_storage any = Loopback(0, &len);
  CHECK_EQ(server.t->Bind(any, len, 0), 0);
  CHECK_EQ(server.t->Listen(16), 0);  // its multishot accept reads RLIMIT_NOFILE when submitted
  sockaddr_storage to = Loopback(PortOf(server.t), &len);
  int c1 = socket(AF_INET, SOCK_STREAM, 0);
  rlimit old;
  getrlimit(RLIMIT_NOFILE, &old);
  int top = dup(0);
  close(top);
  rlimit low = old;
  low.rlim_cur = static_cast<rlim_t>(top + 64);
  setrlimit(RLIMIT_NOFILE, &low);
  std::vector<int> filler;  // every descriptor below the limit taken, the engine's reserve among them
  for (int fd; (fd = dup(0)) >= 0;) filler.push_back(fd);
  uint64_t drops = engine->stats.emfile_drops, wakeups = engine->stats.wakeups;
  RunUntil([] { return false; }, 20);  // submitted now, under the low limit
  CHECK_EQ(connect(c1, reinterpret_cast<sockaddr*>(&to), len), 0);
  CHECK(RunUntil([&] { return engine->stats.emfile_drops > drops; }));
  RunUntil([] { return false; }, 100);
  CHECK(engine->stats.wakeups - wakeups < 50);  // waiting, not spinning
  CHECK(server.accepted.empty());  // no error either: the queue was emptied
  pollfd pf{c1, POLLIN, 0};
  char b;
  CHECK(poll(&pf, 1, 2000) == 1 && read(c1, &b, 1) == 0);  // dropped: closed by the server
  for (int fd : filler) close(fd);
  close(c1);
  setrlimit(RLIMIT_NOFILE, &old);
  int c2 = socket(AF_INET, SOCK_STREAM, 0);
  CHECK_EQ(connect(c2, reinterpret_cast<sockaddr*>(&to), len), 0);
  CHECK(RunUntil([&] { return !server.accepted.empty(); }));
  for (auto& a : server.accepted) {
    if (!a.transport) continue;
    a.transport->Close(false);
    a.transport->Release();
  }
  close(c2);
  server.t->Close(false);
}

struct Dgram : transport::DgramOwner {
  transport::DgramTransport* t;
  std::vector<std::string> got;
  std::vector<int32_t> done;
  std::string source;
  explicit Dgram(transport::DgramTransport* tr) : t(tr) { t->SetOwner(this); }
  ~Dgram() {
    t->SetOwner(nullptr);
    t->Release();
  }
  void DeliverNews() override {
    std::vector<int32_t> ids, res;
    if (t->TakeSendDone(&ids, &res)) done.insert(done.end(), res.begin(), res.end());
    transport::DgramBatch* b = t->Received();
    for (size_t i = 0; i < b->meta.size(); i += 4) {
      got.emplace_back(b->data.data() + b->meta[i], b->meta[i + 1]);
      source = b->sources[b->meta[i + 3]] + ":" + std::to_string(b->meta[i + 2]);
    }
    b->Clear();
  }
};

// More datagrams arrive than the ring has buffers (512): the multishot receive ends with ENOBUFS,
// is re-armed, and every datagram still arrives, in order.
static void UdpEnobufs() {
  socklen_t len;
  Dgram rx(uring::NewUdpTransport(engine, AF_INET));
  sockaddr_storage any = Loopback(0, &len);
  CHECK_EQ(rx.t->Bind(any, len, 0), 0);
  CHECK_EQ(rx.t->SetOpt(SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20), 0);
  CHECK_EQ(rx.t->RecvStart(), 0);
  sockaddr_storage me;
  rx.t->LocalAddress(&me, &len);
  Dgram tx(uring::NewUdpTransport(engine, AF_INET));
  CHECK_EQ(tx.t->Bind(any, len, 0), 0);
  uv_run(&uvloop, UV_RUN_NOWAIT);  // the receive is armed
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  constexpr int kCount = 1500;
  uint64_t enobufs = engine->stats.enobufs;
  for (int i = 0; i < kCount; i++) {
    std::string m = std::to_string(i);
    sendto(fd, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&me), len);
  }
  CHECK(RunUntil([&] { return rx.got.size() == kCount; }, 5000));
  CHECK(engine->stats.enobufs > enobufs);
  bool ordered = rx.got.size() == kCount;
  for (int i = 0; ordered && i < kCount; i++) ordered = rx.got[i] == std::to_string(i);
  CHECK(ordered);
  close(fd);

  // A send with a completion, to the connected-less destination; then the errors of send.
  iovec part{const_cast<char*>("ping"), 4};
  CHECK_EQ(tx.t->Send(&part, 1, 4, &me, sizeof(sockaddr_in), 9), 0);
  CHECK_EQ(tx.t->Send(&part, 1, 4, nullptr, 0, 0), -EDESTADDRREQ);
  CHECK(RunUntil([&] { return !tx.done.empty() && rx.got.size() == kCount + 1; }));
  CHECK(!tx.done.empty() && tx.done[0] == 4);
  CHECK(rx.got.back() == "ping");
  sockaddr_storage txa;
  tx.t->LocalAddress(&txa, &len);
  CHECK(rx.source == "127.0.0.1:" + std::to_string(ntohs(reinterpret_cast<sockaddr_in*>(&txa)->sin_port)));
  CHECK_EQ(tx.t->Connect(me, sizeof(sockaddr_in)), 0);
  CHECK_EQ(tx.t->Send(&part, 1, 4, &me, sizeof(sockaddr_in), 0), -EISCONN);
  CHECK_EQ(tx.t->Connect(me, sizeof(sockaddr_in)), -EISCONN);
  CHECK_EQ(tx.t->Disconnect(), 0);
  CHECK_EQ(tx.t->Disconnect(), -ENOTCONN);
  tx.t->Close();
  rx.t->Close();
  CHECK_EQ(rx.t->RecvStart(), -EBADF);
}

int main() {
  uv_loop_init(&uvloop);
  ringsock::loop::Poller poller(&uvloop);
  std::string err;
  engine = uring::Engine::Create(&uvloop, &poller, &err);
  if (!engine) {
    fprintf(stderr, "transport_test: io_uring engine: %s\n", err.c_str());
    return 1;
  }
  TcpEcho();
  TcpRefused();
  TcpOpen();
  TcpEmfile();
  UdpEnobufs();
  bool closed = false;
  engine->CloseHandles([](void* p) { *static_cast<bool*>(p) = true; }, &closed);
  poller.CloseHandles(nullptr, nullptr);
  CHECK(RunUntil([&] { return closed; }));
  delete engine;
  uv_run(&uvloop, UV_RUN_NOWAIT);
  CHECK_EQ(uv_loop_close(&uvloop), 0);
  TEST_MAIN_END("transport_test");
}
