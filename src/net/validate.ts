// Node's internal validators (lib/internal/validators.js) and the few ERR_* shapes
// node:dgram throws that src/net/errors.ts does not have, with Node's exact messages.
import fs = require('node:fs');
import tty = require('node:tty');
import util = require('node:util');
import { NodeError, badPort, invalidArgType } from './errors';

/** "of type string or an instance of Buffer, TypedArray, or DataView" (Node's list wording). */
export const BUFFER_TYPES = 'of type string or an instance of Buffer, TypedArray, or DataView';

export function isInt32(value: unknown): value is number {
  return value === ((value as number) | 0);
}

/** Node's addNumericalSeparator: 8589934592 -> 8_589_934_592. */
function addNumericalSeparator(val: string): string {
  let res = '';
  let i = val.length;
  const start = val[0] === '-' ? 1 : 0;
  for (; i >= start + 4; i -= 3) res = `_${val.slice(i - 3, i)}${res}`;
  return `${val.slice(0, i)}${res}`;
}

export function outOfRange(name: string, range: string, input: unknown): NodeError {
  const received = Number.isInteger(input) && Math.abs(input as number) > 2 ** 32
    ? addNumericalSeparator(String(input)) : util.inspect(input);
  return new NodeError('ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${received}`, RangeError);
}

export function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
}

export function validateNumber(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
}

export function validateFunction(value: unknown, name: string): void {
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
}

export function validateInt32(value: unknown, name: string, min = -2147483648, max = 2147483647): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
}

export function validateUint32(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < 0 || value > 4294967295) throw outOfRange(name, '>= 0 && <= 4294967295', value);
}

export function validateAbortSignal(signal: unknown, name: string): void {
  if (signal !== undefined &&
      (signal === null || typeof signal !== 'object' || !('aborted' in (signal as object)))) {
    throw invalidArgType(name, 'an instance of AbortSignal', signal);
  }
}

/** Node's validatePort: a number or numeric string in [0, 65535] (> 0 unless allowZero). */
export function validatePort(port: unknown, name = 'Port', allowZero = true): number {
  if ((typeof port !== 'number' && typeof port !== 'string') ||
      (typeof port === 'string' && port.trim().length === 0) ||
      +port !== (+port >>> 0) ||
      +port > 0xFFFF ||
      (+port === 0 && !allowZero)) {
    throw badPort(name, port, allowZero);
  }
  return +port | 0;
}

export const missingArgs = (name: string): NodeError =>
  new NodeError('ERR_MISSING_ARGS', `The "${name}" argument must be specified`, TypeError);

export const bufferOutOfBounds = (name: string): NodeError =>
  new NodeError('ERR_BUFFER_OUT_OF_BOUNDS', `"${name}" is outside of buffer bounds`, RangeError);

export const invalidFdType = (type: string): NodeError =>
  new NodeError('ERR_INVALID_FD_TYPE', `Unsupported fd type: ${type}`, TypeError);

export interface SystemErrorContext {
  errno: number;
  code: string;
  message: string;
  syscall: string;
}

/** Node's SystemError (name 'SystemError', `info` holds the context), e.g. ERR_SOCKET_BUFFER_SIZE. */
class SystemError extends Error {
  readonly code: string;
  readonly info: SystemErrorContext;
  constructor(code: string, prefix: string, ctx: SystemErrorContext) {
    super(`${prefix}: ${ctx.syscall} returned ${ctx.code} (${ctx.message})`);
    this.code = code;
    this.info = ctx;
    Object.defineProperty(this, 'name', { value: 'SystemError', enumerable: false, writable: true, configurable: true });
    this.stack = `SystemError [${code}]: ${this.message}${(this.stack ?? '').slice((this.stack ?? '').indexOf('\n'))}`;
    for (const key of ['errno', 'syscall'] as const) {
      Object.defineProperty(this, key, {
        get: () => ctx[key], set: (v) => { (ctx as unknown as Record<string, unknown>)[key] = v; },
        enumerable: true, configurable: true,
      });
    }
  }
  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

/** Node throws a subclass named NodeError (makeSystemErrorWithCode); so does this. */
export const NodeSystemError = class NodeError extends SystemError {};

const errorMap = util.getSystemErrorMap();

/** The context libuv's CollectUVExceptionInfo fills: errno, code, uv_strerror text, syscall. */
export function uvContext(errno: number, syscall: string): SystemErrorContext {
  const [code, message] = errorMap.get(errno) ?? [`Unknown system error ${errno}`, `Unknown system error ${errno}`];
  return { errno, code, message, syscall };
}

function socketKind(inode: string): string {
  const has = (file: string) => {
    try {
      return fs.readFileSync(file, 'latin1').includes(` ${inode} `);
    } catch {
      return false;
    }
  };
  if (has('/proc/self/net/udp') || has('/proc/self/net/udp6')) return 'UDP';
  if (has('/proc/self/net/tcp') || has('/proc/self/net/tcp6')) return 'TCP';
  if (has('/proc/self/net/unix')) return 'PIPE';
  return 'UNKNOWN';
}

/** What libuv's uv_guess_handle says of an fd: 'UDP', 'TCP', 'PIPE', 'TTY', 'FILE' or 'UNKNOWN'. */
export function guessHandleType(fd: number): string {
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch {
    return 'UNKNOWN';
  }
  if (st.isFile()) return 'FILE';
  if (st.isCharacterDevice()) return tty.isatty(fd) ? 'TTY' : 'FILE';
  if (st.isFIFO()) return 'PIPE';
  if (!st.isSocket()) return 'UNKNOWN';
  try {
    const link = fs.readlinkSync(`/proc/self/fd/${fd}`);
    const m = /^socket:\[(\d+)\]$/.exec(link);
    return m ? socketKind(m[1]) : 'UNKNOWN';
  } catch {
    return 'UNKNOWN';
  }
}
