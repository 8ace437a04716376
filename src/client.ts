import { connect as netConnect, type Socket } from 'node:net';
import { throwIfAborted, whenAborted } from './abort.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_PORT } from './defaults.js';
import type { DisconnectReason } from './disconnect-reason.js';
import { ConnectError, NotConnectedError } from './errors.js';
import { FlushScheduler } from './flush-scheduler.js';
import { resolveCodec, type Framing } from './framing/builtin-codecs.js';
import type { Codec, Decoder, FramingError, InvalidUtf8Policy } from './framing/codec.js';
import { OutboundQueue } from './outbound-queue.js';
import { TypedEventEmitter } from './typed-event-emitter.js';

/** Options for `new ChatClient()`. */
export interface ChatClientOptions<T = string> {
  /** Hub address. Default `127.0.0.1`. */
  host?: string;
  /** Hub port. Default 8000, the documented server's. */
  port?: number;
  /** Wire format; must match the hub's. Default `'line'`. */
  framing?: Framing<T>;
  /** Largest message accepted from the hub, in bytes; larger ones are dropped. Default 64 KiB. */
  maxMessageBytes?: number;
  /** Invalid UTF-8 from the hub: `'replace'` with U+FFFD (default) or `'reject'` the message. */
  invalidUtf8?: InvalidUtf8Policy;
  /** Milliseconds `connect()` waits before giving up. Default 10000. */
  connectTimeout?: number;
}

/** Options for `client.connect()`. */
export interface ChatClientConnectOptions {
  /** Cancels the attempt; `connect()` then rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** Listener signatures of `ChatClient`. */
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type ChatClientEvents<T = string> = {
  /** The connection is up. */
  connect: () => void;
  /** The hub sent a message. */
  message: (message: T) => void;
  /** The connection is gone, and why; `error` is the socket error, if there was one. */
  disconnect: (reason: DisconnectReason, error?: Error) => void;
  /** Everything passed to `send()` has been handed to the operating system. */
  drain: () => void;
  /**
   * A message from the hub was dropped (too large, or invalid UTF-8 under `'reject'`). Only
   * emitted when something listens, so it can never end the process.
   */
  error: (error: FramingError) => void;
};

const shared = new FlushScheduler();

/**
 * A connection to a hub, as the documented Python client makes: send text, receive what
 * the others say. Events are typed; nothing it does throws asynchronously.
 *
 * @typeParam T - the message type: `string` for text framings, `Buffer` for `'length'`.
 */
export class ChatClient<T = string> extends TypedEventEmitter<ChatClientEvents<T>> {
  /** The hub's address. */
  readonly host: string;
  /** The hub's port. */
  readonly port: number;
  private readonly codec: Codec<T>;
  private encoder: Codec<unknown>;
  private readonly maxMessageBytes: number;
  private readonly invalidUtf8: InvalidUtf8Policy;
  private readonly connectTimeout: number;
  private socket: Socket | undefined;
  private queue: OutboundQueue | undefined;
  private decoder: Decoder | undefined;
  private connected = false;
  private closeRequested = false;
  private socketError: Error | undefined;
  private closed: Promise<void> = Promise.resolve();

  constructor(options: ChatClientOptions<T> = {}) {
    super();
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? DEFAULT_PORT;
    this.codec = resolveCodec(options.framing);
    this.encoder = this.codec;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.invalidUtf8 = options.invalidUtf8 ?? 'replace';
    this.connectTimeout = options.connectTimeout ?? 10_000;
  }

  /** Whether the connection is up. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** The framing spoken on this connection (for `'auto'`, what was detected once the hub spoke). */
  get framing(): string {
    return this.encoder.name;
  }

