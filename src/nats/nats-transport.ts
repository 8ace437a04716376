import { connect, type ConnectionOptions, type KV, type NatsConnection } from 'nats';
import { exponentialBackoff, type RetryStrategy } from '../backoff.js';
import { DEFAULT_MAX_FRAME_BYTES, type BrokerTransport, type TransportHandlers } from '../cluster/broker-transport.js';

/** Where the NATS transport connects, and how. */
export interface NatsTransportOptions {
  /** Server(s) to connect to. Default `127.0.0.1:4222`. */
  servers?: string | string[];
  /**
   * More `nats` connection options (credentials, TLS...). Reconnection settings here win over
   * ours: with `reconnectDelayHandler`, `reconnectTimeWait` or `reconnectJitter` set, the
   * client's own reconnect timing applies instead of the backoff below.
   */
  connection?: Partial<ConnectionOptions>;
  /** Namespace of the subject (`<prefix>.bus`) and of the JetStream KV bucket (`<prefix>-nicks`). Default `broadcast-chat`. */
  prefix?: string;
  /**
   * Longest wait between reconnect attempts, in ms. Default 2000. After a disconnect the first
   * attempt is immediate; then each wait is a random time under a ceiling that starts at 100 ms
   * and doubles per failed attempt up to this (capped exponential backoff with full jitter).
   * The first connection, before `start()` has resolved, is retried the same way.
   */
  maxReconnectDelay?: number;
  /** Time to live of nickname claims in the bucket, in ms: the adapter's presence timeout. Set once, when the bucket is created. */
  claimTtl: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * NATS core for frames (one subject, one connection per hub, so NATS keeps each hub's order)
 * and a JetStream KV bucket for nickname claims: `create()` succeeds for one hub only, and the
 * bucket's TTL frees the names of a hub that stopped refreshing them. The `nats` client
 * reconnects and resubscribes by itself; while it is down nothing is published (dropped and
 * counted), rather than left to the client's reconnect buffer.
 */
export class NatsTransport implements BrokerTransport {
  readonly name = 'nats';
  private readonly options: NatsTransportOptions;
  private readonly subject: string;
  private readonly bucket: string;
  private connection: NatsConnection | undefined;
  private kv: KV | undefined;
  private up = false;
  private closing = false;
  private readonly backoff: RetryStrategy;
  /** Where the client's reconnect loop is in the backoff: see `reconnectDelay`. */
  private redial = { attempt: 0, last: 0, wait: 0 };
  /** The first connection's wait between attempts, which `close()` cuts short. */
  private pause: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(options: NatsTransportOptions) {
    this.options = options;
    const prefix = options.prefix ?? 'broadcast-chat';
    this.subject = `${prefix.replace(/[^A-Za-z0-9_.-]/g, '_')}.bus`;
    this.bucket = `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-nicks`;
    const maxDelay = options.maxReconnectDelay ?? 2000;
    this.backoff = exponentialBackoff({ initialDelay: Math.min(100, maxDelay), maxDelay });
  }

  /** The connection, once `start()` made it (the same object across reconnects): a `NatsHistoryStore` of the same hub uses it. */
  get current(): NatsConnection | undefined {
    return this.connection;
  }

  /** The namespace of the subject and bucket. */
  get namespace(): string {
    return this.options.prefix ?? 'broadcast-chat';
  }

  /** The server's `max_payload`, which the client refuses to exceed (it throws). */
  get maxFrameBytes(): number {
    return this.connection?.info?.max_payload ?? DEFAULT_MAX_FRAME_BYTES;
  }

  async start(handlers: TransportHandlers): Promise<void> {
    const connection = await this.connectFirst(handlers);
    this.connection = connection;
    // The client's first dial went through reconnectDelay too: outages start from scratch.
    this.redial = { attempt: 0, last: 0, wait: 0 };
    connection.subscribe(this.subject, {
      callback: (error, message) => {
        if (error === null) handlers.message(decoder.decode(message.data));
        else handlers.error(error);
      },
    });
    await connection.flush();
    this.kv = await connection.jetstream().views.kv(this.bucket, { history: 1, ttl: this.options.claimTtl });
    this.up = true;
    void this.watch(connection, handlers);
  }

  publish(frame: string): boolean {
    const connection = this.connection;
    if (!this.up || connection === undefined || connection.isClosed() || connection.isDraining()) return false;
    // Anything else it throws for (a frame over max_payload) is the adapter's to report.
    connection.publish(this.subject, encoder.encode(frame));
    return true;
  }

  async claim(key: string, owner: string): Promise<boolean> {
    const kv = this.bucketOrThrow();
    const name = kvKey(key);
    try {
      await kv.create(name, encoder.encode(owner));
      return true;
    } catch (error) {
      // The key exists: it is ours (a claim taken again after a reconnect) or another hub's.
      const entry = await kv.get(name);
      if (entry !== null && entry.operation === 'PUT') return decoder.decode(entry.value) === owner;
      throw error;
    }
  }

  async refresh(keys: readonly string[], owner: string): Promise<void> {
    const kv = this.bucketOrThrow();
    for (const key of keys) {
      const name = kvKey(key);
      const entry = await kv.get(name);
      // A put restarts the key's age; update() fails if another hub wrote it in between.
      if (entry !== null && entry.operation === 'PUT' && decoder.decode(entry.value) === owner) await kv.update(name, encoder.encode(owner), entry.revision);
    }
  }

  async release(key: string, owner: string): Promise<void> {
    const kv = this.bucketOrThrow();
    const name = kvKey(key);
    const entry = await kv.get(name);
    if (entry !== null && entry.operation === 'PUT' && decoder.decode(entry.value) === owner) await kv.delete(name, { previousSeq: entry.revision });
  }

  async close(): Promise<void> {
    const wasUp = this.up;
    this.closing = true;
    this.up = false;
    this.pause?.wake();
    const connection = this.connection;
    this.connection = undefined;
    if (connection === undefined || connection.isClosed()) return;
    // drain() delivers what is in flight (a goodbye) before closing. While reconnecting nothing
    // was published, and drain() would not stop the client's reconnect loop, which then keeps
    // the process alive: close() does.
    if (wasUp) await connection.drain().catch(() => connection.close());
    else await connection.close();
  }

  /**
   * The first connection, tried with capped backoff until it succeeds or the adapter closes.
   * (The client's own `waitOnFirstConnect` would retry too, but could not be stopped by `close()`.)
   */
  private async connectFirst(handlers: TransportHandlers): Promise<NatsConnection> {
    const given = this.options.connection ?? {};
    const ownTiming = given.reconnectDelayHandler !== undefined || given.reconnectTimeWait !== undefined || given.reconnectJitter !== undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const connection = await connect({
          servers: this.options.servers ?? '127.0.0.1:4222',
          name: 'broadcast-chat',
          reconnect: true,
          maxReconnectAttempts: -1,
          ...(ownTiming ? {} : { reconnectDelayHandler: this.reconnectDelay }),
          // Found missing within two seconds when the server stops answering without closing.
          pingInterval: 1000,
          maxPingOut: 2,
          ...given,
        });
        if (!this.closing) return connection;
        await connection.close();
      } catch (error) {
        if (attempt === 1) handlers.error(error instanceof Error ? error : new Error(String(error)));
      }
      if (!this.closing) await this.sleep(this.backoff(attempt) ?? 0);
      if (this.closing) throw new Error('closed before connecting to NATS');
    }
  }

