// A TcpHandle (src/backends/types.ts) on libuv's own stream wraps (process.binding('tcp_wrap'),
// 'pipe_wrap'). Not a backend. Two uses:
// - the test seam RINGSOCK_NET_LIBUV=1 (src/net.ts) runs src/net's Socket and Server over
//   Node's kernel sockets, so test/net.test.js checks ringsock's net layer against Node's
//   behaviour independently of a ring backend;
// - `socket.connect(path)` on a ringsock Socket (pg and others do `new net.Socket()` then
//   `connect('/run/postgresql/.s.PGSQL.5432')`): the Unix-domain socket is libuv's, as in Node.
// It also shows the contract in a few lines: per-request wraps become reqIds, completions
// come in batches.
import type { BackendImpl, SockAddr, TcpCreateOptions, TcpHandle } from '../backends/types';
import { UV_EOF } from '../backends/types';

interface Binding {
  TCP: any; TCPConnectWrap: any; constants: { SOCKET: number; SERVER: number };
}
interface PipeBinding {
  Pipe: any; PipeConnectWrap: any; constants: { SOCKET: number };
}
interface StreamBinding {
  WriteWrap: any; ShutdownWrap: any; streamBaseState: Int32Array;
  kReadBytesOrError: number; kArrayBufferOffset: number; kLastWriteWasAsync: number;
}

let tcp: Binding | null = null;
let sb: StreamBinding | null = null;
function bindings(): [Binding, StreamBinding] {
  if (!tcp || !sb) {
    const binding = (process as any).binding as (name: string) => any;
    tcp = binding('tcp_wrap');
    sb = binding('stream_wrap');
  }
  return [tcp!, sb!];
}

let pipe: PipeBinding | null = null;

class LibuvTcp implements TcpHandle {
  onconnection: TcpHandle['onconnection'] = null;
  onconnect: TcpHandle['onconnect'] = null;
  declare onread: TcpHandle['onread'];   // an accessor on the prototype (handle-onread.ts)
  _onread: TcpHandle['_onread'] = null;
  _onreadVisible: unknown = null;
  _onreadOwn: TcpHandle['_onread'] = null;
  _onreadOwner: { destroy(): void } | null = null;
  onwritedone: TcpHandle['onwritedone'] = null;
  onshutdown: TcpHandle['onshutdown'] = null;
  protected readonly h: any;
  private family: 0 | 4 | 6;  // 0: decided by the first bind/connect address (libuv's TCP does so)
  private closed = false;
  // Writes libuv finished synchronously: reported in one batch on the next tick.
  private doneIds: number[] = [];
  private doneResults: number[] = [];

  constructor(family: 0 | 4 | 6, wrap?: any) {
    const [b] = bindings();
    this.family = family;
    this.h = wrap ?? new b.TCP(b.constants.SOCKET);
    this.h.onread = (arrayBuffer: ArrayBuffer | undefined) => this.readCb(arrayBuffer);
    this.h.onconnection = (err: number, client: any) => {
      if (this.closed) return;
      this.onconnection?.(err, client ? new LibuvTcp(this.family, client) : null);
    };
  }

  get fd(): number { return this.h.fd; }

  private readCb(arrayBuffer: ArrayBuffer | undefined): void {
    const [, s] = bindings();
    const nread = s.streamBaseState[s.kReadBytesOrError];
    if (this.closed || nread === 0) return;
    if (nread > 0) {
      const offset = s.streamBaseState[s.kArrayBufferOffset];
      this._onread?.(nread, Buffer.from(arrayBuffer!, offset, nread));
    } else {
      this._onread?.(nread === UV_EOF ? UV_EOF : nread, null);
    }
  }

  private familyOf(address: string): 4 | 6 {
    if (!this.family) this.family = address.includes(':') ? 6 : 4;
    return this.family;
  }

  bind(address: string, port: number, flags: number): number {
    return this.familyOf(address) === 6 ? this.h.bind6(address, port, flags) : this.h.bind(address, port, flags);
  }

  listen(backlog: number): number { return this.h.listen(backlog); }

  connect(address: string, port: number): number {
    const [b] = bindings();
    const req = new b.TCPConnectWrap();
    req.oncomplete = (status: number) => {
      if (!this.closed) this.onconnect?.(status);
    };
    req.address = address;
    req.port = port;
    return this.familyOf(address) === 6 ? this.h.connect6(req, address, port) : this.h.connect(req, address, port);
  }

  readStart(): number { return this.h.readStart(); }
  readStop(): number { return this.h.readStop(); }

