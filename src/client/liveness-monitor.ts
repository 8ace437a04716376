import type { HubBye } from '../protocol/control-frames.js';
import { NO_RECONNECT_REASONS } from '../protocol/disconnect-reason.js';


/**
 * Whether `error` (why a connection or a reconnect attempt failed) means the hub turned this
 * client away: a `bye` with one of `NO_RECONNECT_REASONS`, or a refusal of its credentials
 * (`ERR_AUTH_FAILED`, which a JSON hub sends before its `bye` and so fails a restore first).
 */
export function turnedAway(error: Error): boolean {
  const bye = (error as { bye?: HubBye }).bye;
  if (bye !== undefined && NO_RECONNECT_REASONS.has(bye.reason)) return true;
  return (error as { code?: unknown }).code === 'ERR_AUTH_FAILED';
}

/** The `heartbeatTimeout` option: a number of ms, `'auto'`, or `false` for no liveness check. */
export type HeartbeatTimeout = number | 'auto' | false;

/**
 * Slack added to twice the observed ping interval under `'auto'`, so that timer and scheduling
 * jitter on either side never look like a dead hub.
 */
export const AUTO_HEARTBEAT_GRACE_MS = 250;

/**
 * The client's own check that the hub is alive, for a hub that vanished without closing the
 * connection (power loss, a NAT that forgot the flow): if nothing at all arrives for the
 * timeout, `onDead` runs.
 *
 * With a number the check runs from the moment the connection is up. With `'auto'` it starts
 * only once the hub has shown that it pings (two pings, to measure the interval) and the
 * timeout is twice the longest interval seen, plus a little: a hub with heartbeats turned off
 * is then never mistaken for a dead one, however quiet the chat.
 *
 * Any bytes count as a sign of life, not only pings, and one timer is kept per connection and
 * moved lazily: data arriving costs a clock read, not a timer reset.
 */
export class LivenessMonitor {
  private readonly mode: number | 'auto';
  private readonly onDead: (silentMs: number) => void;
  private timer: NodeJS.Timeout | undefined;
  private timeout = 0;
  private last = 0;
  private lastPing = -1;
  private longestGap = 0;

  constructor(mode: number | 'auto', onDead: (silentMs: number) => void) {
    if (mode !== 'auto' && !(mode > 0)) throw new RangeError('heartbeatTimeout must be a positive number of ms, \'auto\' or false');
    this.mode = mode;
    this.onDead = onDead;
  }

  /** The connection is up. */
  start(): void {
    this.stop();
    this.last = performance.now();
    this.lastPing = -1;
    this.longestGap = 0;
    this.timeout = 0;
    if (this.mode !== 'auto') this.arm(this.mode);
  }

  /** Something arrived. */
  activity(): void {
    this.last = performance.now();
  }

  /** The hub pinged. */
  ping(): void {
    const now = performance.now();
    this.last = now;
    if (this.mode !== 'auto') return;
    if (this.lastPing >= 0) {
      this.longestGap = Math.max(this.longestGap, now - this.lastPing);
      this.arm(Math.ceil(2 * this.longestGap) + AUTO_HEARTBEAT_GRACE_MS);
    }
    this.lastPing = now;
  }

  /** The connection is gone: clears the timer. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(timeout: number): void {
    this.timeout = timeout;
    if (this.timer === undefined) this.schedule(timeout);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const silent = performance.now() - this.last;
      if (silent >= this.timeout) this.onDead(Math.round(silent));
      else this.schedule(this.timeout - silent);
    }, Math.max(1, Math.ceil(ms)));
    // The socket keeps the process alive while the connection is up; this timer must not add to it.
    this.timer.unref();
  }
}
