// Kernel UDP on io_uring as a transport::DgramTransport (see udp_transport.cc).
#pragma once
#include "transport/dgram.h"

namespace ringsock::uring {

class Engine;

// A new UDP transport of `engine` for AF_INET / AF_INET6 (released with Release()).
transport::DgramTransport* NewUdpTransport(Engine* engine, int family);

}  // namespace ringsock::uring
