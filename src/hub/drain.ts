import { DEFAULT_RETRY_AFTER_MS, DEFAULT_RETRY_JITTER_MS } from '../defaults.js';
import { shutdownFarewell, type FarewellWords } from '../protocol/farewell.js';

/** How `hub.close()` drains its clients (part of `HubCloseOptions`). */
export interface DrainOptions {
  /**
   * Milliseconds clients get to take what is queued (the goodbye included) before the rest
   * are cut; `close()` resolves within about this. Default: the hub's `closeTimeout`.
   */
  drainTimeout?: number;
  /** Shortest wait, in milliseconds, that clients are told to leave before reconnecting. Default 1000. */
  retryAfter?: number;
  /**
   * Largest random extra wait added per client to `retryAfter`, so that they do not all
   * reconnect at the same moment. Default 9000.
   */
  retryJitter?: number;
}

/**
 * What each peer is told when the hub shuts down: when to come back, `retryAfter` plus a
 * random share of `retryJitter`, drawn per client so that reconnects spread out instead of
 * arriving as one wave. JSON peers get it in a `bye` envelope's `retryAfterMs`, line peers as
 * `* server shutting down; reconnect in 7 s`. Options are checked when this is called.
 * @internal
 */
export function shutdownWords(options: DrainOptions, random: () => number = Math.random): () => FarewellWords {
  const base = nonNegative('retryAfter', options.retryAfter ?? DEFAULT_RETRY_AFTER_MS);
  const jitter = nonNegative('retryJitter', options.retryJitter ?? DEFAULT_RETRY_JITTER_MS);
  return () => shutdownFarewell(base + Math.floor(random() * jitter));
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number of milliseconds, got ${value}`);
  return value;
}
