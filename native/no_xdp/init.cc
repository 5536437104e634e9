// The xdp side of an io_uring-only build (binding.gyp ringsock_xdp=0, made when libxdp/libbpf
// headers are missing): no AF_XDP classes are exported, so src/backends/xdp.ts reports
// "not built".
#include "addon.h"

namespace ringsock::xdp {

void Init(Napi::Env, Napi::Object, Addon*) {}
void Destroy(Addon*) {}

}  // namespace ringsock::xdp
