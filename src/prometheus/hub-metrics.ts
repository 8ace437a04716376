import type { BroadcastHub } from '../hub/hub.js';
import type { AuthFailureReason } from '../hub/auth/auth-error.js';
import type { AdmissionRefusal } from '../hub/limits/connection-limiter.js';
import type { HubStats } from '../hub/stats.js';
import type { DisconnectReason } from '../protocol/disconnect-reason.js';
import { formatExposition, isLabelName, isMetricName, type MetricFamily, type MetricSample } from './exposition.js';

/** Any hub, whatever its message and data types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBroadcastHub = BroadcastHub<any, any>;

/** Options for `hubMetricsText()`, `collectHubMetrics()` and `serveMetrics()`. */
export interface HubMetricsOptions {
  /** The start of every metric's name. Default `broadcast_chat_`. */
  prefix?: string;
  /** Labels added to every sample (`{ hub: 'eu-1' }`, say). Their names must not be ones the metrics use (`protocol`, `room`, `reason`, `code`, `action`, `status`). */
  labels?: Readonly<Record<string, string>>;
  /**
   * Rooms that get a `room_members` series of their own: the largest, this many at most.
   * Default 20; `0` for none. Room names are chosen by users, and each is a series Prometheus keeps.
   */
  maxRooms?: number;
  /** Read what is queued for every client at each scrape (`queued_bytes`, `queued_bytes_max`): one walk over the clients. Default `true`. */
  peers?: boolean;
}

/** Default for `HubMetricsOptions.prefix`. */
export const DEFAULT_METRICS_PREFIX = 'broadcast_chat_';
/** Default for `HubMetricsOptions.maxRooms`. */
export const DEFAULT_METRICS_MAX_ROOMS = 20;

/** The label names the metrics use themselves. */
const OWN_LABELS = new Set(['protocol', 'room', 'reason', 'code', 'action', 'status']);

/** Reasons shown at 0 before they first happen, so that `rate()` sees their first increase. */
const REFUSALS = everyOf<AdmissionRefusal>({ 'server-full': true, 'too-many-from-address': true, banned: true });
const AUTH_FAILURES = everyOf<AuthFailureReason>({ rejected: true, error: true, timeout: true, 'too-large': true, closed: true });
// The reasons of a client that was in: not those of a refusal at the door, nor the closes the hub makes itself.
const DISCONNECTS = ['client-closed', 'reset', 'error', 'shutdown', 'kicked', 'banned', 'slow-consumer', 'too-large', 'heartbeat', 'flood', 'idle', 'timeout', 'tls-renegotiation'] as const satisfies readonly DisconnectReason[];
const ADAPTER_STATUSES = ['connecting', 'connected', 'disconnected', 'closed'];
/** `BrokerAdapterStats` counters: the field, the metric's name (before `_total`), its help. */
const BROKER_COUNTERS = [
  ['published', 'adapter_published_events', 'Events handed to the broker.'],
  ['dropped', 'adapter_dropped_events', 'Events not sent: broker unreachable, refused, too big, or over the backlog.'],
  ['received', 'adapter_received_events', 'Events from other hubs applied here.'],
  ['duplicates', 'adapter_duplicate_frames', 'Frames from other hubs seen twice, and dropped.'],
  ['missed', 'adapter_missed_frames', 'Frames of other hubs that never arrived.'],
  ['throttled', 'adapter_throttled', 'Times the outbound budget ran out and the hub held senders back.'],
] as const;

/** Checked options, with defaults. */
interface ResolvedMetricsOptions {
  readonly prefix: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly maxRooms: number;
  readonly peers: boolean;
}

/**
 * Checks `HubMetricsOptions` and fills in the defaults; throws a `TypeError` or `RangeError`
 * naming the option.
 * @internal
 */
