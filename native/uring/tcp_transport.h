// Kernel TCP on io_uring as a transport::StreamTransport (see tcp_transport.cc).
#pragma once
#include "transport/stream.h"

namespace ringsock::uring {

class Engine;

// A new TCP transport of `engine` (released with Release()); family AF_INET/AF_INET6 creates the fd now, 0 at bind/connect.
transport::StreamTransport* NewTcpTransport(Engine* engine, int family);

}  // namespace ringsock::uring
