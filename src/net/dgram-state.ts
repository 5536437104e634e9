// The state behind a dgram.Socket (kStateSymbol, as Node's lib/dgram.js keeps it), its bind and
// connect states, the errors of the dgram layer and the request ids of sends with a callback.
import dc = require('node:diagnostics_channel');
import { type UdpHandle } from '../backends/types';
import { NodeError } from './errors';
import { Resolver } from './lookup';

export const BIND_STATE_UNBOUND = 0;
export const BIND_STATE_BINDING = 1;
export const BIND_STATE_BOUND = 2;

export const CONNECT_STATE_DISCONNECTED = 0;
export const CONNECT_STATE_CONNECTING = 1;
export const CONNECT_STATE_CONNECTED = 2;

export const RECV_BUFFER = true;
export const SEND_BUFFER = false;

export const UV_EBADF = -9;
export const UV_ECANCELED = -125;
export const UV_ENOTSUP = -95;

export const kStateSymbol = Symbol('state symbol');
export const udpSocketChannel = dc.channel('udp.socket');

export type SendCallback = (error: Error | null, bytes?: number) => void;

export interface PendingSend {
  callback: SendCallback;
  address: string | undefined;
  port: number;
}

export interface State {
  handle: UdpHandle | null;
  resolver: Resolver;
  receiving: boolean;
  bindState: number;
  connectState: number;
  queue: (() => void)[] | undefined;
  reuseAddr: boolean | undefined;
  /** Node >= 22.12's reusePort (SO_REUSEPORT); undefined where the running Node has none. */
  reusePort: boolean | undefined;
  ipv6Only: boolean | undefined;
  recvBufferSize: number | undefined;
  sendBufferSize: number | undefined;
  receiveBlockList: import('node:net').BlockList | undefined;
  sendBlockList: import('node:net').BlockList | undefined;
  /** ringsock: send callbacks by reqId until the backend's onsenddone reports them. */
  pending: Map<number, PendingSend>;
  /** ringsock: reqIds of sends made in the current synchronous run (cleared on the next tick). */
  sentNow: number[];
  /** ringsock: in a cluster worker, the primary's shared handle (its fd is read through a dup). */
  clusterHandle: { close(): void } | null;
}

export const errSocketBadType = () =>
  new NodeError('ERR_SOCKET_BAD_TYPE', 'Bad socket type specified. Valid types are: udp4, udp6', TypeError);
export const errAlreadyBound = () => new NodeError('ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound');
export const errIsConnected = () => new NodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected');
export const errNotConnected = () => new NodeError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected');
export const errNotRunning = () => new NodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
export const errBadBufferSize = () =>
  new NodeError('ERR_SOCKET_BAD_BUFFER_SIZE', 'Buffer size must be a positive integer', TypeError);

/** Send request ids, shared by every socket of this module instance; 0 means "no completion". */
let nextReqId = 1;
export function newReqId(): number {
  const id = nextReqId;
  nextReqId = nextReqId >= 0x7fffffff ? 1 : nextReqId + 1;
  return id;
}

/** The bytes of any ArrayBufferView as the Uint8Array the backend contract takes. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

