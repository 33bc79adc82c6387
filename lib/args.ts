/**
 * Argument checks of the TypeScript layer, in one place. A wrong type is a
 * `TypeError` with `code` `'ERR_INVALID_ARG_TYPE'`, a value out of range a
 * `RangeError` with `code` `'ERR_OUT_OF_RANGE'` (Node's own codes), and both
 * name the call they belong to, as Python's messages do:
 * `listen(): backlog must be an integer, got 1.5`. The native layer re-checks
 * every integer for its C type.
 * @internal
 * @module
 */
import type { Bytes } from './socket';

export function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v) + (typeof v === 'bigint' ? 'n' : '');
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return v.toString();
  return `an instance of ${(v as object).constructor?.name ?? 'Object'}`;
}

/** A TypeError with Node's `ERR_INVALID_ARG_TYPE` code. */
export function argTypeError(call: string, message: string): TypeError {
  const e = new TypeError(`${call}(): ${message}`) as TypeError & { code: string };
  e.code = 'ERR_INVALID_ARG_TYPE';
  return e;
}

/** A RangeError with Node's `ERR_OUT_OF_RANGE` code. */
export function argRangeError(call: string, message: string): RangeError {
  const e = new RangeError(`${call}(): ${message}`) as RangeError & { code: string };
  e.code = 'ERR_OUT_OF_RANGE';
  return e;
}

/**
 * An integer in [min, max] (both inclusive), never wrapped. As in Python, a
 * value that is not an integer (a string, NaN, 1.5) is a TypeError and an
 * integer out of range (2**40) a RangeError (Python's OverflowError).
 */
export function checkInt(call: string, name: string, v: unknown, min = -0x80000000, max = 0x7fffffff): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw argTypeError(call, `${name} must be an integer, not ${describe(v)}`);
  if (v < min || v > max) {
    throw argRangeError(call, `${name} must be an integer in ${min}..${max}, got ${describe(v)}`);
  }
  return v;
}

/** A byte count: an integer in 0..2**31-1. */
export function checkSize(call: string, name: string, v: unknown): number {
  return checkInt(call, name, v, 0, 0x7fffffff);
}

/** Flags of a send or receive call: an int; undefined means 0. */
export function checkFlags(call: string, v: unknown): number {
  return v === undefined ? 0 : checkInt(call, 'flags', v);
}

/** Bytes: a string is refused with the advice to encode it (sockets carry bytes). */
export function checkBytes(call: string, name: string, data: unknown): asserts data is Bytes {
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer)) return;
  if (typeof data === 'string') {
    throw argTypeError(
      call,
      `${name} must be bytes (Buffer, TypedArray, DataView or ArrayBuffer), not a string: ` +
        `encode it first, e.g. Buffer.from(text, 'utf8'), or use makefile({ encoding })`,
    );
  }
  throw argTypeError(call, `${name} must be bytes (Buffer, TypedArray, DataView or ArrayBuffer), not ${describe(data)}`);
}

/** A timeout in seconds: `null` (or undefined) blocking, `0` non-blocking, a finite `> 0` number. */
export function checkTimeout(call: string, t: unknown): number | null {
  if (t === null || t === undefined) return null;
  if (typeof t !== 'number') throw argTypeError(call, `timeout must be a number of seconds or null, not ${describe(t)}`);
  if (!(t >= 0) || !Number.isFinite(t)) throw argRangeError(call, `timeout must be >= 0 and finite, got ${describe(t)}`);
  return t;
}

/** An fd: an integer in 0..2**31-1. */
export function checkFd(call: string, v: unknown): number {
  return checkInt(call, 'fd', v, 0, 0x7fffffff);
}

/**
 * The `signal` of a call's options (`{ signal?: AbortSignal }`), checked:
 * options that are not an object, or a signal that is not an AbortSignal,
 * are a TypeError naming the call (as Node's own APIs do), not an engine
 * error from reading `.aborted` off it.
 */
export function signalOf(call: string, opts: unknown): AbortSignal | undefined {
  if (opts === undefined) return undefined;
  if (opts === null || typeof opts !== 'object') throw argTypeError(call, `options must be an object, not ${describe(opts)}`);
  const signal = (opts as { signal?: unknown }).signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw argTypeError(call, `options.signal must be an AbortSignal, not ${describe(signal)}`);
  return signal;
}
