// Can this process run AF_XDP here? The answer the xdp backend's probe gives (docs/XDP.md,
// Refusal): "" or one sentence. No N-API: js/xdp/exports.cc exports it as xdpProbe().
#pragma once
#include <cstddef>
#include <string>

namespace ringsock::xdp {

// obj_path: bpf/steer.bpf.o; locked_bytes: memory this environment has locked already (the
// io_uring engine the bypass sockets build on), which a UMEM must fit beside.
std::string Probe(const std::string& obj_path, size_t locked_bytes);

}  // namespace ringsock::xdp
