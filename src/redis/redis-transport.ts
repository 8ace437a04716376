import { Redis, type RedisOptions } from 'ioredis';
import { DEFAULT_MAX_FRAME_BYTES, type BrokerTransport, type TransportHandlers } from '../cluster/broker-transport.js';

/** Where the Redis transport connects, and how. */
export interface RedisTransportOptions {
  /** A `redis://` URL or ioredis options. Default: `redis://127.0.0.1:6379`. */
  redis?: string | RedisOptions;
  /** Or a client of your own: it is duplicated (a subscriber and a publisher) and never closed by the adapter. */
  client?: Redis;
  /** Namespace of the channel (`<prefix>:bus`) and keys (`<prefix>:nick:<name>`). Default `broadcast-chat`. */
  prefix?: string;
  /** Longest wait between reconnect attempts, in ms. Default 2000. */
  maxReconnectDelay?: number;
  /**
   * Largest PUBLISH, in bytes; a turn with more events is published as several frames. Default
   * 1 MiB. Redis would take far bigger messages, but it cuts a subscriber whose pub/sub output
   * buffer passes `client-output-buffer-limit pubsub` (32 MB by default), and each hub parses a
   * frame in one go.
   */
  maxFrameBytes?: number;
}

// Each script reads and writes one key atomically, so that two hubs racing for a name (or a
// heartbeat racing an expiry) cannot both win. A claim by the key's own owner succeeds: a hub
// takes its names again after the broker restarted, without tripping over those that survived.
const CLAIM = `local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const REFRESH = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Redis pub/sub for frames (one channel, one publishing connection per hub, so Redis keeps each
 * hub's order), and keys with a TTL for nickname claims. ioredis reconnects with the backoff
 * below and resubscribes by itself; the publisher has no offline queue, so that what is
 * published during an outage is dropped and counted rather than piled up in memory.
 */
export class RedisTransport implements BrokerTransport {
  readonly name = 'redis';
  readonly maxFrameBytes: number;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private readonly prefix: string;
  private handlers: TransportHandlers | undefined;
  private up = false;
  private started = false;
  private closing = false;
  private lastError: Error | undefined;
  /** One failed PUBLISH is reported per outage, not every one of a burst. */
  private publishFailed = false;
  /** The latest PUBLISH, which close() lets finish: auto-pipelining would otherwise send QUIT before it. */
  private lastPublish: Promise<unknown> = Promise.resolve();

  constructor(options: RedisTransportOptions = {}) {
    this.prefix = options.prefix ?? 'broadcast-chat';
    this.channel = `${this.prefix}:bus`;
    const maxDelay = options.maxReconnectDelay ?? 2000;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!(this.maxFrameBytes >= 1024)) throw new RangeError(`maxFrameBytes must be at least 1024, got ${this.maxFrameBytes}`);
    const ours: RedisOptions = {
      // Capped exponential backoff, half of it random so that hubs cut off together spread out.
      retryStrategy: (times) => {
        const ceiling = Math.min(maxDelay, 50 * 2 ** Math.min(times, 16));
        return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      },
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    };
    const make = (extra: RedisOptions): Redis => {
      if (options.client !== undefined) return options.client.duplicate({ ...ours, ...extra });
      const redis = options.redis ?? 'redis://127.0.0.1:6379';
      return typeof redis === 'string' ? new Redis(redis, { ...ours, ...extra }) : new Redis({ ...redis, ...ours, ...extra });
    };
    // Auto-pipelining joins the PUBLISHes of one event-loop turn into one write: same order, far fewer syscalls.
    this.pub = make({ enableOfflineQueue: false, enableAutoPipelining: true, connectionName: 'broadcast-chat-pub' });
    // The subscriber queues its SUBSCRIBE until it is connected; ioredis resubscribes after each reconnect.
    // It waits for Redis however long it takes (no retry limit), so that a hub started before its broker joins once it is up.
    this.sub = make({ enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true, connectionName: 'broadcast-chat-sub' });
  }

  /**
   * The connection commands and publishes go on, for a `RedisHistoryStore` of the same hub:
   * an event's XADD then reaches Redis before the PUBLISH that relays it.
   */
  get commands(): Redis {
    return this.pub;
  }

  /** The namespace of the channel and keys. */
  get namespace(): string {
    return this.prefix;
  }

  async start(handlers: TransportHandlers): Promise<void> {
    this.handlers = handlers;
    const remember = (error: Error): void => {
      // The first failure to connect is worth a report; ioredis keeps retrying after it.
      if (!this.started && this.lastError === undefined) handlers.error(error);
      this.lastError = error;
    };
    this.pub.on('error', remember);
    this.sub.on('error', remember);
    this.sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel) handlers.message(message);
    });
    for (const client of [this.pub, this.sub]) {
      client.on('close', this.onChange);
      client.on('ready', this.onChange);
    }
    const ready = (client: Redis): Promise<void> =>
      new Promise((resolve) => {
        if (client.status === 'ready') resolve();
        else client.once('ready', resolve);
      });
    // connect() rejects on a first failure, but ioredis keeps retrying; wait for 'ready' instead.
    this.pub.connect().catch(remember);
    this.sub.connect().catch(remember);
    await Promise.all([ready(this.pub), this.sub.subscribe(this.channel)]);
    this.up = true;
    this.started = true;
  }

  publish(frame: string): boolean {
    if (!this.up || this.pub.status !== 'ready') return false;
    this.lastPublish = this.pub.publish(this.channel, frame).catch((error: unknown) => {
      if (this.publishFailed || this.closing) return;
      this.publishFailed = true;
      this.handlers?.error(new Error(`PUBLISH failed: ${asError(error).message}`, { cause: error }));
    });
    return true;
  }

  async claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.pub.eval(CLAIM, 1, this.key(key), owner, Math.ceil(ttlMs))) === 1;
  }

  async refresh(keys: readonly string[], owner: string, ttlMs: number): Promise<void> {
    const pipeline = this.pub.pipeline();
    for (const key of keys) pipeline.eval(REFRESH, 1, this.key(key), owner, Math.ceil(ttlMs));
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error !== null);
    if (failed?.[0] != null) throw failed[0];
  }

  async release(key: string, owner: string): Promise<void> {
    await this.pub.eval(RELEASE, 1, this.key(key), owner);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.up = false;
    this.sub.disconnect();
    // QUIT lets what was written (a goodbye, releases) reach Redis before the connection goes.
    await this.lastPublish;
    if (this.pub.status === 'ready') await this.pub.quit().catch(() => undefined);
    else this.pub.disconnect();
  }

  private key(key: string): string {
    return `${this.prefix}:${key}`;
  }

  /** Up when both connections are ready; down as soon as either is lost. */
  private readonly onChange = (): void => {
    // Until start() has finished, the first 'ready' is start()'s to report.
    if (this.closing || !this.started || this.handlers === undefined) return;
    const ready = this.pub.status === 'ready' && this.sub.status === 'ready';
    if (ready === this.up) return;
    this.up = ready;
    if (ready) {
      this.publishFailed = false;
      this.lastError = undefined;
      this.handlers.up();
    } else {
      this.handlers.down(this.lastError ?? new Error('the connection to Redis closed'));
    }
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
