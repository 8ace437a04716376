import { Redis, type RedisOptions } from 'ioredis';
import {
  answerFromStream,
  encodeHistoryKey,
  LastIds,
  LastTimes,
  parseStoredEvent,
  PendingWrites,
  resolveBrokerHistory,
  sessionName,
  withTimeout,
  type BrokerHistoryOptions,
  type ResolvedBrokerHistory,
} from '../cluster/broker-history.js';
import { DIRECT_KEY_PREFIX, type HistoryPage, type HistoryQuery, type HistorySize, type HistoryStore, type StoredEvent } from '../cluster/history-store.js';

/** Options for `new RedisHistoryStore()`: where Redis is, the namespace, and the limits. */
export interface RedisHistoryStoreOptions extends BrokerHistoryOptions {
  /** A `redis://` URL or ioredis options. Default: `redis://127.0.0.1:6379`. */
  redis?: string | RedisOptions;
  /** Or a client of your own, used as it is (commands in order with your other ones) and never closed by the store. */
  client?: Redis;
  /** Namespace of the streams (`<prefix>:history:<key>`). Default `broadcast-chat`, as the adapter's. */
  prefix?: string;
}

/**
 * A history in Redis Streams that every hub of a cluster shares: one stream per room (and per
 * session's direct messages), `<prefix>:history:k<key in base64url>`. The hub where an event
 * starts writes it (`XADD ... MAXLEN ~ messages`, and `PEXPIRE maxAge`, pushed back at most
 * every tenth of `maxAge`, so that an idle stream goes), in the background: never awaited on
 * the relay path, at most `maxPendingWrites` at once. On the adapter's own connection, an
 * event's XADD reaches Redis before the PUBLISH that relays it, so any hub that has relayed an
 * event finds it in the stream. Where each session's direct messages are is a key
 * `<prefix>:session:<hash of the token>` that lives for the recovery window, so that another
 * hub can recover them too. Reads are one `XREVRANGE` of at most `messages` plus the reorder
 * window; events older than `maxAge` are left out. `last()` comes from the last id this hub
 * appended or relayed per stream.
 *
 * ```ts
 * const hub = new BroadcastHub({ chat: true, history: true, adapter: new RedisAdapter() }); // uses one
 * ```
 */
export class RedisHistoryStore implements HistoryStore {
  readonly shared = true;
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly sessionPrefix: string;
  private readonly limits: ResolvedBrokerHistory;
  private readonly writes: PendingWrites;
  private readonly lastIds = new LastIds();
  /** When each stream's time to live was last pushed back (the newest `LAST_ID_CACHE_SIZE` streams). */
  private readonly expiresSet = new LastTimes();
  /** How often a stream's time to live is pushed back: a tenth of `maxAge`, at most a minute. */
  private readonly expireEvery: number;
  private written = 0;
  private bytes = 0;

  constructor(options: RedisHistoryStoreOptions = {}) {
    this.limits = resolveBrokerHistory(options);
    this.prefix = `${options.prefix ?? 'broadcast-chat'}:history:`;
    this.sessionPrefix = `${options.prefix ?? 'broadcast-chat'}:session:`;
    this.writes = new PendingWrites(this.limits.maxPendingWrites, this.limits.onError);
    this.expireEvery = Math.min(60_000, this.limits.maxAge / 10);
    if (options.client !== undefined) {
      this.client = options.client;
      this.owned = false;
    } else {
      // No offline queue: while Redis is away a write fails at once (the hub's memory has it)
      // rather than piling up; auto-pipelining joins one turn's commands into one write.
      const ours: RedisOptions = { enableOfflineQueue: false, enableAutoPipelining: true, maxRetriesPerRequest: 1, connectionName: 'broadcast-chat-history' };
      const redis = options.redis ?? 'redis://127.0.0.1:6379';
      this.client = typeof redis === 'string' ? new Redis(redis, ours) : new Redis({ ...redis, ...ours });
      this.client.on('error', () => undefined); // reported through the writes and reads that fail
      this.owned = true;
    }
  }

  /** Events this store could not write (the queue was full, or Redis failed them). */
  get lost(): number {
    return this.writes.lost;
  }

  append(key: string, event: StoredEvent, remote: boolean): void {
    this.lastIds.set(key, event.id);
    // The hub where it started wrote it.
    if (remote || !this.writes.admit()) return;
    const name = this.prefix + encodeHistoryKey(key);
    const data = JSON.stringify(event);
    this.written += 1;
    this.bytes += data.length;
    this.writes.track(this.client.xadd(name, 'MAXLEN', '~', this.limits.messages, '*', 'e', data));
    // The stream's time to live, pushed back now and then rather than on every write.
    const now = Date.now();
    if ((this.expiresSet.get(key) ?? 0) + this.expireEvery <= now) {
      this.expiresSet.set(key, now);
      this.writes.track(this.client.pexpire(name, Math.ceil(this.limits.maxAge)));
    }
  }

  read(key: string, query: HistoryQuery): Promise<HistoryPage> {
    const count = query.after === undefined ? Math.max(1, Math.min(query.limit, this.limits.messages)) : this.limits.messages + this.limits.reorderEvents;
    return this.fetch(key, count).then((events) => answerFromStream(events, query, this.limits));
  }

  /**
   * Forgets `key` here only: the stream stays in Redis until its age runs out (`PEXPIRE`),
   * since another hub may have taken the session whose log it is over.
   */
  delete(key: string): void {
    this.lastIds.clear(key);
  }

  saveSession(token: string, logKey: string, ttlMs: number): void {
    if (!this.writes.admit()) return;
    this.writes.track(this.client.set(this.sessionPrefix + sessionName(token), logKey, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  findSession(token: string): Promise<string | undefined> {
    return withTimeout(this.client.get(this.sessionPrefix + sessionName(token)), this.limits.readTimeout, 'GET').then((value) => value ?? undefined);
  }

  last(key: string): string | undefined {
    return this.lastIds.getOrFetch(key, () => this.fetch(key, 1).then((events) => events.at(-1)?.id ?? ''));
  }

  /** The streams this hub knows of lately, and the events and bytes it wrote (Redis holds every hub's, within the limits). */
  size(): HistorySize {
    return { ...this.lastIds.count(DIRECT_KEY_PREFIX), messages: this.written, bytes: this.bytes };
  }

  /** Waits (up to 2 s) for the writes on their way, then closes the connection if the store opened it. */
  async close(): Promise<void> {
    await this.writes.settle(2000);
    if (!this.owned) return;
    if (this.client.status === 'ready') await this.client.quit().catch(() => undefined);
    else this.client.disconnect();
  }

  /** The last `count` events of stream `key` within `maxAge`, oldest first. */
  private async fetch(key: string, count: number): Promise<StoredEvent[]> {
    const rows = await withTimeout(this.client.xrevrange(this.prefix + encodeHistoryKey(key), '+', '-', 'COUNT', count), this.limits.readTimeout, 'XREVRANGE');
    const oldest = Date.now() - this.limits.maxAge;
    const events: StoredEvent[] = [];
    for (let index = rows.length - 1; index >= 0; index -= 1) {
      const fields = rows[index]?.[1] ?? [];
      const at = fields.indexOf('e');
      const event = at >= 0 && at % 2 === 0 ? parseStoredEvent(fields[at + 1] ?? '') : undefined;
      if (event !== undefined && event.ts >= oldest) events.push(event);
    }
    const newest = events.at(-1);
    if (newest !== undefined && this.lastIds.get(key) === undefined) this.lastIds.set(key, newest.id);
    return events;
  }
}