  write(chunks: Array<Uint8Array | string>, reqId: number, earlyLimit: number, latin1Mask = 0): number {
    const [, s] = bindings();
    const req = new s.WriteWrap();
    req.handle = this.h;
    req.async = false;
    let early = false;
    req.oncomplete = (status: number) => {
      if (!early) this.writeDone(reqId, status);
      else if (status < 0) this.writeDone(0, status);
    };
    const err = chunks.some((c) => typeof c === 'string')
      ? this.h.writev(req, chunks.flatMap((c, i) => [c, typeof c !== 'string' ? 'buffer' : i < 32 && (latin1Mask >>> i) & 1 ? 'latin1' : 'utf8']), false)
      : this.h.writev(req, chunks, true);
    if (err) return err;
    req._chunks = chunks;
    if (!s.streamBaseState[s.kLastWriteWasAsync]) return 1;
    early = this.h.writeQueueSize <= earlyLimit;
    return early ? 1 : 0;
  }

  private writeDone(reqId: number, status: number): void {
    if (this.closed) return;
    if (this.doneIds.length === 0) {
      process.nextTick(() => {
        const ids = Int32Array.from(this.doneIds);
        const results = Int32Array.from(this.doneResults);
        this.doneIds = [];
        this.doneResults = [];
        if (!this.closed) this.onwritedone?.(ids, results);
      });
    }
    this.doneIds.push(reqId);
    this.doneResults.push(status < 0 ? status : 0);
  }

  writeQueueSize(): number { return this.h.writeQueueSize; }

  shutdown(): number {
    const [, s] = bindings();
    const req = new s.ShutdownWrap();
    req.handle = this.h;
    req.oncomplete = (status: number) => {
      if (!this.closed) this.onshutdown?.(status);
    };
    return this.h.shutdown(req);
  }

  setNoDelay(on: boolean): number { return this.h.setNoDelay(on); }
  setKeepAlive(on: boolean, delaySecs: number): number { return this.h.setKeepAlive(on, delaySecs); }
  getsockname(out: Partial<SockAddr>): number { return this.h.getsockname(out); }
  getpeername(out: Partial<SockAddr>): number { return this.h.getpeername(out); }
  /** libuv offers no getsockopt; tests read socket options with `ss` for this handle. */
  getsockopt(_level: number, _name: number): number { return -38; } // ENOSYS
  // Node 24's tcp_wrap has these; net-socket.ts calls them only where Node's net.Socket has them.
  setTypeOfService(tos: number): number { return this.h.setTypeOfService ? this.h.setTypeOfService(tos) : -38; }
  getTypeOfService(): number { return this.h.getTypeOfService ? this.h.getTypeOfService() : -38; }
  ref(): void { this.h.ref(); }
  unref(): void { this.h.unref(); }

  protected closedYet(): boolean { return this.closed; }

  close(cb?: () => void): void {
    if (this.closed) return;
    this.closed = true;
    this.h.close(cb);
  }

  reset(cb?: () => void): number {
    if (this.closed) return 0;
    this.closed = true;
    return this.h.reset(cb);
  }
}

/** A Unix-domain stream socket: connect(path) instead of connect(address, port). */
class LibuvPipe extends LibuvTcp {
  constructor() {
    if (!pipe) pipe = ((process as any).binding as (name: string) => any)('pipe_wrap');
    super(4, new pipe!.Pipe(pipe!.constants.SOCKET));
  }

  override connect(path: string, _port?: number): number {
    const req = new pipe!.PipeConnectWrap();
    req.oncomplete = (status: number) => {
      if (!this.closedYet()) this.onconnect?.(status);
    };
    req.address = path;
    return this.h.connect(req, path);
  }

  // Node's pipes have no such options and no socket names: calls succeed and report nothing.
  override setNoDelay(): number { return 0; }
  override setKeepAlive(): number { return 0; }
  override getsockname(): number { return -95; } // EOPNOTSUPP
  override getpeername(): number { return -95; }
  override bind(): number { return -95; }
}

/** A handle for `socket.connect(path)`: libuv's Unix-domain stream, behind the TcpHandle contract. */
export function pipeHandle(): TcpHandle {
  bindings();
  return new LibuvPipe();
}

export function selfTestImpl(): BackendImpl {
  bindings();
  return {
    createUdp() {
      throw new Error('RINGSOCK_NET_LIBUV covers TCP only');
    },
    createTcp(opts: TcpCreateOptions): TcpHandle {
      return new LibuvTcp(opts.family === 6 ? 6 : opts.family === 4 ? 4 : 0);
    },
    stats: () => ({ backend: 'node', sockets: [] }),  // libuv's own handles: not counted
  };
}