  /**
   * Connects to the hub. Rejects with a `ConnectError` naming the address and the reason
   * (`connection refused`, say) when no hub answers, or with an `AbortError`.
   */
  async connect(options: ChatClientConnectOptions = {}): Promise<void> {
    const { signal } = options;
    throwIfAborted(signal);
    if (this.socket !== undefined) throw new Error('connect() was already called on this client');
    this.closeRequested = false;
    this.socketError = undefined;
    const socket = netConnect({ host: this.host, port: this.port, noDelay: true });
    this.socket = socket;
    let markClosed = (): void => undefined;
    this.closed = new Promise((resolve) => {
      markClosed = resolve;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const settle = (): void => {
          socket.off('connect', onConnect);
          socket.off('error', onError);
          clearTimeout(timer);
          stopWatchingAbort();
        };
        const onConnect = (): void => {
          settle();
          resolve();
        };
        const onError = (error: Error): void => {
          settle();
          reject(new ConnectError(this.host, this.port, error));
        };
        const timer = setTimeout(() => {
          settle();
          const error = Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });
          reject(new ConnectError(this.host, this.port, error));
        }, this.connectTimeout);
        timer.unref();
        const stopWatchingAbort = whenAborted(signal, (error) => {
          settle();
          reject(error);
        });
        socket.once('connect', onConnect);
        socket.once('error', onError);
      });
    } catch (error) {
      socket.on('error', ignore);
      this.socket = undefined;
      // Reject only once the socket is gone, so that no handle outlives a failed connect().
      const gone = new Promise<void>((resolve) => {
        socket.once('close', () => {
          resolve();
        });
      });
      socket.destroy();
      await gone;
      markClosed();
      throw error;
    }
    this.queue = new OutboundQueue(socket, shared, this.codec.delimited);
    this.decoder = this.codec.createDecoder({
      maxMessageBytes: this.maxMessageBytes,
      invalidUtf8: this.invalidUtf8,
      onMessage: (message) => this.emit('message', message),
      onError: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
      onFramingDetected: (codec) => {
        this.encoder = codec;
        if (this.queue !== undefined) this.queue.coalesce = codec.delimited;
      },
    });
    socket.on('data', (chunk: Buffer) => this.decoder?.push(chunk));
    socket.on('end', () => this.decoder?.end());
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (error) => {
      this.socketError ??= error;
    });
    socket.once('close', () => {
      const wasConnected = this.connected;
      this.connected = false;
      this.socket = undefined;
      this.queue = undefined;
      this.decoder = undefined;
      this.encoder = this.codec;
      markClosed();
      if (wasConnected) this.emit('disconnect', this.disconnectReason(), this.socketError);
    });
    this.connected = true;
    this.emit('connect');
  }

  /**
   * Sends one message. Returns `false` when the operating system is not keeping up and the
   * message waits in memory; wait for `drain` before sending much more.
   * Throws `NotConnectedError` when there is no connection.
   */
  send(message: T | string | Uint8Array): boolean {
    // After close() the socket is ending: a message sent now could only be lost silently.
    if (!this.connected || this.closeRequested || this.queue === undefined) throw new NotConnectedError();
    this.queue.enqueue(this.encoder.encode(message));
    return !this.queue.isBlocked;
  }

  /** Flushes what is queued, ends the connection and resolves once the socket is closed. */
  async close(): Promise<void> {
    const socket = this.socket;
    if (socket !== undefined && !this.closeRequested) {
      this.closeRequested = true;
      // A hub that never reads or never closes its side must not hold us open for ever.
      const timer = setTimeout(() => socket.destroy(), DEFAULT_CLOSE_TIMEOUT_MS);
      timer.unref();
      socket.once('close', () => {
        clearTimeout(timer);
      });
      this.endAfterFlush(socket);
    }
    await this.closed;
  }

  /** Closes the client; lets `await using client = new ChatClient()` clean up. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Ends the socket once everything queued has been written. While the socket applies
   * backpressure the queue holds frames back, and ending now would lose them; the queue
   * writes more on each 'drain' (its listener runs before this one), so check again then.
   */
  private endAfterFlush(socket: Socket): void {
    const queue = this.queue;
    queue?.flush();
    if (queue?.isBlocked === true && !socket.destroyed) {
      socket.once('drain', () => {
        this.endAfterFlush(socket);
      });
      return;
    }
    socket.end();
  }

  private disconnectReason(): DisconnectReason {
    if (this.closeRequested) return 'closed';
    if (this.socketError === undefined) return 'hub-closed';
    return (this.socketError as NodeJS.ErrnoException).code === 'ECONNRESET' ? 'reset' : 'error';
  }
}

function ignore(): void {
  // errors of a socket that is being thrown away
}
