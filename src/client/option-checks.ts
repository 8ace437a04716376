/**
 * Run-time checks of client options, in the hub's words: JavaScript callers get no
 * compile-time check, and a bad value should fail at construction, naming the option and the
 * value, rather than as a hung timer or a socket error much later. A value of the wrong type
 * throws a `TypeError`, a number out of range a `RangeError`.
 */

/** `value` as an error message shows it: strings quoted, so that `'100'` is told from `100`. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function number(name: string, value: unknown, what: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be ${what}, got ${shown(value)}`);
  return value;
}

/** A finite number above 0 (milliseconds, bytes). */
export function positive(name: string, value: unknown): number {
  const n = number(name, value, 'a positive number');
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`${name} must be a positive number, got ${n}`);
  return n;
}

/** The longest delay `setTimeout` honours (about 24.8 days); it fires a longer one at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A positive number of milliseconds that a timer can wait. */
export function timeout(name: string, value: unknown): number {
  const n = positive(name, value);
  if (n > MAX_TIMER_MS) throw new RangeError(`${name} must be at most ${MAX_TIMER_MS} ms (the longest a timer waits), got ${n}`);
  return n;
}

/** A finite number, 0 or more (a delay where 0 means "off" or "at once"). */
export function nonNegative(name: string, value: unknown): number {
  const n = number(name, value, 'a number, 0 or more');
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a number, 0 or more, got ${n}`);
  return n;
}

/** A whole number, 0 or more (a count of messages or bytes). */
export function count(name: string, value: unknown): number {
  const n = number(name, value, 'a whole number, 0 or more');
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a whole number, 0 or more, got ${n}`);
  return n;
}

/** A whole number, 1 or more. */
export function positiveInteger(name: string, value: unknown): number {
  const n = number(name, value, 'a whole number, 1 or more');
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a whole number, 1 or more, got ${n}`);
  return n;
}

/** A TCP port: a whole number from 0 to 65535. */
export function portNumber(name: string, value: unknown): number {
  const n = number(name, value, 'a port number');
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new RangeError(`${name} must be a whole number from 0 to 65535, got ${n}`);
  return n;
}

/** A string that is not empty. */
export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string, got ${shown(value)}`);
  return value;
}

/** One of the `allowed` strings. */
export function oneOf<P extends string>(name: string, value: unknown, allowed: readonly P[]): P {
  if (!allowed.includes(value as P)) throw new TypeError(`${name} must be ${allowed.map((choice) => `'${choice}'`).join(' or ')}, got ${shown(value)}`);
  return value as P;
}

/** `undefined`, or a value of type `type` (`'string'`, `'function'`, `'boolean'`...). */
export function optionalOfType(name: string, value: unknown, type: 'string' | 'function'): void {
  if (value !== undefined && typeof value !== type) throw new TypeError(`${name} must be a ${type}, got ${shown(value)}`);
}
