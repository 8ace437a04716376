import { BroadcastHub, type HubEvents, type HubOptions } from '../../src/index.js';
import { WAIT_MS } from '../fixtures/spawned.js';

/** Registers something for the test's cleanup to close, and returns it (what `closeAfterEach()` returns). */
type Track = <T>(thing: T, close: (thing: T) => unknown) => T;

/** A hub on 127.0.0.1 for the CLI's client to talk to, closed by the test's cleanup. */
export interface CliHub {
  readonly hub: BroadcastHub;
  readonly port: number;
  /** What clients sent, in order: `nick: text`. */
  readonly heard: string[];
}

/**
 * Starts a hub with `options` on `host` (127.0.0.1, or ::1) and `port` (a free one by
 * default), recording what clients send; `track` closes it after the test (with a short
 * drain, so a stuck client cannot hang it).
 */
export async function startCliHub(track: Track, options: HubOptions = {}, port = 0, host: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<CliHub> {
  const hub = track(new BroadcastHub(options), (h) => h.close({ timeout: 500, retryJitter: 0 }));
  const heard: string[] = [];
  hub.on('message', (message, peer) => {
    heard.push(`${peer.nick}: ${message}`);
  });
  const address = await hub.listen({ host, port });
  return { hub, port: address.port, heard };
}

/** Resolves with the arguments of `hub`'s next `event`; fails after `WAIT_MS`. */
export function nextEvent<E extends keyof HubEvents>(hub: BroadcastHub, event: E): Promise<Parameters<HubEvents[E]>> {
  return new Promise((resolve, reject) => {
    const listener = ((...args: Parameters<HubEvents[E]>) => {
      clearTimeout(timer);
      resolve(args);
    }) as HubEvents[E];
    const timer = setTimeout(() => {
      hub.off(event, listener);
      reject(new Error(`no ${event} event within ${WAIT_MS} ms`));
    }, WAIT_MS);
    hub.once(event, listener);
  });
}

/** Waits until `check()` holds, looking every 20 ms; fails after `WAIT_MS` with `what`. */
export async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