  /** A wait that `close()` ends at once, so that a transport closed while retrying keeps no timer alive. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.pause = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pause = { timer, wake };
    });
  }

  /**
   * The client's reconnect loop asks for a wait on every turn of its loop, not once per
   * attempt, and dials when the wait has passed since its last dial. So the schedule moves on
   * only when the current wait has run out (the loop dials then), and each attempt's random
   * wait is drawn once: a fresh draw per question would make the waits the client keeps.
   */
  private readonly reconnectDelay = (): number => {
    const now = Date.now();
    const { attempt, last, wait } = this.redial;
    if (last + wait > now) return wait;
    this.redial = { attempt: attempt + 1, last: now, wait: this.backoff(attempt + 1) ?? 0 };
    return wait;
  };

  private bucketOrThrow(): KV {
    if (this.kv === undefined) throw new Error('not connected to NATS');
    return this.kv;
  }

  private async watch(connection: NatsConnection, handlers: TransportHandlers): Promise<void> {
    for await (const status of connection.status()) {
      // The status types are string enums of the nats package; compared as the strings they are.
      const type: string = status.type;
      const data = typeof status.data === 'string' || typeof status.data === 'number' ? String(status.data) : JSON.stringify(status.data);
      if (type === 'disconnect' && this.up) {
        this.up = false;
        handlers.down(new Error(`disconnected from ${data}`));
      } else if (type === 'reconnect' && !this.up && this.connection === connection) {
        // The next outage starts its backoff over, with an immediate first attempt.
        this.redial = { attempt: 0, last: 0, wait: 0 };
        this.up = true;
        handlers.up();
      } else if (type === 'error') {
        handlers.error(new Error(`NATS: ${data}`));
      }
    }
  }
}

/** KV keys allow letters, digits, `-`, `_`, `=`, `/` and `.`: the adapter's `nick:bob` becomes `nick.bob`. */
function kvKey(key: string): string {
  return key.replace(/:/g, '.');
}
