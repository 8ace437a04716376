import type { ClientPongEnvelope, PingEnvelope } from '../chat/envelope.js';
import type { Peer } from '../peer.js';

/**
 * Whether a decoded message is a JSON client's `pong`. Strings (every text framing) fail the
 * first test, so checking costs nothing on the text paths.
 */
export function isHeartbeatReply(message: unknown): message is ClientPongEnvelope {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'pong';
}

/** Whether the hub pings `peer`: JSON peers only (`json` framing, or `mixed` peers detected as JSON). Text peers rely on TCP keepalive. */
export function speaksHeartbeat<D>(peer: Peer<D>): boolean {
  return peer.framing === 'json';
}

/** The ping sent to every JSON peer in one heartbeat round. */
export function pingEnvelope(ts: number): PingEnvelope {
  return { v: 1, type: 'ping', ts };
}
