import type { AdapterStatus, ClusterAdapter } from '../cluster/adapter.js';
import type { BrokerAdapterStats } from '../cluster/broker-adapter.js';
import type { HubCounters } from './hub-counters.js';
import type { Peer } from './peer.js';

/** Options for `hub.stats()`. */
export interface HubStatsOptions {
  /**
   * Also walk every client for what waits to be sent to it (`queued`). Off by default: the rest
   * of the snapshot reads counters and does not visit the clients.
   */
  peers?: boolean;
}

/** Who is connected, in `HubStats`. */
export interface ConnectionStats {
  /** Clients connected now. */
  readonly current: number;
  /** Connections waiting at the authentication gate now (not clients yet). */
  readonly pending: number;
  /** Clients admitted since the hub was created. */
  readonly opened: number;
  /** Clients connected now, by the protocol they are spoken to in (`line`, `json`...; `auto` until detected). */
  readonly byProtocol: Readonly<Record<string, number>>;
  /** Members of each room now (a client in several rooms counts in each). */
  readonly byRoom: Readonly<Record<string, number>>;
}

/** What waits to be sent, in `HubStats` (with `hub.stats({ peers: true })` only). */
export interface QueuedStats {
  /** Bytes queued for every client together. */
  readonly bytes: number;
  /** The most bytes queued for one client. */
  readonly max: number;
  /** Clients with anything queued. */
  readonly peers: number;
}

/** The cluster link, in `HubStats` (hubs with an adapter only). */
export interface HubAdapterStats {
  /** This hub's id in the cluster. */
  readonly hubId: string;
  /** The link's state now. */
  readonly status: AdapterStatus;
  /** Times the link changed state since the hub was created. */
  readonly statusChanges: number;
  /** What crossed the broker, when the adapter counts it (`BrokerAdapter`, and so the Redis and NATS adapters, do). */
  readonly broker?: BrokerAdapterStats;
  /** Events waiting for the broker now: the outbound lag (`broker.waiting`), when the adapter counts it. */
  readonly lag?: number;
}

/** The message history, in `HubStats`, when the hub keeps one. */
export interface HistoryStats {
  /** Rooms with a history. */
  readonly rooms: number;
  /** Messages kept. */
  readonly messages: number;
  /** Bytes those messages hold. */
  readonly bytes: number;
}

/**
 * A snapshot of a hub, from `hub.stats()`. Every count named `...total` in the Prometheus
 * export (`broadcast-chat/prometheus`) is monotonic here: it only grows over the hub's life.
 */
export interface HubStats {
  /** When the hub was created, in milliseconds since the epoch. */
  readonly startedAt: number;
  readonly connections: ConnectionStats;
  /** Rooms with members now (the default room always counts). */
  readonly rooms: number;
  /** Messages received from clients (`in`), and messages the hub relayed or broadcast (`out`), each once however many receive it. */
  readonly messages: { readonly in: number; readonly out: number };
  /** Bytes read from clients (`in`) and queued for them, framing included (`out`). */
  readonly bytes: { readonly in: number; readonly out: number };
  /**
   * Frames queued for clients, one per receiver (relayed messages, notices, replies, pings,
   * goodbyes; from other hubs too), and frames not queued because their client was behind
   * under `slowConsumerPolicy: 'drop'`.
   */
  readonly deliveries: { readonly queued: number; readonly dropped: number };
  /** Connections turned away at the door, by reason (`server-full`, `too-many-from-address`). */
  readonly refused: Readonly<Record<string, number>>;
  /** Connections the `authenticate` hook did not let in, by `AuthError.reason`. */
  readonly authFailures: Readonly<Record<string, number>>;
  /** Messages refused with an error code (`ERR_FLOOD`, `ERR_NOT_IN_ROOM`...), by code. */
  readonly rejected: Readonly<Record<string, number>>;
  /** Clients gone, by `DisconnectReason`. */
  readonly disconnects: Readonly<Record<string, number>>;
  /** `slowConsumer` events: clients found past `maxQueuedBytes`, or over `softQueuedBytes` too long. */
  readonly slowConsumers: number;
  /** Flood control at work: messages held back (`delayed`, policy `slow`), messages dropped (`drop`), clients cut (`cut`). */
  readonly flood: { readonly delayed: number; readonly dropped: number; readonly cut: number };
  /**
   * Errors: `handler` (a `use()` handler or a command failed), `client` (one client's trouble:
   * bad input, a reset, a slow consumer), `tls` (failed TLS handshakes).
   */
  readonly errors: { readonly handler: number; readonly client: number; readonly tls: number };
  /** What waits to be sent to clients now; only with `hub.stats({ peers: true })`. */
  readonly queued?: QueuedStats;
  /** The cluster link; only on a hub with an adapter. */
  readonly adapter?: HubAdapterStats;
  /** The message history; only on a hub that keeps one. */
  readonly history?: HistoryStats;
}

