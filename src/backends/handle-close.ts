// Node's handle API for closing: `close(cb)` and `reset(cb)` (abortive: SO_LINGER 0, RST), the
// callback in the loop's close phase as after libuv's uv_close (after this turn's setImmediate
// callbacks; native/close_phase.cc). net.Socket emits 'close' from that callback, so code that
// wraps `socket._handle.close` (Node's own tests do) sees the call it expects. The native
// TcpSocket only closes (`closeHandle(reset)`); the callbacks are added here, once, on its
// prototype (accepted handles are made by native code, not by a subclass).

interface NativeClose {
  closeHandle(reset: boolean): void;
}

export function installCloseCallbacks(proto: object, inClosePhase: (fn: () => void) => void): void {
  const later = (cb: unknown): void => {
    if (typeof cb === 'function') inClosePhase(cb as () => void);
  };
  Object.defineProperties(proto, {
    close: {
      configurable: true,
      writable: true,
      value(this: NativeClose, cb?: unknown): void {
        this.closeHandle(false);
        later(cb);
      },
    },
    reset: {
      configurable: true,
      writable: true,
      value(this: NativeClose, cb?: unknown): number {
        this.closeHandle(true);
        later(cb);
        return 0;
      },
    },
  });
}
