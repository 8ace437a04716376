import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type KV, type NatsConnection } from 'nats';
import {
  answerFromStream,
  encodeHistoryKey,
  LastIds,
  parseStoredEvent,
  PendingWrites,
  resolveBrokerHistory,
  sessionName,
  withTimeout,
  type BrokerHistoryOptions,
  type ResolvedBrokerHistory,
} from '../cluster/broker-history.js';
import { DIRECT_KEY_PREFIX, type HistoryPage, type HistoryQuery, type HistorySize, type HistoryStore, type StoredEvent } from '../cluster/history-store.js';

/** Options for `new NatsHistoryStore()`: the connection, the namespace, and the limits. */
export interface NatsHistoryStoreOptions extends BrokerHistoryOptions {
  /**
   * The connection to use (never closed by the store), or a function that returns it once it
   * exists (the adapter's, which connects later): until then, writes are lost and reads fail.
   */
  connection: NatsConnection | (() => NatsConnection | undefined);
  /** Namespace of the stream (`<prefix>-history`) and its subjects (`<prefix>.history.<key>`). Default `broadcast-chat`, as the adapter's. */
  prefix?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A history in JetStream that every hub of a cluster shares: one stream per prefix,
 * `<prefix>-history`, with a subject per room (and per session's direct messages),
 * `<prefix>.history.<key in base64url>`, kept within `max_msgs_per_subject` (`messages`),
 * `max_age` and `max_bytes` (`totalBytes`), the oldest going first. The hub where an event
 * starts publishes it, in the background (at most `maxPendingWrites` unacknowledged); a read
 * is an ordered consumer on the room's subject, from its first event to the last one it had
 * when the read began, so at most `messages` events. `last()` comes from the last id this hub
 * appended or relayed per stream. The stream is created (or its limits updated) on first use.
 * Where each session's direct messages are is kept in the KV bucket `<prefix>-sessions` (keys:
 * hashes of the tokens; time to live: the recovery window), so that another hub can recover
 * them too.
 */
export class NatsHistoryStore implements HistoryStore {
  readonly shared = true;
  private readonly connection: () => NatsConnection | undefined;
  private readonly stream: string;
  private readonly subjectPrefix: string;
  private readonly limits: ResolvedBrokerHistory;
  private readonly writes: PendingWrites;
  private readonly lastIds = new LastIds();
  /** The stream made ready on this connection; dropped when that fails, to try again. */
  private ready: { connection: NatsConnection; done: Promise<JetStreamManager>; jsm?: JetStreamManager } | undefined;
  /** The session bucket on this connection. */
  private sessions: { connection: NatsConnection; done: Promise<KV> } | undefined;
  private sessionTtl: number | undefined;
  private readonly bucket: string;
  private written = 0;
  private bytes = 0;

  constructor(options: NatsHistoryStoreOptions) {
    this.limits = resolveBrokerHistory(options);
    const given = options.connection;
    this.connection = typeof given === 'function' ? given : () => given;
    const prefix = options.prefix ?? 'broadcast-chat';
    this.stream = `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-history`;
    this.subjectPrefix = `${prefix.replace(/[^A-Za-z0-9_.-]/g, '_')}.history.`;
    this.bucket = `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-sessions`;
    this.writes = new PendingWrites(this.limits.maxPendingWrites, this.limits.onError);
  }

  /** Events this store could not write (no connection, the queue full, or JetStream failed them). */
  get lost(): number {
    return this.writes.lost;
  }

  append(key: string, event: StoredEvent, remote: boolean): void {
    this.lastIds.set(key, event.id);
    if (remote || !this.writes.admit()) return;
    const data = encoder.encode(JSON.stringify(event));
    const subject = this.subjectPrefix + encodeHistoryKey(key);
    this.written += 1;
    this.bytes += data.length;
    const connection = this.connection();
    if (this.ready?.jsm !== undefined && this.ready.connection === connection) {
      // At once, so that it goes out before the relay's own publish of the event on this connection.
      this.writes.track(this.ready.jsm.jetstream().publish(subject, data));
      return;
    }
    let ready: Promise<JetStreamManager>;
    try {
      ready = this.prepare();
    } catch (error) {
      this.writes.track(Promise.reject(error instanceof Error ? error : new Error(String(error))));
      return;
    }
    // Until the stream is there, publishes wait for it, in the order appended (each `then` in turn).
    this.writes.track(ready.then((jsm) => jsm.jetstream().publish(subject, data)));
  }

  read(key: string, query: HistoryQuery): Promise<HistoryPage> {
    return this.fetch(key).then((events) => answerFromStream(events, query, this.limits));
  }

  /**
   * Forgets `key` here only: its events stay in the stream until `max_age`, since another hub
   * may have taken the session whose log it is over.
   */
  delete(key: string): void {
    this.lastIds.clear(key);
  }

  saveSession(token: string, logKey: string, ttlMs: number): void {
    if (!this.writes.admit()) return;
    let bucket: Promise<KV>;
    try {
      bucket = this.sessionBucket(ttlMs);
    } catch (error) {
      this.writes.track(Promise.reject(error instanceof Error ? error : new Error(String(error))));
      return;
    }
    this.writes.track(bucket.then((kv) => kv.put(sessionName(token), encoder.encode(logKey))));
  }

