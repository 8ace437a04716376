/**
 * Decides how long to wait before reconnect attempt number `attempt` (1 for the first),
 * in milliseconds, or `undefined` to stop trying.
 */
export type RetryStrategy = (attempt: number) => number | undefined;

/** Options for `exponentialBackoff`. */
export interface ExponentialBackoffOptions {
  /** Ceiling of the first delay, in ms. Default 250. */
  initialDelay?: number;
  /** No delay is longer than this, in ms. Default 30000. */
  maxDelay?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Give up after this many attempts. Default: never. */
  maxAttempts?: number;
  /** Source of randomness in [0, 1), replaceable in tests. Default `Math.random`. */
  random?: () => number;
}

/**
 * Capped exponential backoff with full jitter: attempt n waits a random time in
 * `[0, min(maxDelay, initialDelay * factor^(n-1)))`, so that clients cut off together do not
 * all come back together.
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RetryStrategy {
  const initialDelay = options.initialDelay ?? 250;
  const maxDelay = options.maxDelay ?? 30_000;
  const factor = options.factor ?? 2;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  const random = options.random ?? Math.random;
  if (!(initialDelay > 0) || !(maxDelay >= initialDelay) || !(factor >= 1)) {
    throw new RangeError('exponentialBackoff needs initialDelay > 0, maxDelay >= initialDelay and factor >= 1');
  }
  return (attempt) => {
    if (attempt > maxAttempts) return undefined;
    const ceiling = Math.min(maxDelay, initialDelay * factor ** Math.max(0, attempt - 1));
    return Math.floor(random() * ceiling);
  };
}
