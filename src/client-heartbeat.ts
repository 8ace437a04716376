import type { DisconnectReason } from './disconnect-reason.js';
import { MAX_RETRY_AFTER_MS } from './reconnect.js';

/**
 * What the hub said in a `bye` envelope before closing the connection: why, in words, and when
 * to come back.
 */
export interface HubBye {
  /** The hub's reason, such as `shutdown` (a typed `DisconnectReason` when the hub is this library). */
  readonly reason: string;
  /** Words for people, if the hub gave any. */
  readonly message: string | undefined;
  /** Wait at least this long before reconnecting, in ms (capped at 10 minutes), if the hub said. */
  readonly retryAfterMs: number | undefined;
}

/** A control envelope of the `json` protocol, which `ChatClient` handles itself and never emits as a message. */
export type ControlEnvelope = { readonly type: 'ping'; readonly ts: number | undefined } | { readonly type: 'pong' } | ({ readonly type: 'bye' } & HubBye);

/**
 * Recognises the hub's control envelopes (`ping`, `pong`, `bye`) among decoded messages.
 * Checks every field itself rather than trusting the decoder's schema: these arrive from the
 * network, and a hub running an older schema may pass them on loosely or not at all.
 */
export function asControlEnvelope(message: unknown): ControlEnvelope | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message) || Buffer.isBuffer(message)) return undefined;
  const envelope = message as Record<string, unknown>;
  const type = Object.hasOwn(envelope, 'type') ? envelope.type : undefined;
  switch (type) {
    case 'ping': {
      const ts = envelope.ts;
      return { type: 'ping', ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : undefined };
    }
    case 'pong':
      return { type: 'pong' };
    case 'bye': {
      const reason = typeof envelope.reason === 'string' ? envelope.reason.slice(0, 64) : 'shutdown';
      const text = typeof envelope.message === 'string' ? envelope.message.slice(0, 400) : undefined;
      const after = envelope.retryAfterMs;
      const retryAfterMs = typeof after === 'number' && after >= 0 && Number.isFinite(after) ? Math.min(Math.floor(after), MAX_RETRY_AFTER_MS) : undefined;
      return { type: 'bye', reason, message: text, retryAfterMs };
    }
    default:
      return undefined;
  }
}

/**
 * Every `DisconnectReason`, as a record so that adding a reason to the type without adding it
 * here fails to compile: the client must know each reason a hub may send in `bye`.
 */
const knownReasons: Readonly<Record<DisconnectReason, true>> = {
  'client-closed': true,
  'hub-closed': true,
  closed: true,
  reset: true,
  error: true,
  shutdown: true,
  kicked: true,
  'slow-consumer': true,
  'too-large': true,
  'invalid-data': true,
  heartbeat: true,
  flood: true,
  idle: true,
  timeout: true,
  'auth-failed': true,
  'server-full': true,
  'too-many-from-address': true,
};

/** Whether `reason` is a `DisconnectReason` this library knows. */
export function isKnownReason(reason: string): reason is DisconnectReason {
  return Object.hasOwn(knownReasons, reason);
}

/** The hub's `bye` reason as a `DisconnectReason`, or `hub-closed` for one this library does not know. */
export function byeReason(bye: HubBye): DisconnectReason {
  return Object.hasOwn(knownReasons, bye.reason) ? (bye.reason as DisconnectReason) : 'hub-closed';
}

/**
 * Reasons after which coming straight back would be wrong: the hub or its operator turned this
 * client away, and the same client would be turned away again. The client gives up on them
 * whatever its `retryStrategy`; the application may still call `connect()` again.
 */
export const NO_RECONNECT_REASONS: ReadonlySet<string> = new Set(['kicked', 'auth-failed']);

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
