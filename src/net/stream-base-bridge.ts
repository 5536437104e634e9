// A ringsock TCP connection as a genuine C++ stream of Node's (a JSStream, the StreamBase that
// Node's own JSStreamSocket is built on), under Node's own net.Socket. TLS (TLSWrap), HTTP/2
// (nghttp2's session) and http's parser then consume `socket._handle` in C++ as they do a libuv
// socket; handed a ringsock Socket instead, they wrap it in JSStreamSocket and every byte also
// passes through two JS stream layers (ringsock's Socket and JSStreamSocket's), which made
// HTTPS and h2c slower on ringsock than on Node's sockets (docs/HTTP.md).
//
// The JSStream calls onreadstart/onreadstop/onwrite/onshutdown on itself from C++; reads go in
// with readBuffer (copied there, so the backend's read area can be handed over as is) and
// emitEOF; write and shutdown completions with finishWrite/finishShutdown.
import nodeNet = require('node:net');
import type { SockAddr, TcpHandle } from '../backends/types';
import { UV_EOF } from '../backends/types';
import { errnoException } from './errors';

interface JSStreamHandle {
  onreadstart: () => number;
  onreadstop: () => number;
  onwrite: (req: object, bufs: Buffer[]) => number;
  onshutdown: (req: object) => number;
  readBuffer(chunk: Uint8Array): void;
  emitEOF(): void;
  finishWrite(req: object, status: number): void;
  finishShutdown(req: object, status: number): void;
  isClosing: () => boolean;
  // What Node's net.Socket asks of any handle, forwarded to the backend's.
  close?: (cb?: () => void) => void;
  getpeername?: (out: Partial<SockAddr>) => number;
  getsockname?: (out: Partial<SockAddr>) => number;
  setNoDelay?: (on: boolean) => number;
  setKeepAlive?: (on: boolean, delay: number) => number;
  setTypeOfService?: (tos: number) => number;
  getTypeOfService?: () => number;
  ref?: () => void;
  unref?: () => void;
  fd?: number;
  reading?: boolean;
}

type JSStreamCtor = new () => JSStreamHandle;

const UV_ECANCELED = -125;

let ctor: JSStreamCtor | null | undefined;
/** Node's JSStream class, or null where this Node does not expose it (the bridge is then off). */
function jsStreamClass(): JSStreamCtor | null {
  if (ctor !== undefined) return ctor;
  ctor = null;
  try {
    const binding = (process as any).binding('js_stream') as { JSStream?: JSStreamCtor };
    if (typeof binding?.JSStream === 'function') ctor = binding.JSStream;
  } catch {
    // process.binding is gone or js_stream is not on its allow list
  }
  return ctor;
}

export function bridgeAvailable(): boolean {
  return jsStreamClass() !== null;
}

/** What Node's own net.Socket needs of the bridge: the handle, and who to destroy on errors. */
export interface Bridge {
  handle: object;
  setOwner(socket: nodeNet.Socket): void;
}

/** A JSStream over `handle` (an accepted or connected backend TCP handle). */
export function bridgeHandle(handle: TcpHandle): Bridge {
  const JSStream = jsStreamClass()!;
  const js = new JSStream();
  let socket: nodeNet.Socket | null = null;
  let closed = false;
  let nextReq = 1;
  const writes = new Map<number, object>();
  let shutdownReq: object | null = null;

  js.isClosing = () => closed;
  js.onreadstart = () => handle.readStart();
  js.onreadstop = () => handle.readStop();
  js.onwrite = (req, bufs) => {
    const id = nextReq;
    nextReq = nextReq >= 0x7fffffff ? 1 : nextReq + 1;
    // earlyLimit 0: every write is reported through onwritedone, after DoWrite returned.
    const r = handle.write(bufs, id, 0);
    if (r < 0) {
      setImmediate(() => js.finishWrite(req, r));
      return 0;
    }
    if (r === 1) setImmediate(() => { if (!closed) js.finishWrite(req, 0); });
    else writes.set(id, req);
    return 0;
  };
  handle.onwritedone = (ids, results) => {
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === 0) {
        socket?.destroy(errnoException(results[i], 'write'));
        continue;
      }
      const req = writes.get(ids[i]);
      if (!req) continue;
      writes.delete(ids[i]);
      js.finishWrite(req, results[i] < 0 ? results[i] : 0);
    }
  };
  js.onshutdown = (req) => {
    shutdownReq = req;
    const err = handle.shutdown();
    if (err < 0) {
      shutdownReq = null;
      setImmediate(() => js.finishShutdown(req, err));
    }
    return 0;
  };
  handle.onshutdown = (status) => {
    const req = shutdownReq;
    shutdownReq = null;
    if (req) js.finishShutdown(req, status);
  };
  handle._onread = (nread, data) => {
    if (nread > 0 && data) {
      js.readBuffer(nread === data.length ? data : data.subarray(0, nread));
    } else if (nread === UV_EOF) {
      js.emitEOF();
    } else if (nread < 0) {
      socket?.destroy(errnoException(nread, 'read'));
    }
  };
  js.close = (cb) => {
    closed = true;
    handle.close(() => {
      // Requests still open end as cancelled, as JSStreamSocket's doClose ends them.
      for (const req of writes.values()) js.finishWrite(req, UV_ECANCELED);
      writes.clear();
      if (shutdownReq) js.finishShutdown(shutdownReq, UV_ECANCELED);
      shutdownReq = null;
      cb?.();
    });
  };
  js.getpeername = (out) => handle.getpeername(out);
  js.getsockname = (out) => handle.getsockname(out);
  js.setNoDelay = (on) => handle.setNoDelay(on);
  js.setKeepAlive = (on, delay) => handle.setKeepAlive(on, delay);
  if (handle.setTypeOfService) js.setTypeOfService = (tos) => handle.setTypeOfService!(tos);
  if (handle.getTypeOfService) js.getTypeOfService = () => handle.getTypeOfService!();
  js.ref = () => handle.ref();
  js.unref = () => handle.unref();
  Object.defineProperty(js, 'fd', { value: handle.fd, configurable: true });

  return { handle: js, setOwner: (owner) => { socket = owner; } };
}
