import type { ClientPongEnvelope, PingEnvelope } from './envelope.js';
import { MAX_RETRY_AFTER_MS } from '../defaults.js';
import type { DisconnectReason } from './disconnect-reason.js';

/**
 * Whether a decoded message is a JSON client's `pong`. Strings (every text framing) fail the
 * first test, so checking costs nothing on the text paths.
 */
export function isHeartbeatReply(message: unknown): message is ClientPongEnvelope {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'pong';
}

/** The ping sent to every JSON peer in one heartbeat round. */
export function pingEnvelope(ts: number): PingEnvelope {
  return { v: 1, type: 'ping', ts };
}

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
  heartbeat: true,
  flood: true,
  idle: true,
  timeout: true,
  'auth-failed': true,
  'tls-renegotiation': true,
  'server-full': true,
  'too-many-from-address': true,
  banned: true,
};

/** Whether `reason` is a `DisconnectReason` this library knows. */
export function isKnownReason(reason: string): reason is DisconnectReason {
  return Object.hasOwn(knownReasons, reason);
}

/** The hub's `bye` reason as a `DisconnectReason`, or `hub-closed` for one this library does not know. */
export function byeReason(bye: HubBye): DisconnectReason {
  return Object.hasOwn(knownReasons, bye.reason) ? (bye.reason as DisconnectReason) : 'hub-closed';
}
