import type { DirectEnvelope, MessageEnvelope } from '../protocol/envelope.js';

/** What a history keeps: room messages, and direct messages in the log of each party's session. */
export type StoredEvent = MessageEnvelope | DirectEnvelope;

/**
 * A question to a history: the last `limit` events of a stream, or, with `after`, every event
 * kept after the one with that id (a recovery: `limit` does not cut it).
 */
export interface HistoryQuery {
  /** Most events to return when `after` is not given. */
  readonly limit: number;
  /**
   * The id of the last event the client saw: return what follows it, oldest first. `''` (the
   * stream had nothing when the client came in): every event, unless the stream has let some
   * go since (then `too-old`). A `shared` store also returns the events of a short reorder
   * window before the id (hubs deliver each other's events later than their own, so the
   * client may have missed some that the stream has before it): the client drops the ids it
   * has seen.
   */
  readonly after?: string | undefined;
}

/**
 * The answer to a `HistoryQuery`: the events, oldest first, or why a recovery (`after`) cannot
 * be answered: `too-old` when the id has left the history (its size or age), `unknown` when the
 * store never had it (another hub's, from before a restart).
 */
export type HistoryPage = { readonly events: readonly StoredEvent[] } | { readonly missing: 'too-old' | 'unknown' };

/** How big a history is, for `hub.stats()`. */
export interface HistorySize {
  /** Streams kept: rooms, and the direct-message logs of sessions. */
  readonly streams: number;
  /** Rooms among them. */
  readonly rooms: number;
  /** Events kept. */
  readonly messages: number;
  /** Bytes they are counted as (see `MemoryHistoryStore`). */
  readonly bytes: number;
}

/**
 * Where a hub keeps its history: streams of events, each ordered by the store. A stream's key
 * is a room's name, or `@` and a random id for the direct messages of one session (`@` cannot
 * start a room name). The hub assigns every event its `id` (unique across hubs) and appends in
 * the order it delivers; a store answers queries in its own order, which for `MemoryHistoryStore`
 * is the hub's. `append` and `delete` are synchronous (a store that writes elsewhere does so in
 * the background); `read` may return a promise, and the hub holds back what it would send the
 * asking client meanwhile, so that the replay still comes before later live messages.
 */
export interface HistoryStore {
  /**
   * Set by a store that every hub of a cluster shares (`RedisHistoryStore`,
   * `NatsHistoryStore`): it has the events of every hub, so a client that comes from another
   * hub may recover a room from it, and a recovery read may return, before what follows the
   * id, events the client may have seen already (see `HistoryQuery.after`).
   */
  readonly shared?: boolean;
  /**
   * Keeps `event` at the end of stream `key`. `remote` is true for an event that another hub
   * relayed (and that a store shared by the hubs has from that hub already).
   */
  append(key: string, event: StoredEvent, remote: boolean): void;
  /** Answers `query` about stream `key`. */
  read(key: string, query: HistoryQuery): HistoryPage | Promise<HistoryPage>;
  /**
   * Forgets stream `key` (the direct messages of a session that has expired). A `shared`
   * store may keep it until its age limit instead: another hub may have taken the session over.
   */
  delete(key: string): void;
  /**
   * A `shared` store's note that the session `token` keeps its direct messages in stream
   * `logKey`, for `ttlMs` (the recovery window), so that another hub the client comes back
   * through finds them. Written in the background; the token is stored hashed.
   */
  saveSession?(token: string, logKey: string, ttlMs: number): void;
  /** Where session `token`'s direct messages are, if a hub noted it within its time to live. */
  findSession?(token: string): Promise<string | undefined>;
  /**
   * The id of stream `key`'s last event, `''` when it has none: the hub hands it to a client
   * coming into a room, as where a recovery starts if that client sees nothing else there. A
   * store that cannot say at once leaves it out (or returns `undefined` for that stream), and a
   * client that saw nothing in a room then cannot recover it.
   */
  last?(key: string): string | undefined;
  /** How much is kept. */
  size(): HistorySize;
}

/** The prefix of direct-message stream keys. */
export const DIRECT_KEY_PREFIX = '@';
