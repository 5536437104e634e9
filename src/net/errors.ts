// Node's error shapes, so error handling written for node:dgram/node:net keeps working:
// errno exceptions (code, errno, syscall, address, port) and the ERR_* codes.
import util = require('node:util');

export interface ErrnoException extends Error {
  errno: number;
  code: string;
  syscall: string;
  address?: string;
  port?: number;
}

/** Like Node's exceptionWithHostPort / errnoException: `${syscall} ${code} ${address}:${port}`. */
export function errnoException(err: number, syscall: string, address?: string, port?: number,
  additional?: string): ErrnoException {
  const code = util.getSystemErrorName(err);
  let details = '';
  if (address && port !== undefined && port > 0) details = ` ${address}:${port}`;
  else if (address) details = ` ${address}`;
  if (additional) details += ` - Local (${additional})`;
  const ex = new Error(`${syscall} ${code}${details}`) as ErrnoException;
  ex.errno = err;
  ex.code = code;
  ex.syscall = syscall;
  if (address) ex.address = address;
  if (port) ex.port = port;
  return ex;
}

/** An error carrying one of Node's ERR_* codes, printed the way Node prints them. */
export class NodeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, Base: ErrorConstructor = Error) {
    super(message);
    this.code = code;
    Object.setPrototypeOf(this, Base.prototype);
    this.name = `${Base.name} [${code}]`;
    // Keep `name` off the own properties after the stack captured it, as Node does.
    void this.stack;
    delete (this as { name?: string }).name;
    Object.defineProperty(this, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  }
  override toString(): string {
    return `${this.constructor.name} [${this.code}]: ${this.message}`;
  }
}

function describe(value: unknown): string {
  if (value == null) return ` Received ${value}`;
  if (typeof value === 'function') return ` Received function ${(value as { name?: string }).name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    return ctor ? ` Received an instance of ${ctor}` : ` Received ${util.inspect(value, { depth: -1 })}`;
  }
  let shown = util.inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

export function invalidArgType(name: string, expected: string, actual: unknown): NodeError {
  const kind = name.includes('.') ? 'property' : 'argument';
  return new NodeError('ERR_INVALID_ARG_TYPE',
    `The "${name}" ${kind} must be ${expected}.${describe(actual)}`, TypeError);
}

export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): NodeError {
  return new NodeError('ERR_INVALID_ARG_VALUE',
    `The ${name.includes('.') ? 'property' : 'argument'} '${name}' ${reason}. Received ${util.inspect(value)}`, TypeError);
}

export function badPort(name: string, port: unknown, allowZero = true): NodeError {
  const op = allowZero ? '>=' : '>';
  return new NodeError('ERR_SOCKET_BAD_PORT',
    `${name} should be ${op} 0 and < 65536.${describe(port)}.`, RangeError);
}

/**
 * Like Node's UVExceptionWithHostPort (what net.Server reports for listen/bind):
 * `${syscall} ${code}: ${uv message} ${address}:${port}`.
 */
export function uvExceptionWithHostPort(err: number, syscall: string, address?: string | null, port?: number): ErrnoException {
  const [code, uvmsg] = util.getSystemErrorMap().get(err) ?? [`Unknown system error ${err}`, 'unknown error'];
  let details = '';
  if (port && port > 0) details = ` ${address}:${port}`;
  else if (address) details = ` ${address}`;
  const ex = new Error(`${syscall} ${code}: ${uvmsg}${details}`) as ErrnoException;
  ex.code = code;
  ex.errno = err;
  ex.syscall = syscall;
  if (address) ex.address = address;
  if (port) ex.port = port;
  return ex;
}

/** A Node ERR_* error without arguments to format (ERR_SOCKET_CLOSED and friends). */
export function nodeError(code: string, message: string, Base: ErrorConstructor = Error): NodeError {
  return new NodeError(code, message, Base);
}
