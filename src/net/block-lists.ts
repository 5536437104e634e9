// Node's net.BlockList options (Node >= 22.13): dgram's createSocket({ receiveBlockList,
// sendBlockList }), net.connect({ blockList }), net.createServer({ blockList }). A blocked
// source is dropped before 'message' / its connection closed before 'connection'; a blocked
// destination fails with ERR_IP_BLOCKED. On a bypassed port the kernel's own filters
// (netfilter input rules) are skipped, so these are the guards that stay (docs/XDP.md).
// Followed only where the running Node's own modules have them (each probed once), so every
// Node version keeps its own behaviour.
import nodeDgram = require('node:dgram');
import net = require('node:net');
import { invalidArgType, nodeError, type NodeError } from './errors';

/** Does Node's own constructor reject a non-BlockList value for this option? */
function rejectsNonBlockList(make: () => { close?: () => void; destroy?: () => void }): boolean {
  try {
    const made = make();
    if (made.close) made.close();
    else made.destroy?.();
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'ERR_INVALID_ARG_TYPE';
  }
}

// An unbound socket has no fd yet: each probe costs a handle, no syscall.
let dgramProbe: boolean | undefined;
export function dgramHasBlockLists(): boolean {
  dgramProbe ??= rejectsNonBlockList(() =>
    nodeDgram.createSocket({ type: 'udp4', receiveBlockList: {} } as unknown as nodeDgram.SocketOptions));
  return dgramProbe;
}
let netProbe: boolean | undefined;
export function netHasBlockList(): boolean {
  netProbe ??= rejectsNonBlockList(() => new net.Socket({ blockList: {} } as unknown as net.SocketConstructorOpts));
  return netProbe;
}

/** The option's BlockList, validated as Node does (any truthy value must be one). */
export function blockListOption(options: Record<string, unknown>, name: string, supported: boolean):
  net.BlockList | undefined {
  const value = options[name];
  if (!value || !supported) return undefined;
  const BlockList = net.BlockList as unknown as { isBlockList(v: unknown): boolean };
  if (!BlockList.isBlockList(value)) throw invalidArgType(`options.${name}`, 'an net.BlockList', value);
  return value as net.BlockList;
}

/** Is this IP literal in the list? */
export function isBlocked(list: net.BlockList | undefined, ip: string, family: number): boolean {
  return list !== undefined && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

export function ipBlocked(ip: string): NodeError {
  return nodeError('ERR_IP_BLOCKED', `IP(${ip}) is blocked by net.BlockList`);
}
