import type { Socket } from 'node:net';
import type { ByeEnvelope } from './envelope.js';
import { END_GRACE_MS } from '../defaults.js';
import type { DisconnectReason } from './disconnect-reason.js';
import type { Codec } from './codec.js';
import type { Peer } from '../hub/peer.js';

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
 * Tells `peer` why it is about to be closed, in the one form its protocol allows; call it
 * right before `peer.close(reason)`, which flushes it. Returns whether anything was queued.
 *
 * - JSON peers get a `bye` envelope.
 * - Line peers (and `auto`/`mixed` peers, which are written to as lines until they speak)
 *   get one line: `* disconnected: idle (no input for 3600 s)`, or for a shutdown
 *   `* server shutting down; reconnect in 7 s`.
 * - Raw peers (the documented Python client) get nothing: raw framing has no message
 *   boundaries, and an extra write could merge with the application's own last message.
 * - `length` and custom framings get nothing: a notice would be taken for a chat message.
 *
 * Slow consumers are never told: they are not reading, and a notice would wait behind
 * megabytes they will never take.
 */
export function sayFarewell<D>(peer: Peer<D>, farewell: Farewell): boolean {
  // Once is enough: a limit that says why, then `peer.close()`, must not say it twice.
  if (!peer.isOpen || !peer.claimFarewell()) return false;
  const frame = farewellFrame(peer, farewell);
  return frame !== undefined && peer.deliver(frame);
}

/** The farewell encoded for `peer`'s framing, or `undefined` where it has no room for one (see `sayFarewell`). */
export function farewellFrame<D>(peer: Peer<D>, farewell: Farewell): Buffer | undefined {
  switch (peer.framing) {
    case 'json':
      return peer.frameEncoder.encode(byeEnvelope(farewell));
    case 'line':
    case 'auto':
    case 'mixed':
      return peer.frameEncoder.encode(farewellLine(farewell));
    default:
      return undefined;
  }
}

/** The `bye` envelope for a farewell. */
export function byeEnvelope(farewell: Farewell): ByeEnvelope {
  const bye: ByeEnvelope = { v: 1, type: 'bye', reason: farewell.reason, message: farewell.message, ts: Date.now() };
  if (farewell.retryAfterMs !== undefined) bye.retryAfterMs = farewell.retryAfterMs;
  return bye;
}

/** The one line a text peer is told: `* disconnected: idle (no input for 3600 s)`, or `* server shutting down; reconnect in 7 s`. */
export function farewellLine(farewell: Farewell): string {
  if (farewell.reason === 'shutdown') return `* ${farewell.message}`;
  return `* disconnected: ${farewell.reason} (${farewell.message})`;
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
  'invalid-data': 'invalid data',
  heartbeat: 'no answer to heartbeat',
  flood: 'sending too fast',
  idle: 'no input',
  timeout: 'message left unfinished',
  'auth-failed': 'authentication failed',
};

/** What `peer.close(reason)` tells the client when nothing more specific was said, or `undefined` when it says nothing. */
export function closeFarewell(reason: DisconnectReason): Farewell | undefined {
  const message = TOLD_ON_CLOSE[reason];
  return message === undefined ? undefined : { reason, message };
}

/** A duration for people: `3600 s`, `0.25 s`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Turns away a connection the hub will not serve (no `Peer` is created): says why in one
 * line, since the client's framing is not known yet (`! server full (10000 clients)`; a
 * `bye` envelope on a `json` hub; nothing on `length` and custom framings, which have no
 * room for a notice), ends it at once, and destroys the socket shortly after, so a client
 * that keeps its half open (`nc`) does not hold the slot. What it sends meanwhile is read
 * and discarded: closing over unread input would reset the connection and could lose the line.
 */
export function refuseConnection(socket: Socket, codec: Codec<unknown>, farewell: Farewell): void {
  socket.on('error', ignore);
  socket.resume();
  const frame = refusalFrame(codec, farewell);
  if (frame === undefined) socket.end();
  else socket.end(frame);
  setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
}

function refusalFrame(codec: Codec<unknown>, farewell: Farewell): Buffer | undefined {
  switch (codec.name) {
    case 'json':
      return codec.encode(byeEnvelope(farewell));
    case 'line':
    case 'auto':
    case 'mixed':
    case 'raw':
      // A raw client reads this as one message; it is the only thing it will ever receive.
      return Buffer.from(`! ${farewell.message}\n`, 'utf8');
    default:
      return undefined;
  }
}

function ignore(): void {
  // A refused client that resets is of no concern.
}
