// What the running Node's own net and dgram do where Node versions differ, each asked once of
// Node's own code (never of a version number), so ringsock follows Node 20, 22 and 24 alike.
// Each probe reads a Node function's text, calls one on a stand-in, or makes an unbound handle
// (no syscall); none is ever published on a diagnostics channel.
import dc = require('node:diagnostics_channel');
import dns = require('node:dns');
import nodeDgram = require('node:dgram');
import nodeNet = require('node:net');

function once<T>(probe: () => T): () => T {
  let value: { v: T } | undefined;
  return () => (value ??= { v: probe() }).v;
}

/** Node 24's socket.setTypeOfService() / getTypeOfService(). */
export const netHasTypeOfService = once(() =>
  typeof (nodeNet.Socket.prototype as { setTypeOfService?: unknown }).setTypeOfService === 'function');

/**
 * Does `_final` wait only while `connecting` (Node >= 22: `new net.Socket().end(cb)` calls cb),
 * rather than while `pending` (Node 20: it waits for a 'connect' that never comes)?
 */
export const finalWaitsOnlyWhileConnecting = once(() => {
  let called = false;
  const standIn = { connecting: false, pending: true, _handle: null, once: () => standIn };
  try {
    (nodeNet.Socket.prototype as unknown as { _final(this: unknown, cb: () => void): void })
      ._final.call(standIn, () => { called = true; });
  } catch {
    return false;
  }
  return called;
});

/**
 * Does Node's net.Server drop connections when `maxConnections` is 0 (Node >= 22 tests
 * `maxConnections != null`; Node 20 tests it for truthiness)? Node's `onconnection` is not
 * exported: its setupListenHandle (`_listen2`) installs it on a stand-in handle whose listen()
 * stops the rest, and it is then called with a stand-in server that stops at the first step
 * after the drop check (reading allowHalfOpen to build the Socket).
 */
export const dropsAtMaxConnectionsZero = once(() => {
  const stop = new Error('ringsock probe');
  const handle: Record<string | symbol, unknown> = { listen: () => { throw stop; }, close: () => undefined };
  const server = { _handle: handle, emit: () => false };
  try {
    (nodeNet.Server.prototype as unknown as { _listen2: (...a: unknown[]) => void })._listen2.call(server, null, 0, 4, 511);
  } catch (err) {
    if (err !== stop) return false;
  }
  const onconnection = handle.onconnection as ((this: unknown, err: number, client: unknown) => void) | undefined;
  const owner = Object.getOwnPropertySymbols(handle).find((s) => handle[s] === server);
  if (typeof onconnection !== 'function' || owner === undefined) return false;
  let dropped = false;
  const probeServer = {
    maxConnections: 0, _connections: 0,
    emit: (event: string) => { if (event === 'drop') dropped = true; return true; },
    get allowHalfOpen(): boolean { throw stop; },
  };
  try {
    onconnection.call({ [owner]: probeServer }, 0, { close: () => undefined });
  } catch (err) {
    if (err !== stop) return false;
  }
  return dropped;
});

/** Node's dgram bind() as text: it reads the options that this Node's bind follows. */
const dgramBindSource = once(() => Function.prototype.toString.call(nodeDgram.Socket.prototype.bind));

/** dgram createSocket({ reusePort }) (Node 22 and 24: SO_REUSEPORT at bind). */
export const dgramHasReusePort = once(() => dgramBindSource().includes('reusePort'));

/**
 * Does bind(..., cb) take its error listener as errorMonitor (Node 24: a bind error with a
 * callback and no 'error' listener is thrown), rather than as an 'error' listener (which
 * swallows it)?
 */
export const dgramBindCbUsesErrorMonitor = once(() => dgramBindSource().includes('errorMonitor'));

/**
 * Does the default lookup answer an IP literal of the socket's own family itself, without
 * dns.lookup (Node 24)? Asked of a fresh Node socket's handle (unbound: no syscall) with a
 * stand-in dns.lookup that records whether it is called. Node announces every new socket on
 * 'udp.socket': while that channel has subscribers the answer is taken from the bind probe
 * instead (Node 24 changed both), so no subscriber ever sees the probe's socket.
 */
export const dgramSkipsLookupForLiteral = once(() => {
  if (dc.channel('udp.socket').hasSubscribers) return dgramBindCbUsesErrorMonitor();
  const real = dns.lookup;
  let called = false;
  (dns as { lookup: unknown }).lookup = (..._a: unknown[]) => { called = true; };
  const sock = nodeDgram.createSocket('udp4');
  try {
    const sym = Object.getOwnPropertySymbols(sock).find((x) => x.description === 'state symbol');
    const handle = sym && (sock as unknown as Record<symbol, { handle?: { lookup?: Function } }>)[sym].handle;
    if (typeof handle?.lookup !== 'function') return false;
    handle.lookup('127.0.0.1', () => undefined);
    return !called;
  } finally {
    (dns as { lookup: unknown }).lookup = real;
    sock.close();
  }
});

/**
 * Does connect() validate options.host as a string (Node >= 22: ERR_INVALID_ARG_TYPE)? Asked
 * of a Node socket connecting to host 1, which Node 22+ announces on 'net.client.socket': while
 * that channel has subscribers the answer is taken from _final's probe instead (the same
 * releases changed both), so no subscriber ever sees the probe's socket.
 */
export const netValidatesHost = once(() => {
  if (dc.channel('net.client.socket').hasSubscribers) return finalWaitsOnlyWhileConnecting();
  const sock = new nodeNet.Socket();
  try {
    sock.connect({ host: 1 as unknown as string, port: 1 });
    return false;
  } catch (err) {
    return (err as { code?: string; message?: string }).code === 'ERR_INVALID_ARG_TYPE' &&
      String((err as Error).message).includes('"options.host"');
  } finally {
    sock.destroy();
  }
});
