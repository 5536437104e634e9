// What a ringsock net.Socket keeps behind one symbol (as Node keeps its sockets' state), apart
// from the class so that the stream plumbing (stream-base.ts) and connect (net-connect.ts) reach
// it without importing the class at run time.
import type { BackendImpl } from '../backends/types';
import type { Callback } from './net-args';

export interface PendingWrite { bytes: number; cb: Callback | null }

export const kState = Symbol('ringsock.socket');
export interface State {
  impl: BackendImpl;
  reading: boolean;
  timeout: NodeJS.Timeout | null;
  noDelay: boolean;
  keepAlive: boolean;
  keepAliveDelay: number;
  bytesRead: number;
  bytesWritten: number;
  nextReq: number;
  writes: Map<number, PendingWrite>;
  inflight: number;
  afterWrites: Callback[];
  onread: { buffer: Uint8Array | (() => Uint8Array); callback: Callback } | null;
  attempt: NodeJS.Timeout | null;
  lastQueue: number;
  onreadRest: Buffer | null;
  onreadEof: boolean;
  unref: boolean;
  /** Node 24's kSetTOS: the type of service asked for, applied at connect if no handle yet. */
  tos: number | undefined;
}

