import { connect, type ConnectionOptions, type KV, type NatsConnection } from 'nats';
import type { BrokerTransport, TransportHandlers } from '../cluster/broker-transport.js';

/** Where the NATS transport connects, and how. */
export interface NatsTransportOptions {
  /** Server(s) to connect to. Default `127.0.0.1:4222`. */
  servers?: string | string[];
  /** More `nats` connection options (credentials, TLS...); reconnection settings here win over ours. */
  connection?: Partial<ConnectionOptions>;
  /** Namespace of the subject (`<prefix>.bus`) and of the JetStream KV bucket (`<prefix>-nicks`). Default `broadcast-chat`. */
  prefix?: string;
  /** Longest wait between reconnect attempts, in ms. Default 2000. */
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

  constructor(options: NatsTransportOptions) {
    this.options = options;
    const prefix = options.prefix ?? 'broadcast-chat';
    this.subject = `${prefix.replace(/[^A-Za-z0-9_.-]/g, '_')}.bus`;
    this.bucket = `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-nicks`;
  }

  async start(handlers: TransportHandlers): Promise<void> {
    const connection = await this.connectFirst(handlers);
    this.connection = connection;
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
    if (!this.up || this.connection === undefined) return false;
    try {
      this.connection.publish(this.subject, encoder.encode(frame));
      return true;
    } catch {
      return false;
    }
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
    this.closing = true;
    this.up = false;
    const connection = this.connection;
    this.connection = undefined;
    if (connection === undefined || connection.isClosed()) return;
    // drain() delivers what is in flight (a goodbye) before closing.
    await connection.drain().catch(() => connection.close());
  }

  /**
   * The first connection, tried with capped backoff until it succeeds or the adapter closes.
   * (The client's own `waitOnFirstConnect` would retry too, but could not be stopped by `close()`.)
   */
  private async connectFirst(handlers: TransportHandlers): Promise<NatsConnection> {
    const maxDelay = this.options.maxReconnectDelay ?? 2000;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const connection = await connect({
          servers: this.options.servers ?? '127.0.0.1:4222',
          name: 'broadcast-chat',
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: Math.min(250, maxDelay),
          reconnectJitter: Math.min(250, maxDelay),
          // Found missing within two seconds when the server stops answering without closing.
          pingInterval: 1000,
          maxPingOut: 2,
          ...this.options.connection,
        });
        if (!this.closing) return connection;
        await connection.close();
      } catch (error) {
        if (attempt === 1) handlers.error(error instanceof Error ? error : new Error(String(error)));
      }
      const ceiling = Math.min(maxDelay, 100 * 2 ** Math.min(attempt, 16));
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + (Math.random() * ceiling) / 2));
      if (this.closing) throw new Error('closed before connecting to NATS');
    }
  }

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