export function resolveMetricsOptions(options: HubMetricsOptions = {}): ResolvedMetricsOptions {
  const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
  if (typeof prefix !== 'string' || (prefix !== '' && !isMetricName(prefix))) throw new TypeError(`prefix must start a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), got ${JSON.stringify(prefix)}`);
  const labels = options.labels ?? {};
  for (const [name, value] of Object.entries(labels)) {
    if (!isLabelName(name)) throw new TypeError(`labels: ${JSON.stringify(name)} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)`);
    if (OWN_LABELS.has(name)) throw new TypeError(`labels: ${JSON.stringify(name)} is a label the hub's metrics use themselves`);
    if (typeof value !== 'string') throw new TypeError(`labels: the value of ${name} must be a string`);
  }
  const maxRooms = options.maxRooms ?? DEFAULT_METRICS_MAX_ROOMS;
  if (!Number.isInteger(maxRooms) || maxRooms < 0) throw new RangeError(`maxRooms must be 0 or a positive integer, got ${maxRooms}`);
  return { prefix, labels: { ...labels }, maxRooms, peers: options.peers ?? true };
}

/**
 * The hub's metrics as metric families, from one `hub.stats()`: for an application that feeds
 * them into a registry of its own (an OpenTelemetry meter's observable callbacks, say).
 * `hubMetricsText()` writes the same in the text format.
 */
export function collectHubMetrics(hub: AnyBroadcastHub, options?: HubMetricsOptions): MetricFamily[] {
  const resolved = resolveMetricsOptions(options);
  return familiesOf(hub.stats({ peers: resolved.peers }), resolved);
}

/**
 * The hub's metrics in the Prometheus text format, ready to serve at `/metrics`, or to append
 * to what an application's own registry writes (`await register.metrics() + hubMetricsText(hub)`
 * with prom-client). Ends with a newline.
 */
export function hubMetricsText(hub: AnyBroadcastHub, options?: HubMetricsOptions): string {
  return formatExposition(collectHubMetrics(hub, options));
}