  findSession(token: string): Promise<string | undefined> {
    const find = async (): Promise<string | undefined> => {
      // A bucket not made yet (no hub saved a session): made with the default window, then empty.
      const kv = await this.sessionBucket(this.sessionTtl ?? 2 * 60 * 1000);
      const entry = await kv.get(sessionName(token));
      return entry !== null && entry.operation === 'PUT' ? decoder.decode(entry.value) : undefined;
    };
    return withTimeout(find(), this.limits.readTimeout, 'JetStream KV get');
  }

  last(key: string): string | undefined {
    // The subject's last message only.
    return this.lastIds.getOrFetch(key, () => this.fetchLast(key));
  }

  /** The streams this hub knows of lately, and the events and bytes it wrote (JetStream holds every hub's, within the limits). */
  size(): HistorySize {
    return { ...this.lastIds.count(DIRECT_KEY_PREFIX), messages: this.written, bytes: this.bytes };
  }

  /** Waits (up to 2 s) for the writes on their way. The connection is its owner's to close. */
  async close(): Promise<void> {
    await this.writes.settle(2000);
  }

  /**
   * The KV bucket `<prefix>-sessions` (its entries live `ttlMs`, the recovery window, as the
   * first hub to make it set it), on the current connection.
   */
  private sessionBucket(ttlMs: number): Promise<KV> {
    const connection = this.connection();
    if (connection === undefined || connection.isClosed()) throw new Error('not connected to NATS');
    this.sessionTtl ??= ttlMs;
    if (this.sessions?.connection === connection) return this.sessions.done;
    const done = connection.jetstream().views.kv(this.bucket, { history: 1, ttl: Math.max(1000, Math.ceil(ttlMs)) });
    this.sessions = { connection, done };
    done.catch(() => {
      if (this.sessions?.done === done) this.sessions = undefined;
    });
    return done;
  }

  /** The JetStream manager, once the stream exists with our limits on the current connection. */
  private prepare(): Promise<JetStreamManager> {
    const connection = this.connection();
    if (connection === undefined || connection.isClosed()) throw new Error('not connected to NATS');
    if (this.ready?.connection === connection) return this.ready.done;
    const done = this.ensureStream(connection);
    const ready: { connection: NatsConnection; done: Promise<JetStreamManager>; jsm?: JetStreamManager } = { connection, done };
    this.ready = ready;
    done.then(
      (jsm) => {
        ready.jsm = jsm;
      },
      () => {
        if (this.ready === ready) this.ready = undefined;
      },
    );
    return done;
  }

  private async ensureStream(connection: NatsConnection): Promise<JetStreamManager> {
    const jsm = await connection.jetstreamManager();
    const config = {
      name: this.stream,
      subjects: [`${this.subjectPrefix}>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_msgs_per_subject: this.limits.messages,
      max_age: nanos(this.limits.maxAge),
      max_bytes: this.limits.totalBytes,
    };
    try {
      await jsm.streams.info(this.stream);
      await jsm.streams.update(this.stream, config);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.streams.add(config);
    }
    return jsm;
  }

  /** The id of stream `key`'s last event, `''` for none. */
  private async fetchLast(key: string): Promise<string> {
    const read = async (): Promise<string> => {
      const jsm = await this.prepare();
      try {
        const stored = await jsm.streams.getMessage(this.stream, { last_by_subj: this.subjectPrefix + encodeHistoryKey(key) });
        return parseStoredEvent(decoder.decode(stored.data))?.id ?? '';
      } catch (error) {
        if (isNotFound(error)) return '';
        throw error;
      }
    };
    return withTimeout(read(), this.limits.readTimeout, 'JetStream get');
  }

  /** Every event of stream `key`, oldest first: at most `messages`, by the stream's limit. */
  private async fetch(key: string): Promise<StoredEvent[]> {
    const subject = this.subjectPrefix + encodeHistoryKey(key);
    let stop: (() => void) | undefined;
    let late = false;
    const read = async (): Promise<StoredEvent[]> => {
      const jsm = await this.prepare();
      let lastSeq: number;
      try {
        lastSeq = (await jsm.streams.getMessage(this.stream, { last_by_subj: subject })).seq;
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
      const consumer = await jsm.jetstream().consumers.get(this.stream, { filterSubjects: subject });
      const messages = await consumer.consume({ max_messages: Math.min(this.limits.messages + 1, 1000) });
      stop = () => {
        messages.stop();
      };
      if (late) stop();
      const events: StoredEvent[] = [];
      try {
        for await (const message of messages) {
          const event = parseStoredEvent(decoder.decode(message.data));
          if (event !== undefined) events.push(event);
          // Up to what the subject had when the read began: a busy room does not keep it going.
          if (message.seq >= lastSeq || message.info.pending === 0 || events.length > this.limits.messages) break;
        }
      } finally {
        messages.stop();
      }
      return events;
    };
    const events = await withTimeout(read(), this.limits.readTimeout, 'JetStream read').catch((error: unknown) => {
      // Timed out (or failed): the consumer, if it started, stops too.
      late = true;
      stop?.();
      throw error;
    });
    const newest = events.at(-1);
    if (newest !== undefined && this.lastIds.get(key) === undefined) this.lastIds.set(key, newest.id);
    return events;
  }
}

/** JetStream's "no such stream" and "no message found" (404, or the 10059/10037 API codes). */
function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const apiCode = (error as { api_error?: { err_code?: number } }).api_error?.err_code;
  return code === '404' || apiCode === 10059 || apiCode === 10037 || /not found|no message found/i.test(error.message);
}
