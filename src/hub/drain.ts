import { DEFAULT_RETRY_AFTER_MS, DEFAULT_RETRY_JITTER_MS } from '../defaults.js';
import { sayFarewell, shutdownFarewell } from '../protocol/farewell.js';
import type { Peer } from './peer.js';

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
 * Tells every peer the hub is going away and when to come back: `retryAfter` plus a random
 * share of `retryJitter`, drawn per client so that reconnects spread out instead of arriving
 * as one wave. JSON peers get a `bye` envelope with `retryAfterMs`, line peers
 * `* server shutting down; reconnect in 7 s`.
 * @internal
 */
export function announceShutdown<D>(peers: Iterable<Peer<D>>, options: DrainOptions, random: () => number = Math.random): void {
  const base = nonNegative('retryAfter', options.retryAfter ?? DEFAULT_RETRY_AFTER_MS);
  const jitter = nonNegative('retryJitter', options.retryJitter ?? DEFAULT_RETRY_JITTER_MS);
  for (const peer of peers) sayFarewell(peer, shutdownFarewell(base + Math.floor(random() * jitter)));
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number of milliseconds, got ${value}`);
  return value;
}
