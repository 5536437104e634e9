// The receive side of a dgram.Socket: one backend batch to one 'message' per datagram.
import { MSG_META_INTS, type OnMessages, type UdpHandle } from '../backends/types';
import { kStateSymbol } from './dgram-state';
import type { Socket } from './dgram-socket';

export function makeOnMessages(socket: Socket, handle: UdpHandle): OnMessages {
  const state = socket[kStateSymbol];
  const family = socket.type === 'udp4' ? 'IPv4' : 'IPv6';
  const lowerFamily = socket.type === 'udp4' ? 'ipv4' as const : 'ipv6' as const;
  // Emits messages start..end of a batch the application owns (copied out of the area).
  const emitAll = (data: Buffer, meta: Int32Array, start: number, end: number, addrs: string | string[]): void => {
    let i = start;
    try {
      for (; i < end && state.handle === handle; i += MSG_META_INTS) {
        const offset = meta[i];
        const size = meta[i + 1];
        const address = typeof addrs === 'string' ? addrs : addrs[meta[i + 3]];
        if (state.receiveBlockList?.check(address, lowerFamily)) continue;
        // A batch of one is its own Buffer: no second view to make.
        const msg = size === data.length ? data : data.subarray(offset, offset + size);
        socket.emit('message', msg, { address, family, port: meta[i + 2], size });
      }
    } catch (err) {
      // Node emits each datagram from its own callback: a listener that throws loses only
      // its own message (if an uncaughtException handler lets the process go on).
      const next = i + MSG_META_INTS;
      if (next < end) process.nextTick(emitAll, data, meta.slice(next, end), 0, end - next, addrs);
      throw err;
    }
  };
  return (area, bytes, meta, ints, addrs) => {
    // One copy per batch into memory the messages own (pooled for small batches, as Node's
    // Buffer.allocUnsafe does); each message is a view of it.
    const data = Buffer.allocUnsafe(bytes);
    area.copy(data, 0, 0, bytes);
    emitAll(data, meta, 0, ints, addrs);
  };
}


export function stopReceiving(socket: Socket): void {
  const state = socket[kStateSymbol];
  if (!state.receiving) return;
  state.handle!.recvStop();
  state.receiving = false;
}

