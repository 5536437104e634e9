// tls.connect({ socket }) may be given a socket that connects later (Node's docs say so). Node's
// TLSSocket recognizes its own net.Socket there (`instanceof` the builtin class), marks itself
// connecting and starts the handshake on the socket's 'connect'; any other stream is taken as
// connected and written at once. This does the same for ringsock's sockets, after Node's own
// `_init` (lib/_tls_wrap.js), so the TLS hello waits for the connection instead of failing
// with ERR_SOCKET_CLOSED. And as Node's _wrapHandle does for its own socket (`wrap.on('close',
// () => this.destroy())`), the TLS socket is destroyed when the ringsock socket closes: a
// 'close' listener on the raw socket finds it destroyed, not a loop turn later through Node's
// JSStreamSocket. The raw socket's own half-close rule is off (allowHalfOpen): the peer's FIN
// goes to TLS, which ends the connection itself; Node's raw socket never reads once TLS owns its
// handle, so it never ends its side on its own either (ours did: the response TLS wrote after
// the request's FIN failed with EPIPE, Node's test-https-max-header-size-per-stream).
import tls = require('node:tls');

interface TlsInternals {
  _init(socket: unknown, wrap: unknown): void;
  _parent: unknown;
  connecting: boolean;
  emit(event: string): boolean;
  destroy(): void;
}

interface Connectable {
  connecting: boolean;
  allowHalfOpen: boolean;
  _handle: unknown;
  once(event: 'connect', fn: () => void): unknown;
  on(event: 'close', fn: () => void): unknown;
}

const kAdopted = Symbol.for('ringsock.tlsAdopt');

export function adoptForTls(isRingsockSocket: (v: unknown) => boolean): void {
  const proto = tls.TLSSocket.prototype as unknown as TlsInternals & { [kAdopted]?: boolean };
  if (proto[kAdopted] || typeof proto._init !== 'function') return;   // done, or another Node
  const init = proto._init;
  Object.defineProperty(proto, kAdopted, { value: true });
  proto._init = function (this: TlsInternals, socket: unknown, wrap: unknown): void {
    init.call(this, socket, wrap);
    if (!isRingsockSocket(socket)) return;
    const s = socket as Connectable;
    this._parent = s;
    this.connecting = s.connecting || !s._handle;
    s.once('connect', () => {
      this.connecting = false;
      this.emit('connect');
    });
    s.on('close', () => this.destroy());
    s.allowHalfOpen = true;
  };
}
