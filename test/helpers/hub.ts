import { BroadcastHub, type HubCloseOptions, type HubOptions } from '../../src/index.js';
import type { Track } from './cleanup.js';

/** Where a test hub listens, and how the cleanup closes it. */
export interface TestHubPlace {
  /** Port to listen on. Default 0: a free one. */
  port?: number;
  /** Address to bind. Default `127.0.0.1`: tests never listen beyond loopback. */
  host?: string;
  /**
   * Options for the `close()` the cleanup calls. Default `{ timeout: 500 }`: long enough for
   * a goodbye, short enough that a test which left a stalled reader does not hang its cleanup.
   */
  close?: HubCloseOptions;
}

/** A listening test hub and its port. */
export interface StartedHub<T, D> {
  readonly hub: BroadcastHub<T, D>;
  readonly port: number;
}

/**
 * Starts a hub with `options` on loopback (a free port unless `place.port` says otherwise)
 * and hands it to `track`, so the test's cleanup closes it even when the test fails first.
 * A test may close it itself too: `close()` called again returns the same promise.
 */
export async function startHub<T = string, D = Record<string, unknown>>(
  track: Track,
  options: HubOptions<T, D> = {},
  place: TestHubPlace = {},
): Promise<StartedHub<T, D>> {
  const closeOptions = place.close ?? { timeout: 500 };
  const hub = track(new BroadcastHub<T, D>(options), (h) => h.close(closeOptions));
  const { port } = await hub.listen({ port: place.port ?? 0, host: place.host ?? '127.0.0.1' });
  return { hub, port };
}
