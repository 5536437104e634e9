// createSocket({ receiveBlockList, sendBlockList }) as Node >= 22.13 has them: a datagram
// from a blocked source is dropped before 'message', one to a blocked destination fails with
// ERR_IP_BLOCKED (send callback, connect). On a bypassed port the kernel's own filters
// (netfilter input rules) are skipped, so this is the guard that stays (docs/XDP.md).
// Followed only where the running Node's own dgram has them (probed once), so every Node
// version keeps its own behaviour.
import nodeDgram = require('node:dgram');
import net = require('node:net');
import { invalidArgType, nodeError, type NodeError } from './errors';

let supported: boolean | undefined;

function nodeHasBlockLists(): boolean {
  if (supported === undefined) {
    try {
      // An unbound socket has no fd yet: this costs a handle, no syscall.
      nodeDgram.createSocket({ type: 'udp4', receiveBlockList: {} } as unknown as nodeDgram.SocketOptions).close();
      supported = false;
    } catch (err) {
      supported = (err as { code?: string }).code === 'ERR_INVALID_ARG_TYPE';
    }
  }
  return supported;
}

/** The option's BlockList, validated as Node does (any truthy value must be one). */
export function blockListOption(options: Record<string, unknown>, name: 'receiveBlockList' | 'sendBlockList'):
  net.BlockList | undefined {
  const value = options[name];
  if (!value || !nodeHasBlockLists()) return undefined;
  const BlockList = net.BlockList as unknown as { isBlockList(v: unknown): boolean };
  if (!BlockList.isBlockList(value)) throw invalidArgType(`options.${name}`, 'an net.BlockList', value);
  return value as net.BlockList;
}

export function ipBlocked(ip: string): NodeError {
  return nodeError('ERR_IP_BLOCKED', `IP(${ip}) is blocked by net.BlockList`);
}
