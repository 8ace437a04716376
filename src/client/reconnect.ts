import { exponentialBackoff } from '../backoff.js';
import { AbortError } from '../errors.js';
import { count, optionalOfType, shown, timeout } from './option-checks.js';

/**
 * Decides how long to wait before reconnect attempt number `attempt` (1 for the first after
 * a connection was lost), in milliseconds, or `null` / `undefined` to give up. `error` is why
 * the previous connection or attempt failed: a `ConnectionLostError` for the first attempt, the
 * `ConnectError` (or restore failure) of the previous attempt after that.
 */
export type ReconnectStrategy = (attempt: number, error: Error) => number | null | undefined;

/** How `ChatClient` reconnects after a connection that was up is lost. */
export interface ReconnectOptions {
  /** Ceiling of the first delay, in ms; attempt n waits a random time below `initialDelay * 2^(n-1)`. Default 250. */
  initialDelay?: number;
  /** No delay is longer than this, in ms. Default 30000. */
  maxDelay?: number;
  /** Give up after this many failed attempts in a row. Default: never (`close()` stops it). */
  maxAttempts?: number;
  /**
   * Replaces the built-in schedule: return the delay before `attempt`, or `null` to give up.
   * `maxAttempts` still applies, and so does the rule that a client the hub turned away (a
   * `bye` saying `kicked` or `auth-failed`, or credentials refused) never comes back by itself:
   * the strategy is not asked then.
   */
  retryStrategy?: ReconnectStrategy;
  /** Aborting it stops reconnecting: a wait in progress is cancelled and the client ends. */
  signal?: AbortSignal;
}

/** Default ceiling of the first reconnect delay, in ms. */
export const DEFAULT_RECONNECT_INITIAL_DELAY_MS = 250;
/** Default cap of reconnect delays, in ms. */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;

/** A reconnect policy resolved from the `reconnect` option. */
export interface ReconnectPolicy {
  /** Delay before `attempt`, or `undefined` to give up. */
  delay(attempt: number, error: Error): number | undefined;
  /** Aborts reconnecting, when the application passed one. */
  readonly signal: AbortSignal | undefined;
}

/**
 * Resolves the `reconnect` option. Reconnect is on unless `false` is passed: a chat client
 * that stays down after a hub restart is rarely what anyone wants, and ioredis, nats.js and
 * socket.io all reconnect by default. It never applies to the first `connect()`.
 */
export function resolveReconnect(option: true | ReconnectOptions, refuse: (error: Error) => boolean): ReconnectPolicy;
export function resolveReconnect(option: boolean | ReconnectOptions | undefined, refuse: (error: Error) => boolean): ReconnectPolicy | undefined;
export function resolveReconnect(option: boolean | ReconnectOptions | undefined, refuse: (error: Error) => boolean): ReconnectPolicy | undefined {
  if (option === false) return undefined;
  // Typed, but JavaScript callers get no compile-time check.
  const given: unknown = option;
  if (given !== true && given !== undefined && (typeof given !== 'object' || given === null)) {
    throw new TypeError(`reconnect must be true, false or an object of options, got ${shown(option)}`);
  }
  const options: ReconnectOptions = option === true || option === undefined ? {} : option;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  // Infinity is a fair way to say "never give up", the default.
  if (maxAttempts !== Number.POSITIVE_INFINITY) count('reconnect.maxAttempts', maxAttempts);
  const custom = options.retryStrategy;
  optionalOfType('reconnect.retryStrategy', custom, 'function');
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new TypeError(`reconnect.signal must be an AbortSignal, got ${shown(options.signal)}`);
  if (options.initialDelay !== undefined) timeout('reconnect.initialDelay', options.initialDelay);
  if (options.maxDelay !== undefined) timeout('reconnect.maxDelay', options.maxDelay);
  // Each default gives way to the other bound when only that one is set, so that
  // `{ maxDelay: 100 }` alone or `{ initialDelay: 60000 }` alone is valid.
  const initialDelay = options.initialDelay ?? Math.min(DEFAULT_RECONNECT_INITIAL_DELAY_MS, options.maxDelay ?? Number.POSITIVE_INFINITY);
  const maxDelay = options.maxDelay ?? Math.max(DEFAULT_RECONNECT_MAX_DELAY_MS, initialDelay);
  if (maxDelay < initialDelay) throw new RangeError(`reconnect.maxDelay must be at least reconnect.initialDelay, got ${maxDelay} < ${initialDelay}`);
  const schedule = exponentialBackoff({ initialDelay, maxDelay });
  return {
    signal: options.signal,
    delay(attempt, error) {
      if (attempt > maxAttempts) return undefined;
      // Checked before any custom strategy: one written only to tune delays must not make a
      // client that was turned away knock again for ever.
      if (refuse(error)) return undefined;
      const delay = custom === undefined ? schedule(attempt) : custom(attempt, error);
      if (delay === null || delay === undefined) return undefined;
      // A strategy returning NaN or a negative number means "now", not "never" and not "throw".
      return Number.isFinite(delay) && delay > 0 ? Math.floor(delay) : 0;
    },
  };
}

/**
 * Waits `ms` milliseconds, or rejects with an `AbortError` as soon as `signal` fires. The timer
 * is cleared on abort, so a cancelled wait leaves no handle behind. It is not `unref()`ed:
 * a client waiting to reconnect is doing work and keeps the process alive, as a socket would.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new AbortError(signal.reason));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError(signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
