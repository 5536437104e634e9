// The other end of native/js/stream_batch.h: the news of every ringsock TCP socket of one
// delivery round arrives in ONE call and is handed to each handle here, in order, as Node's
// handles report it (onconnect, onconnection, _onread, onwritedone, onshutdown).
// nextTicks and microtasks run after the whole round, not between sockets (one callback scope).
// A callback that throws does not cost the other sockets their news: the error is re-thrown
// on the next tick, where it reaches 'uncaughtException' as any other.
import { type CountedHandle, track } from './live';
import type { TcpHandle } from './types';

const CONNECT = 1, CONNECTION = 2, READ_AREA = 3, READ_BUFFER = 4, END = 5, WRITE_DONE = 6, SHUTDOWN = 7;

interface Dispatched extends TcpHandle {
  _closed: boolean;
}

function rethrow(err: unknown): never {
  throw err;
}

export function dispatchStreams(area: Buffer, _bytes: number, table: Int32Array, ints: number, values: unknown[]): void {
  for (let i = 0; i < ints;) {
    const kind = table[i], h = values[table[i + 1]] as Dispatched, a = table[i + 2], b = table[i + 3];
    i += 4;
    let ids: Int32Array | null = null, results: Int32Array | null = null;
    if (kind === WRITE_DONE) {
      ids = table.slice(i, i + a);
      results = table.slice(i + a, i + 2 * a);
      i += 2 * a;
    }
    if (h._closed) {
      // A connection accepted by a server closed earlier in this round: nobody takes it.
      if (kind === CONNECTION && b >= 0) (values[b] as TcpHandle).close();
      continue;
    }
    try {
      switch (kind) {
        case READ_AREA: {
          const data = Buffer.allocUnsafe(b);  // pooled below 4 KiB, as Node's reads
          area.copy(data, 0, a, a + b);
          h._onread?.(b, data);
          break;
        }
        case READ_BUFFER:
          h._onread?.(b, values[a] as Buffer);
          break;
        case END:
          h._onread?.(a, null);
          break;
        case WRITE_DONE:
          h.onwritedone?.(ids!, results!);
          break;
        case CONNECT:
          h.onconnect?.(a);
          break;
        case CONNECTION:
          if (b >= 0) track(values[b] as CountedHandle, 'tcp');  // accepted: made natively
          h.onconnection?.(a, b >= 0 ? values[b] as TcpHandle : null);
          break;
        case SHUTDOWN:
          h.onshutdown?.(a);
          break;
      }
    } catch (err) {
      process.nextTick(rethrow, err);
    }
  }
}