/** Builds the families from a snapshot. */
function familiesOf(stats: HubStats, options: ResolvedMetricsOptions): MetricFamily[] {
  const { prefix, labels: common } = options;
  const families: MetricFamily[] = [];
  const one = (value: number): MetricSample[] => [{ labels: common, value }];
  const by = (label: string, counts: Readonly<Record<string, number>>, known: readonly string[] = []): MetricSample[] => {
    const all = new Map<string, number>(known.map((key) => [key, 0]));
    for (const [key, value] of Object.entries(counts)) all.set(key, value);
    return Array.from(all, ([key, value]) => ({ labels: { ...common, [label]: key }, value }));
  };
  const gauge = (name: string, help: string, samples: MetricSample[]): void => {
    families.push({ name: `${prefix}${name}`, help, type: 'gauge', samples });
  };
  const counter = (name: string, help: string, samples: MetricSample[]): void => {
    families.push({ name: `${prefix}${name}_total`, help, type: 'counter', samples });
  };

  gauge('start_time_seconds', 'When the hub was created, in seconds since the Unix epoch.', one(stats.startedAt / 1000));
  gauge('clients', 'Clients connected now.', one(stats.connections.current));
  gauge('clients_by_protocol', 'Clients connected now, by the protocol they are spoken to in.', by('protocol', stats.connections.byProtocol));
  gauge('pending_connections', 'Connections waiting at the authentication gate now.', one(stats.connections.pending));
  gauge('rooms', 'Rooms with members now.', one(stats.rooms));
  gauge('room_members', `Members of the largest rooms now (at most ${options.maxRooms} rooms).`, largestRooms(stats.connections.byRoom, options.maxRooms, common));
  counter('connections', 'Clients admitted.', one(stats.connections.opened));
  counter('messages_received', 'Messages received from clients, heartbeat answers included.', one(stats.messages.in));
  counter('messages_sent', 'Messages the hub relayed or broadcast, each counted once however many clients it went to.', one(stats.messages.out));
  counter('deliveries', 'Frames queued for clients, one per receiver.', one(stats.deliveries.queued));
  counter('deliveries_dropped', "Frames not queued because their client was behind (slowConsumerPolicy 'drop').", one(stats.deliveries.dropped));
  counter('received_bytes', 'Bytes read from clients.', one(stats.bytes.in));
  counter('sent_bytes', 'Bytes queued for clients, framing included.', one(stats.bytes.out));
  counter('refused_connections', 'Connections turned away at the door, by reason.', by('reason', stats.refused, REFUSALS));
  counter('auth_failures', 'Connections the authenticate hook did not let in, by reason.', by('reason', stats.authFailures, AUTH_FAILURES));
  counter('rejected_messages', 'Messages refused with an error code, by code.', by('code', stats.rejected));
  counter('disconnects', 'Clients gone, by reason.', by('reason', stats.disconnects, DISCONNECTS));
  counter('slow_consumers', 'Clients found too far behind in reading (slowConsumer events).', one(stats.slowConsumers));
  counter('flood_actions', 'Flood control at work: messages delayed or dropped, clients cut.', by('action', stats.flood));
  counter('handler_errors', 'Message handlers and commands that failed.', one(stats.errors.handler));
  counter('client_errors', "Clients' trouble: bad input, resets, slow consumers (clientError events).", one(stats.errors.client));
  counter('tls_handshake_errors', 'Failed TLS handshakes.', one(stats.errors.tls));
  if (stats.queued !== undefined) {
    gauge('queued_bytes', 'Bytes waiting to be sent to clients now.', one(stats.queued.bytes));
    gauge('queued_bytes_max', 'The most bytes waiting to be sent to one client now.', one(stats.queued.max));
    gauge('queued_clients', 'Clients with anything waiting to be sent to them now.', one(stats.queued.peers));
  }
  const adapter = stats.adapter;
  if (adapter !== undefined) {
    gauge('adapter_up', 'Whether the link to the other hubs is connected (1) or not (0).', one(adapter.status === 'connected' ? 1 : 0));
    gauge(
      'adapter_status',
      'The state of the link to the other hubs: 1 for the current one.',
      ADAPTER_STATUSES.map((status) => ({ labels: { ...common, status }, value: adapter.status === status ? 1 : 0 })),
    );
    counter('adapter_status_changes', 'Times the link to the other hubs changed state.', one(adapter.statusChanges));
    const broker = adapter.broker;
    if (broker !== undefined) {
      // A custom adapter's `stats` may count less than BrokerAdapter's: only what it has is exported.
      const counts = broker as Partial<Record<keyof typeof broker, number>>;
      for (const [key, name, help] of BROKER_COUNTERS) {
        const value = counts[key];
        if (typeof value === 'number') counter(name, help, one(value));
      }
    }
    if (adapter.lag !== undefined) gauge('adapter_lag_events', 'Events waiting for the broker now.', one(adapter.lag));
  }
  const history = stats.history;
  if (history !== undefined) {
    gauge('history_rooms', 'Rooms with a message history.', one(history.rooms));
    gauge('history_messages', 'Messages kept in the history.', one(history.messages));
    gauge('history_bytes', 'Bytes the history holds.', one(history.bytes));
  }
  return families;
}

/** The largest `max` rooms, largest first (then by name, so that scrapes agree). */
function largestRooms(byRoom: Readonly<Record<string, number>>, max: number, common: Readonly<Record<string, string>>): MetricSample[] {
  if (max === 0) return [];
  return Object.entries(byRoom)
    .sort(([roomA, a], [roomB, b]) => b - a || (roomA < roomB ? -1 : roomA > roomB ? 1 : 0))
    .slice(0, max)
    .map(([room, value]) => ({ labels: { ...common, room }, value }));
}

/** Every member of a union of labels, which the compiler checks is complete: a new one cannot be forgotten here. */
function everyOf<K extends string>(all: Record<K, true>): K[] {
  return Object.keys(all) as K[];
}
