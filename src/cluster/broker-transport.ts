/**
 * The few things a `BrokerAdapter` needs from a broker: one channel that every hub publishes
 * to and subscribes to, and keys with an owner and a time to live for nickname claims.
 * Everything else (ordering checks, presence, heartbeats) is the adapter's, so that a new
 * broker takes only this much code.
 */

/** What a transport reports to its adapter. */
export interface TransportHandlers {
  /** A frame arrived on the channel (the transport's own frames included). */
  message(frame: string): void;
  /** Connected and subscribed again after being down. */
  up(): void;
  /** The connection to the broker is lost; the transport is reconnecting by itself. */
  down(error?: Error): void;
  /** Trouble that does not change the link's state (a failed command, say). */
  error(error: Error): void;
}

/** A publish/subscribe channel plus claimable keys, on one broker. */
export interface BrokerTransport {
  /** The broker's name, for messages: `redis`, `nats`, `memory`. */
  readonly name: string;
  /**
   * Connects and subscribes. Resolves once subscribed the first time; reconnects and
   * resubscribes by itself after that, reporting through `handlers`.
   */
  start(handlers: TransportHandlers): Promise<void>;
  /**
   * The largest frame the broker takes in one message, in bytes of UTF-8 (NATS: the server's
   * `max_payload`). Read before each publish, so that it may change on reconnect; the adapter
   * splits a turn's events into frames under it. Default, when absent: 1 MiB.
   */
  readonly maxFrameBytes?: number;
  /**
   * Publishes one frame. Returns `false`, sending nothing, while the broker is unreachable (the
   * adapter counts the frame as dropped; `down` reports the outage). Throws when the broker or
   * its client refuses the frame while connected: the adapter reports that as an `adapterError`.
   */
  publish(frame: string): boolean;
  /** Sets `key` to `owner` for `ttlMs` unless someone holds it; resolves whether it is now `owner`'s. */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the keys `owner` still holds by `ttlMs`. */
  refresh(keys: readonly string[], owner: string, ttlMs: number): Promise<void>;
  /** Deletes `key` if `owner` holds it. */
  release(key: string, owner: string): Promise<void>;
  /** Disconnects. */
  close(): Promise<void>;
}

/**
 * The largest frame, for transports that give none: a mebibyte is NATS's default `max_payload`,
 * far under what Redis's pub/sub output buffer limits cut a subscriber for (32 MB), and keeps
 * the receiving hubs' parse of one frame short.
 */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
