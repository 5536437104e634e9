// `handle.onread` as Node's own code sees it. Backends call `handle._onread`; Node's http Agent
// (24.x) swaps `socket._handle.onread` while a keep-alive socket idles in its pool
// (freeSocketOnReadGuard: any read destroys the socket) and puts back its own onStreamRead on
// reuse. Both are mapped onto the socket's reader here; they could not read our calls (they
// expect libuv's stream state).
// The accessor sits on the handle class's prototype, installed once: an accessor defined on
// each handle turned every handle into a dictionary-mode object (slow property access and
// megamorphic inline caches on every read and write).
import type { OnRead, TcpHandle } from '../backends/types';

interface OnreadSlots {
  _onread: OnRead | null;
  _onreadVisible: unknown;
  _onreadOwn: OnRead | null;
  _onreadOwner: { destroy(): void } | null;
}

const kInstalled = Symbol('ringsock.onreadAccessor');

const accessor: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: OnreadSlots) {
    return this._onreadVisible;
  },
  set(this: OnreadSlots, fn: unknown) {
    this._onreadVisible = fn;
    const own = this._onreadOwn;
    if (typeof fn !== 'function' || fn === own) this._onread = (fn as OnRead | null) ?? null;
    else if (fn.name === 'onStreamRead') this._onread = own;
    else {
      const owner = this._onreadOwner;
      this._onread = (nread: number) => { if (nread !== 0) owner?.destroy(); };
    }
  },
};

/** Makes `own` the handle's reader, with `handle.onread` mapped as above. */
export function adoptOnread(handle: TcpHandle, owner: { destroy(): void }, own: OnRead): void {
  const proto = Object.getPrototypeOf(handle) as object | null;
  if (proto === null || proto === Object.prototype) {
    // A plain object as handle (a caller's own, as Node's tests pass): never touch
    // Object.prototype, which every object (globalThis too) inherits.
    Object.defineProperty(handle, 'onread', accessor);
  } else if (!Object.prototype.hasOwnProperty.call(proto, kInstalled)) {
    Object.defineProperty(proto, kInstalled, { value: true });
    Object.defineProperty(proto, 'onread', accessor);
  }
  const h = handle as TcpHandle & OnreadSlots;
  h._onreadOwn = own;
  h._onreadOwner = owner;
  h.onread = own;
}
