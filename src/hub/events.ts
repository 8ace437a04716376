import type { AdapterStatus } from '../cluster/adapter.js';
import type { DisconnectReason } from '../protocol/disconnect-reason.js';
import type { AuthError } from './auth/auth-error.js';
import type { AdmissionRefusal } from './limits/connection-limiter.js';
import type { HubAddress } from './options.js';
import type { BanEntry } from './moderation/ban-list.js';
import type { RoomTopic } from './moderation/topics.js';
import type { Peer } from './peer.js';
import type { RemoteEndpoint } from './tls.js';

/** Listener signatures of `BroadcastHub`. */
// typed-emitter needs a type alias: an interface has no implicit index signature.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type HubEvents<T = string, D = Record<string, unknown>> = {
  /** The hub is accepting connections. */
  listening: (address: HubAddress) => void;
  /** A client connected. */
  connect: (peer: Peer<D>) => void;
  /**
   * A client sent a message; handlers, commands and the relay run after the listeners
   * return. In chat mode it is the message's text, or for a JSON control envelope its
   * slash form (`/join dev`); invalid envelopes never get here.
   */
  message: (message: T, peer: Peer<D>) => void;
  /** A client is gone, and why. `error` is the socket error, if there was one. */
  disconnect: (peer: Peer<D>, reason: DisconnectReason, error?: Error) => void;
  /** One client's trouble (bad input, a reset, a slow consumer, a listener that threw on its message). The hub goes on. */
  clientError: (error: Error, peer: Peer<D>) => void;
  /** A client joined a room (not reported for the default room a client starts in). */
  join: (peer: Peer<D>, room: string) => void;
  /** A client left a room (not reported when it disconnects). */
  leave: (peer: Peer<D>, room: string) => void;
  /** A client changed nickname; `peer.nick` is the new one. */
  nick: (peer: Peer<D>, previous: string) => void;
  /**
   * A client stopped reading (past `maxQueuedBytes`, or over `softQueuedBytes` for
   * `softQueuedTimeout`); it is cut right after this event, or under `slowConsumerPolicy:
   * 'drop'` misses what is sent to it until it drains.
   */
  slowConsumer: (peer: Peer<D>, queuedBytes: number) => void;
  /** A connection was turned away at the door (`maxClients`, `maxClientsPerAddress`), told why and closed; no `Peer` was created. */
  refused: (address: string, reason: AdmissionRefusal) => void;
  /**
   * With `authenticate`: a connection was not let in (refused, timed out, sent too much, or
   * left first; `error.reason` says which). It never became a client, so no `connect` or
   * `disconnect` event names it.
   */
  authFailed: (peer: Peer<D>, error: AuthError) => void;
  /** On a TLS hub: a connection failed its handshake (timed out, too old a protocol, not TLS at all) and was dropped; no `Peer` was created. */
  tlsClientError: (error: Error, remote: RemoteEndpoint) => void;
  /** The hub's own trouble, such as its server failing after it started listening. */
  error: (error: Error) => void;
  /** `close()` finished: every client socket is closed. */
  close: () => void;
  /** With an adapter: the link to the other hubs changed state (`connected`, `disconnected`...). */
  adapterStatus: (status: AdapterStatus) => void;
  /** With an adapter: trouble with the broker. Local delivery goes on; nothing is thrown. */
  adapterError: (error: Error) => void;
  /** Moderation: `peer` was removed from `room` by `by` (an operator's nickname, or `server`), for `reason` (may be `''`). */
  kick: (peer: Peer<D>, room: string, by: string, reason: string) => void;
  /** Moderation: a ban was set (on the hub, or on `entry.room`). */
  ban: (entry: BanEntry) => void;
  /** Moderation: a ban was lifted (its expiry does not emit this). */
  unban: (entry: BanEntry) => void;
  /** Moderation: `peer` was muted, until `expiresAt` (ms since the epoch) or, when `undefined`, until unmuted. */
  mute: (peer: Peer<D>, expiresAt: number | undefined, by: string) => void;
  /** Moderation: `peer` was unmuted. */
  unmute: (peer: Peer<D>) => void;
  /** Moderation: the topic of `room` changed (`undefined`: cleared), set by `by`. */
  topic: (room: string, topic: RoomTopic | undefined, by: string) => void;
  /** Moderation: `peer` became an operator (`/oper`, `hub.moderation.setOperator()`), or stopped being one. */
  operator: (peer: Peer<D>, operator: boolean) => void;
};
