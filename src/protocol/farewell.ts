import type { ByeEnvelope } from './envelope.js';
import { NO_RECONNECT_REASONS, type DisconnectReason } from './disconnect-reason.js';
import type { Codec } from './codec.js';
import { inertText } from './inert-text.js';

/**
 * What a client is told when the hub closes its connection: the typed reason, a sentence for
 * people, and for a shutdown when to come back.
 */
export interface Farewell {
  readonly reason: DisconnectReason;
  /** What happened, for people: `no input for 3600 s`. */
  readonly message: string;
  /** Milliseconds the client should wait before reconnecting, if the hub has a view on it. */
  readonly retryAfterMs?: number;
}

/**
 * The farewell as one line, for text peers (`line`, and `auto`/`mixed` peers, which are
 * written to as lines until they speak): `* disconnected: idle (no input for 3600 s)`, or for
 * a shutdown `* server shutting down; reconnect in 7 s`. A protocol's `farewell` method.
 */
export function farewellAsLine(this: Codec<unknown>, farewell: Farewell): Buffer {
  return this.encode(farewellLine(farewell));
}

/**
 * What a text connection turned away at the door is told, in one line (`! server full (10000
 * clients)`), since its framing is not known yet. A raw client reads it as one message: the
 * only thing it will ever receive. A refusal that coming back cannot undo (`banned`) is said as
 * a farewell line instead, which `ChatClient` obeys as it obeys a `bye`: it does not knock again.
 * A protocol's `refusal` method.
 */
export function refusalAsLine(farewell: Farewell): Buffer {
  if (NO_RECONNECT_REASONS.has(farewell.reason)) return Buffer.from(`${farewellLine(farewell)}\n`, 'utf8');
  return Buffer.from(`! ${farewell.message}\n`, 'utf8');
}

/** The `bye` envelope for a farewell. */
export function byeEnvelope(farewell: Farewell): ByeEnvelope {
  const bye: ByeEnvelope = { v: 1, type: 'bye', reason: farewell.reason, message: farewell.message, ts: Date.now() };
  if (farewell.retryAfterMs !== undefined) bye.retryAfterMs = farewell.retryAfterMs;
  return bye;
}

/**
 * The one line a text peer is told: `* disconnected: idle (no input for 3600 s)`, or `* server
 * shutting down; reconnect in 7 s`. The message is made inert (`inertText`): it may carry the
 * application's words, or an `AuthError`'s that quote what the client sent, and must stay one line.
 * No relayed or rendered line can read as this (`defuseFarewellLine`): only the hub says goodbye.
 */
export function farewellLine(farewell: Farewell): string {
  const message = inertText(farewell.message);
  if (farewell.reason === 'shutdown') return `* ${message}`;
  return `* disconnected: ${farewell.reason} (${message})`;
}

const SHUTDOWN_LINE = /^\* server shutting down; reconnect in (\d{1,6}) s$/;
const DISCONNECTED_LINE = /^\* disconnected: ([a-z-]{1,32}) \((.{0,400})\)$/;

/**
 * Reads a `farewellLine` back: what a text client was told before the hub closed it, or
 * `undefined` for any other line. `ChatClient` uses it to obey a text hub as it obeys a `bye`.
 */
export function parseFarewellLine(line: string): Farewell | undefined {
  const shutdown = SHUTDOWN_LINE.exec(line);
  if (shutdown !== null) return { reason: 'shutdown', message: line.slice(2), retryAfterMs: Number(shutdown[1]) * 1000 };
  const disconnected = DISCONNECTED_LINE.exec(line);
  if (disconnected === null) return undefined;
  return { reason: disconnected[1] as DisconnectReason, message: disconnected[2] ?? '' };
}

/** The farewell of a hub shutdown, telling the client to come back in `retryAfterMs`. */
export function shutdownFarewell(retryAfterMs: number): Farewell {
  return { reason: 'shutdown', message: `server shutting down; reconnect in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs };
}

/** Reasons for which `peer.close(reason)` tells the client why: the hub's decisions, not the client's or the network's. */
const TOLD_ON_CLOSE: Partial<Record<DisconnectReason, string>> = {
  kicked: 'closed by the server',
  shutdown: 'server shutting down',
  // Not `slow-consumer`: a client that is not reading would find the notice behind megabytes.
  'too-large': 'message too large',
  heartbeat: 'no answer to heartbeat',
  flood: 'sending too fast',
  idle: 'no input',
  timeout: 'message left unfinished',
  'auth-failed': 'authentication failed',
};

/** What the application may add to a close: the words it tells the client, and when to come back. */
export interface FarewellWords {
  /** What happened, for people. Default: a sentence for the reason (`closed by the server`). */
  readonly message?: string | undefined;
  /** Milliseconds the client should wait before reconnecting. */
  readonly retryAfterMs?: number | undefined;
}

/** Reasons a client is never told: it left, the network failed, or (slow consumers) it is not reading. */
const NEVER_TOLD: ReadonlySet<DisconnectReason> = new Set(['client-closed', 'hub-closed', 'closed', 'reset', 'error', 'slow-consumer']);

/**
 * What closing a peer for `reason` tells it: the given words, or a sentence for the reason;
 * `undefined` when the reason is one a client is never told, or has no sentence and none was given.
 */
export function closeFarewell(reason: DisconnectReason, words: FarewellWords = {}): Farewell | undefined {
  if (NEVER_TOLD.has(reason)) return undefined;
  const message = words.message ?? TOLD_ON_CLOSE[reason];
  if (message === undefined) return undefined;
  return words.retryAfterMs === undefined ? { reason, message } : { reason, message, retryAfterMs: words.retryAfterMs };
}

/** A duration for people: `3600 s`, `0.25 s`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