/**
 * What a snapshot reads besides the counters.
 * @internal
 */
export interface StatsSources<D> {
  readonly peers: ReadonlySet<Peer<D>>;
  readonly rooms: ReadonlyMap<string, ReadonlySet<Peer<D>>>;
  /** Connections at the authentication gate. */
  readonly pending: number;
  readonly adapter: ClusterAdapter | undefined;
  /** The history's size, once the hub keeps one (issue 17): `undefined` leaves `history` out. */
  readonly history: HistoryStats | undefined;
}

/**
 * Builds `hub.stats()`: counters and sizes of what the hub already keeps; the clients
 * themselves are visited only when `options.peers` asks.
 * @internal
 */
export function snapshotStats<D>(counters: HubCounters, sources: StatsSources<D>, options: HubStatsOptions = {}): HubStats {
  const adapter = sources.adapter === undefined ? undefined : adapterStats(sources.adapter, counters.adapterStatusChanges);
  return {
    startedAt: counters.startedAt,
    connections: {
      current: sources.peers.size,
      pending: sources.pending,
      opened: counters.opened,
      byProtocol: counters.byProtocol(),
      // Room names are people's words: fromEntries never takes `__proto__` for anything but a name.
      byRoom: Object.fromEntries(Array.from(sources.rooms, ([room, members]) => [room, members.size])),
    },
    rooms: sources.rooms.size,
    messages: { in: counters.messagesIn, out: counters.messagesOut },
    bytes: { in: counters.bytesIn, out: counters.bytesOut },
    deliveries: { queued: counters.deliveries, dropped: counters.deliveriesDropped },
    refused: Object.fromEntries(counters.refused),
    authFailures: Object.fromEntries(counters.authFailures),
    rejected: Object.fromEntries(counters.rejected),
    disconnects: Object.fromEntries(counters.disconnects),
    slowConsumers: counters.slowConsumers,
    flood: { delayed: counters.floodDelayed, dropped: counters.floodDropped, cut: counters.floodCut },
    errors: { handler: counters.handlerErrors, client: counters.clientErrors, tls: counters.tlsErrors },
    ...(options.peers === true ? { queued: queuedStats(sources.peers) } : {}),
    ...(adapter === undefined ? {} : { adapter }),
    ...(sources.history === undefined ? {} : { history: sources.history }),
  };
}

function queuedStats<D>(peers: Iterable<Peer<D>>): QueuedStats {
  let bytes = 0;
  let max = 0;
  let waiting = 0;
  for (const peer of peers) {
    const queued = peer.bytesQueued;
    if (queued === 0) continue;
    bytes += queued;
    waiting += 1;
    if (queued > max) max = queued;
  }
  return { bytes, max, peers: waiting };
}

function adapterStats(adapter: ClusterAdapter, statusChanges: number): HubAdapterStats {
  // Any adapter with a `stats` of BrokerAdapter's shape is read, not only BrokerAdapter itself.
  const broker = brokerStats((adapter as { readonly stats?: unknown }).stats);
  const base = { hubId: adapter.hubId, status: adapter.status, statusChanges };
  if (broker === undefined) return base;
  return typeof broker.waiting === 'number' ? { ...base, broker, lag: broker.waiting } : { ...base, broker };
}

/** The numeric fields of an adapter's `stats`, copied (a getter may hand out its live object); `undefined` if it has none of BrokerAdapter's. */
function brokerStats(value: unknown): BrokerAdapterStats | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const numbers = Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
  if (!numbers.some(([key]) => key === 'published')) return undefined;
  return Object.fromEntries(numbers) as unknown as BrokerAdapterStats;
}
