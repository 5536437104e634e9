// See stats.h.
#include "js/xdp/stats.h"
#include "xdp/engine.h"

namespace ringsock::js {

using xdp::stack::Verdict;

namespace {

Napi::Object QueueStats(Napi::Env env, xdp::Queue& q) {
  xdp_statistics st;
  q.Statistics(&st);
  Napi::Object o = Napi::Object::New(env);
  o.Set("queue", q.id());
  o.Set("zerocopy", q.zerocopy());
  o.Set("copy_mode", q.zerocopy() ? "zerocopy" : "copy");
  o.Set("rx", double(q.counters.rx));
  o.Set("tx", double(q.counters.tx));
  o.Set("tx_full", double(q.counters.tx_full));
  o.Set("kicks", double(q.counters.kicks));
  o.Set("rekicks", double(q.counters.rekicks));
  o.Set("tx_backlog", q.TxBacklog());
  o.Set("busy_retries", q.busy_retries);
  o.Set("rx_dropped", double(st.rx_dropped));
  o.Set("rx_invalid", double(st.rx_invalid_descs));
  o.Set("tx_invalid", double(st.tx_invalid_descs));
  o.Set("rx_ring_full", double(st.rx_ring_full));
  o.Set("fill_ring_empty", double(st.rx_fill_ring_empty_descs));
  o.Set("tx_ring_empty", double(st.tx_ring_empty_descs));
  return o;
}

Napi::Object DeviceStats(Napi::Env env, const xdp::Engine::DevEntry& e) {
  xdp::Device* d = e.dev.get();
  Napi::Object o = Napi::Object::New(env);
  o.Set("mode", d->native() ? "native" : "generic");
  uint64_t c[RS_STAT_MAX];
  d->BpfCounters(c);
  Napi::Object bpf = Napi::Object::New(env);
  bpf.Set("redirected", double(c[RS_STAT_REDIRECT]));
  bpf.Set("passed", double(c[RS_STAT_PASS]));
  bpf.Set("fragments_passed", double(c[RS_STAT_FRAG_PASS]));
  bpf.Set("options_passed", double(c[RS_STAT_OPTS_PASS]));
  bpf.Set("no_xsk", double(c[RS_STAT_NO_XSK]));
  bpf.Set("not_local_passed", double(c[RS_STAT_NOT_LOCAL_PASS]));
  o.Set("bpf", bpf);
  const xdp::RxCounters& rc = e.counters;
  Napi::Object m = Napi::Object::New(env);
  uint64_t malformed = 0;
  for (size_t i = 0; i < size_t(Verdict::kCount); i++) {
    Verdict v = Verdict(i);
    if (v == Verdict::kOk || v == Verdict::kNotIp || v == Verdict::kNotUdp) continue;
    m.Set(xdp::stack::VerdictName(v), double(rc.verdicts[i]));
    malformed += rc.verdicts[i];
  }
  o.Set("malformed", double(malformed));
  o.Set("malformed_by_reason", m);
  o.Set("valid", double(rc.verdicts[size_t(Verdict::kOk)]));
  o.Set("not_udp", double(rc.verdicts[size_t(Verdict::kNotIp)] + rc.verdicts[size_t(Verdict::kNotUdp)]));
  o.Set("no_socket", double(rc.no_socket));
  Napi::Object refused = Napi::Object::New(env);
  uint64_t refused_total = 0;
  for (size_t i = 1; i < size_t(xdp::stack::Refusal::kCount); i++) {
    refused.Set(xdp::stack::RefusalName(xdp::stack::Refusal(i)), double(rc.refusals[i]));
    refused_total += rc.refusals[i];
  }
  o.Set("refused", double(refused_total));
  o.Set("refused_by_reason", refused);
  Napi::Array qs = Napi::Array::New(env);
  uint32_t i = 0;
  for (auto& q : d->queues()) qs.Set(i++, QueueStats(env, *q));
  o.Set("queues", qs);
  return o;
}

}  // namespace

Napi::Object XdpEngineStats(Napi::Env env, const xdp::Engine& engine) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Object ifs = Napi::Object::New(env);
  for (auto& kv : engine.devices()) ifs.Set(kv.second.dev->info().name, DeviceStats(env, kv.second));
  out.Set("interfaces", ifs);
  out.Set("busyPoll", engine.busy_poll());
  return out;
}

}  // namespace ringsock::js
