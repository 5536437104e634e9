// A connection handed to one of Node's own TCP handles (libuv's, from `tcp_wrap`, the class
// Node's net.Server gives its accepted sockets), on a duplicate of its fd. For TLS and HTTP/2
// servers (native-consumers.ts): Node's TLSWrap and nghttp2 are fastest on a libuv stream.
import fs = require('node:fs');
import type { TcpHandle } from '../backends/types';

interface LibuvTcp {
  open(fd: number): number;
  close(cb?: () => void): void;
}
interface TcpWrapBinding {
  TCP: new (type: number) => LibuvTcp;
  constants: { SOCKET: number };
}

let binding: TcpWrapBinding | null | undefined;
function tcpWrap(): TcpWrapBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    const b = (process as any).binding('tcp_wrap') as TcpWrapBinding;
    if (typeof b?.TCP === 'function' && typeof b.constants?.SOCKET === 'number') binding = b;
  } catch {
    // process.binding is gone, or tcp_wrap is not on its allow list
  }
  return binding;
}

/**
 * Node's own TCP handle on a duplicate of `handle`'s fd, and `handle` closed; null (and
 * `handle` untouched) where this Node or this backend cannot.
 */
export function handToLibuv(handle: TcpHandle): object | null {
  const b = tcpWrap();
  if (!b || typeof handle.dupFd !== 'function') return null;
  const fd = handle.dupFd();
  if (fd < 0) return null;
  const tcp = new b.TCP(b.constants.SOCKET);
  if (tcp.open(fd) !== 0) {
    tcp.close();
    fs.closeSync(fd);
    return null;
  }
  handle.close();
  return tcp;
}
