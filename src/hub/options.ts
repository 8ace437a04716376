import type { AddressInfo, Server } from 'node:net';
import type { ClusterAdapter } from '../cluster/adapter.js';
import type { Framing } from '../protocol/builtin-codecs.js';
import type { Codec, InvalidUtf8Policy } from '../protocol/codec.js';
import type { HubAuthOptions } from './auth/authenticate.js';
import type { HistoryOptions } from './history/history-options.js';
import type { ChatOptions } from './chat/chat-mode.js';
import type { DrainOptions } from './drain.js';
import type { HubLimitOptions } from './limits/limit-options.js';
import type { ModerationOptions } from './moderation/moderation-options.js';
import type { OversizedMessagePolicy, Peer, SlowConsumerPolicy } from './peer.js';
import type { HubTlsOptions } from './tls.js';


/** Options for `new BroadcastHub()`. Every limit has a safe default. */
export interface HubOptions<T = string, D = Record<string, unknown>> extends HubLimitOptions, HubAuthOptions<D>, HubTlsOptions {
  /** Wire format: `'line'` (default), `'raw'`, `'auto'`, `'length'` (with `BroadcastHub<Buffer>`) or your own `Codec`. */
  framing?: Framing<T>;
  /** Largest message a client may send, in bytes. Default 64 KiB. */
  maxMessageBytes?: number;
  /** What happens to a client that sends a larger one: `'drop'` the message (default) or `'disconnect'` the client. */
  oversizedMessage?: OversizedMessagePolicy;
  /** Invalid UTF-8 in text framings: `'replace'` with U+FFFD (default) or `'reject'` the message. */
  invalidUtf8?: InvalidUtf8Policy;
  /** Most bytes that may wait for one client before it is cut as a slow consumer. Default 4 MiB. */
  maxQueuedBytes?: number;
  /**
   * A client past `maxQueuedBytes`: `'disconnect'` it (default, reason `slow-consumer`), or
   * `'drop'` what is sent to it until its queue drains (it misses those messages). The soft cap
   * applies under both, so a client that stays behind is still cut in the end. `slowConsumer`
   * fires first either way.
   */
  slowConsumerPolicy?: SlowConsumerPolicy;
  /** Milliseconds a closing client gets to take what is queued before it is cut. Default 5000. */
  closeTimeout?: number;
  /** Relay each client's message to the others (default `true`); turn off to route messages yourself. */
  relay?: boolean;
  /** Send each relayed message back to its sender too. Default `false`. */
  echo?: boolean;
  /** Serve on this existing `net.Server` or `tls.Server` instead of creating one. The hub never closes it. */
  server?: Server;
  /**
   * Chat mode: nicknames shown with messages, rooms, announcements, the built-in slash
   * commands, and the `json` protocol. Off by default (the hub relays verbatim); on by
   * default for the `json` and `mixed` framings.
   */
  chat?: boolean | ChatOptions;
  /** The room every client starts in and falls back to. Default `lobby`. */
  defaultRoom?: string;
  /** Prefix of the nicknames given on connect (`guest-1`, `guest-2`...). Default `guest`. */
  guestPrefix?: string;
  /**
   * Most messages of one client that may wait behind an async handler before the hub stops
   * reading from it (until they drain). Default 1000.
   */
  maxPendingMessages?: number;
  /** Most bytes of one client's messages that may wait behind an async handler before the hub stops reading from it. Default 1 MiB. */
  maxPendingBytes?: number;
  /**
   * Joins this hub to others through a broker (`broadcast-chat/redis`, `broadcast-chat/nats`),
   * so that they behave as one chat. Default: none, a hub on its own (and no cost for it).
   */
  adapter?: ClusterAdapter;
  /**
   * Chat mode only: keep each room's last messages, replay them to those who join (JSON clients
   * ask; text clients get a short replay and `/history`), and let a JSON client that reconnects
   * within the recovery window recover exactly what it missed. `true` keeps the defaults (100
   * messages, 256 KiB and 24 h per room, 64 MiB for the hub, a 2 min window); an object tunes
   * them (see `HistoryOptions`). Default off: the hub keeps nothing. With an `adapter` that
   * keeps history in its broker (`RedisAdapter`: Redis Streams; `NatsAdapter`: JetStream) and no
   * `history.store`, the history lives there, shared by every hub, with this hub's memory as
   * the fallback during an outage.
   */
  history?: boolean | HistoryOptions;
  /**
   * Moderation (see docs/moderation.md): operator accounts for `/oper` (hashes made by
   * `hashOperatorPassword()`), and bounds on bans and password attempts. Kicks, bans, mutes and
   * topics work without it, for operators made by `authenticate` or `hub.moderation`.
   */
  moderation?: ModerationOptions;
}

/** How `hub.relayMessage()` delivers. */
export interface RelayOptions<D = Record<string, unknown>> {
  /** The room to deliver to. Default: the sender's current room. */
  room?: string | undefined;
  /** Deliver to this peer alone, as a direct message. */
  to?: Peer<D> | undefined;
  /** In chat mode, mark it as an action (`/me`): `* alice waves`. */
  action?: boolean;
}

/** A room of the hub, as `hub.to(room)` returns it. */
export interface RoomHandle<T = string, D = Record<string, unknown>> {
  /** The room's name. */
  readonly name: string;
  /** Who is in it, live. */
  readonly members: ReadonlySet<Peer<D>>;
  /** Sends a message to every member (but `options.except`), as `hub.broadcast()` does; returns how many it was queued for. */
  broadcast(message: T | string | Uint8Array, options?: BroadcastOptions<D>): number;
}

/** Options for `hub.listen()`. */
export interface HubListenOptions {
  /** Port to listen on; `0` picks a free one. Default 8000. */
  port?: number;
  /** Address to bind. Default `0.0.0.0`. */
  host?: string;
  /**
   * Listen on this Unix domain socket instead of a TCP port (not with `port` or `host`). The
   * file must not exist yet; it is removed when the hub closes.
   */
  path?: string;
  /** Length of the queue of pending connections. */
  backlog?: number;
  /** Cancels a listen that has not completed yet. */
  signal?: AbortSignal;
}

/** Options for `hub.accept()`: who a connection is, and what it speaks. */
export interface AcceptOptions {
  /** The client's address, as connection caps and `peer.remoteAddress` see it. */
  remoteAddress: string;
  /** The client's port, if it has one. Default 0. */
  remotePort?: number | undefined;
  /** What to speak to it. Default: the hub's own framing. */
  protocol?: Codec<unknown> | undefined;
}

/** Where a hub listening on a Unix domain socket is reached. */
export interface UnixSocketAddress {
  /** The socket's path. */
  readonly path: string;
}

/** Where a hub is reached: a TCP address, or a Unix domain socket's path. */
export type HubAddress = AddressInfo | UnixSocketAddress;

/** Options for `hub.close()`. */
export interface HubCloseOptions extends DrainOptions {
  /** The same as `drainTimeout` (which wins when both are given). */
  timeout?: number;
}

/** Who a broadcast goes to. */
export interface BroadcastOptions<D = Record<string, unknown>> {
  /** Leave this client out (the relay leaves out the sender). */
  except?: Peer<D> | undefined;
}
