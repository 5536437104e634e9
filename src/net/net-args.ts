// Argument normalisation and validation of node:net (lib/net.js normalizeArgs, validatePort),
// kept with Node's names so both files can be read side by side.
import { isIP } from 'node:net';
import { format } from 'node:util';
import { invalidArgType, nodeError } from './errors';
import { outOfRange, validateNumber } from './validate';

// Shared with dgram (validate.ts); re-exported for the net files that import from here.
export { validateNumber, validatePort } from './validate';

export const normalizedArgs = Symbol('ringsock.normalizedArgs');

export type Callback = (...args: any[]) => void;
export type Normalized = [Record<string, any>, Callback | null] & { [normalizedArgs]?: true };

function toNumber(x: unknown): number | false {
  const n = Number(x);
  return n >= 0 ? n : false;
}

/** A string that is not a port number names a pipe (Unix-domain socket). */
export function isPipeName(s: unknown): s is string {
  return typeof s === 'string' && toNumber(s) === false;
}

/**
 * connect(options[, cb]) | connect(path[, cb]) | connect(port[, host][, cb]), and the same
 * shapes for listen(): returns [options, cb | null] marked as normalised.
 */
export function normalizeArgs(args: unknown[]): Normalized {
  let arr: Normalized;
  if (args.length === 0) {
    arr = [{}, null];
    arr[normalizedArgs] = true;
    return arr;
  }
  const arg0 = args[0];
  let options: Record<string, any> = {};
  if (typeof arg0 === 'object' && arg0 !== null) {
    options = arg0 as Record<string, any>;
  } else if (isPipeName(arg0)) {
    options.path = arg0;
  } else {
    options.port = arg0;
    if (args.length > 1 && typeof args[1] === 'string') options.host = args[1];
  }
  const cb = args[args.length - 1];
  arr = [options, typeof cb === 'function' ? (cb as Callback) : null];
  arr[normalizedArgs] = true;
  return arr;
}

export function validateFunction(value: unknown, name: string): asserts value is Callback {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
}

export function validateBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
}

/** Node's getTimerDuration for socket.setTimeout: a finite number >= 0, capped like timers. */
export function timerDuration(msecs: unknown, name: string): number {
  validateNumber(msecs, name);
  if (msecs < 0 || !Number.isFinite(msecs)) throw outOfRange(name, 'a non-negative finite number', msecs);
  return msecs > 2 ** 31 - 1 ? 2 ** 31 - 1 : msecs;
}

export function invalidIpAddress(ip: unknown): Error {
  return nodeError('ERR_INVALID_IP_ADDRESS', format('Invalid IP address: %s', ip), TypeError);  // Node's %s
}

/** Node's ERR_INVALID_ADDRESS_FAMILY: a lookup answered a family that is neither 4 nor 6. */
export function invalidAddressFamily(family: unknown, host: unknown, port: unknown): Error {
  const err = nodeError('ERR_INVALID_ADDRESS_FAMILY', `Invalid address family: ${family} ${host}:${port}`, RangeError);
  return Object.assign(err, { host, port });
}

export function checkLocalAddress(localAddress: unknown): void {
  if (localAddress && !isIP(localAddress as string)) throw invalidIpAddress(localAddress);
}

/** The host's family, as the number that dns.lookup and TcpCreateOptions use. */
export function familyOf(address: string): 4 | 6 {
  return isIP(address) === 6 ? 6 : 4;
}
