// Compiles only if require('ringsock').stats() is typed: narrowing on `backend` reaches each
// backend's fields, and a misspelt field is an error.
import ringsock = require('../../dist/index');

const st: ringsock.RingsockStats = ringsock.stats();
// Whose counters, on every backend: a cluster worker's id or null.
const worker: number | null = st.environment.clusterWorker;
const env: ringsock.EnvironmentInfo = st.environment;
void worker;
void env.pid;
if (st.backend === 'uring') {
  const s: ringsock.SocketStats | undefined = st.sockets[0];
  const n: number = st.engine.rxBytes + (s ? s.rxMessages + s.txBytes + s.drops + s.errors : 0);
  const adopted: boolean = s ? s.adopted : false;
  void adopted;
  // @ts-expect-error no such field
  void st.engine.rxByte;
  void n;
} else if (st.backend === 'xdp') {
  const kernel: number = st.uring.engine.txDatagrams + (st.sockets[0]?.kernel.txMessages ?? 0);
  void kernel;
} else {
  // node: Node's own sockets; a count Node cannot tell is absent, so each one is optional.
  const s: ringsock.NodeSocketStats | undefined = st.sockets[0];
  const rx: number | undefined = s?.rxBytes;
  const port: number = s ? s.port : 0;
  // @ts-expect-error no engine on the node backend
  void st.engine;
  void rx;
  void port;
}
