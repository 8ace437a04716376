import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { throwIfAborted, whenAborted } from '../abort.js';
import { AUTH_PREFIX } from '../protocol/classify.js';
import { asControlEnvelope, byeReason, isKnownReason, type ControlEnvelope, type HubBye } from '../protocol/control-frames.js';
import { LivenessMonitor, turnedAway, type HeartbeatTimeout } from './liveness-monitor.js';
import { DEFAULT_CLIENT_MAX_MESSAGE_BYTES, DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_KEEPALIVE_DELAY_MS, DEFAULT_PORT } from '../defaults.js';
import type { DisconnectReason } from '../protocol/disconnect-reason.js';
import { AbortError, AlreadyConnectedError, ConnectError, ConnectionError, ConnectionLostError, NotConnectedError, ReconnectFailedError } from '../errors.js';
import { connectError } from './connect-error.js';
import { parseFarewellLine } from '../protocol/farewell.js';
import { FlushScheduler } from '../transport/flush-scheduler.js';
import { resolveCodec, type Framing } from '../protocol/builtin-codecs.js';
import type { Codec, Decoder, FramingError, InvalidUtf8Policy } from '../protocol/codec.js';
import { isStructuredCodec } from '../protocol/structured.js';
import { DEFAULT_MAX_OFFLINE_BYTES, DEFAULT_MAX_OFFLINE_MESSAGES, OfflineQueue } from './offline-queue.js';
import { OutboundQueue } from '../transport/outbound-queue.js';
import { MAX_RETRY_AFTER_MS } from '../defaults.js';
import { resolveReconnect, sleep, type ReconnectOptions, type ReconnectPolicy } from './reconnect.js';
import { TypedEventEmitter } from '../typed-event-emitter.js';
import { BufferedMessageIterator, type MessageIterator, type MessageIteratorOptions, type MessageSink } from './message-iterator.js';
import { count, nonEmptyString, nonNegative, oneOf, optionalOfType, portNumber, positive, shown, timeout } from './option-checks.js';
import { ReadGate } from './read-gate.js';

/** Options for `new ChatClient()`. */
export interface ChatClientOptions<T = string> {
  /** Hub address. Default `127.0.0.1`. */
  host?: string;
  /** Hub port. Default 8000, the documented server's. */
  port?: number;
  /**
   * Connect to the hub's Unix domain socket at this path (a named pipe on Windows) instead of
   * `host` and `port`; giving both is a `TypeError`. Reconnecting goes back to the same path.
   */
  path?: string;
  /**
   * Wire format; must match the hub's. Default `'line'`. A `json` or `mixed` hub is spoken
   * to with `JsonChatClient` (or `line`, as a person would); `'json'` here throws a `TypeError`.
   */
  framing?: Framing<T>;
  /** Largest message accepted from the hub, in bytes; larger ones are dropped. Default 512 KiB: above the largest frame a hub with the default `maxMessageBytes` sends (raise both together). */
  maxMessageBytes?: number;
  /** Invalid UTF-8 from the hub: `'replace'` with U+FFFD (default) or `'reject'` the message. */
  invalidUtf8?: InvalidUtf8Policy;
  /** Milliseconds `connect()` waits before giving up. Default 10000. */
  connectTimeout?: number;
  /**
   * TCP keepalive on the connection after this many idle ms, so that a hub that vanished
   * without a word (power cut, cable) is noticed even by a client that never sends; `0` turns
   * it off. Default 30000.
   */
  keepAliveDelay?: number;
  /**
   * Reconnect after a connection that was up is lost: capped exponential backoff with full
   * jitter. Default on (`true`); `false` turns it off. Never applies to `connect()` itself,
   * which still rejects at once when no hub is there, nor after `close()`.
   */
  reconnect?: boolean | ReconnectOptions;
  /** Messages `send()` may queue while reconnecting; one more throws `OfflineQueueFullError`. Default 100. */
  maxOfflineMessages?: number;
  /** Encoded bytes `send()` may queue while reconnecting; more throws `OfflineQueueFullError`. Default 1 MiB. */
  maxOfflineBytes?: number;
  /**
   * Treat the hub as dead, and reconnect, when nothing at all arrives for this many ms: a number
   * (checked from the moment the connection is up), `'auto'` (twice the hub's ping interval as
   * observed, checked once the hub has pinged twice) or `false`. Default `'auto'` for the `json`
   * framing, whose hubs ping, and `false` for the others, whose hubs never do.
   */
  heartbeatTimeout?: HeartbeatTimeout;
  /**
   * Runs on every reconnection once the socket is up, before queued messages are flushed and
   * before `connect` and `reconnect` fire: say who you are again, rejoin what you were in.
   * `send` writes at once, ahead of the queue; `signal` fires if the connection drops or the
   * client is closed meanwhile. Rejecting (or taking longer than `connectTimeout`) fails the
   * attempt, which is retried like a connection that failed.
   */
  restore?: (send: (message: T | string | Uint8Array) => void, signal: AbortSignal) => Promise<void>;
  /**
   * Credentials for a hub with an `authenticate` hook, sent first on every connection (and
   * reconnection): as the line `/auth <token>` for text framings (a hub without an
   * `authenticate` hook drops it, never relays it), as a `hello` envelope's `token`
   * for `json`. Default: none.
   */
  token?: string;
  /**
   * Connect over TLS: `true` for the system's trusted CAs, or `tls.connect()` options such as
   * `ca` (for a self-signed hub), `servername` or client `cert`/`key`. The certificate is
   * verified unless `rejectUnauthorized: false`. Default: plain TCP.
   */
  tls?: boolean | ConnectionOptions;
}

/** Options for `client.connect()`. */
export interface ChatClientConnectOptions {
  /** Cancels the attempt; `connect()` then rejects with an `AbortError`. */
  signal?: AbortSignal;
  /**
   * Wait for a hub that is not there yet: retry on the `reconnect` schedule (its defaults when
   * reconnect is off), emitting `reconnecting` before each wait, until one answers. Rejects with
   * a `ReconnectFailedError` when the schedule gives up, or an `AbortError` (`signal`, `close()`).
   * Default `false`: a hub that is not there is reported at once.
   */
  retry?: boolean;
}

/** Listener signatures of `ChatClient`. */
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type ChatClientEvents<T = string> = {
  /** The connection is up: after `connect()`, and again after each reconnection (just before `reconnect`). */
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
  /**
   * A connection was lost and the client will try again after `delayMs`: attempt `attempt`
   * (1, 2, ...). `error` is why the connection, or the previous attempt, failed.
   */
  reconnecting: (attempt: number, delayMs: number, error: Error) => void;
  /** The client is connected again (after `connect`), restored and with its queued messages sent. */
  reconnect: (attempt: number) => void;
  /**
   * The hub said it is closing this connection, why, and when to come back: a `bye` envelope
   * (JSON), or for text framings the hub's closing line (`* server shutting down; reconnect in
   * 7 s`, `* disconnected: kicked (...)`) when it was the last thing before the close.
   */
  bye: (bye: HubBye) => void;
  /**
   * Messages queued while reconnecting will never be sent: the client gave up or was closed.
   * They are handed back so that nothing is lost without a word.
   */
  unsent: (messages: (T | string | Uint8Array)[], error: Error) => void;
  /**
   * The client stopped: it is disconnected and will not reconnect by itself. `error` is absent
   * after `close()`; otherwise it says why: a `ReconnectFailedError` (it gave up), a
   * `ConnectionLostError` (reconnect is off), or an `AbortError` (`reconnect.signal` fired).
   */
  end: (error?: Error) => void;
};

const shared = new FlushScheduler();

/**
 * A reconnected connection must stay up this long (ms) before the reconnect schedule starts
 * again from its first, shortest delay.
 */
const STABLE_CONNECTION_MS = 5000;

/** A text hub closes the connection right after its farewell line; one that came earlier was a chat message. */
const TEXT_FAREWELL_WINDOW_MS = 2000;

/**
 * A connection to a hub, as the documented Python client makes: send text, receive what
 * the others say. Events are typed; nothing it does throws asynchronously.
 *
 * @typeParam T - the message type: `string` for text framings, `Buffer` for `'length'`.
 */
export class ChatClient<T = string> extends TypedEventEmitter<ChatClientEvents<T>> {
  /** The hub's address (unused when `path` is set). */
  readonly host: string;
  /** The hub's port (unused when `path` is set). */
  readonly port: number;
  /** The hub's Unix socket, when the client connects to one. */
  readonly path: string | undefined;
  private readonly codec: Codec<T>;
  private encoder: Codec<unknown>;
  private readonly maxMessageBytes: number;
  private readonly invalidUtf8: InvalidUtf8Policy;
  private readonly connectTimeout: number;
  private readonly keepAliveDelay: number;
  private readonly tls: ConnectionOptions | undefined;
  private readonly token: string | undefined;
  private readonly reconnectPolicy: ReconnectPolicy | undefined;
  private readonly offline: OfflineQueue<T | string | Uint8Array>;
  private readonly restore: ChatClientOptions<T>['restore'];
  /** Whether decoded messages may be the hub's control envelopes (ping, bye), handled here. */
  private readonly controlEnvelopes: boolean;
  private readonly liveness: LivenessMonitor | undefined;
  private socket: Socket | undefined;
  private queue: OutboundQueue | undefined;
  private decoder: Decoder | undefined;
  /** A socket is up and wired (it may still be being restored). */
  private connected = false;
  /** The connection is up for the application: `send()` writes to it. */
  private ready = false;
  private closeRequested = false;
  private socketError: Error | undefined;
  /** The current socket's `bye`, if the hub said one. */
  private hubBye: HubBye | undefined;
  /** The last message, if it was a text hub's farewell line, and when it came. */
  private textFarewell: HubBye | undefined;
  private textFarewellAt = 0;
  /** Set when the liveness check gave up on the current socket. */
  private silence: ConnectionError | undefined;
  private closed: Promise<void> = Promise.resolve();
  private markClosed: () => void = () => undefined;
  /** Aborted when the current socket closes: ends a `restore` in progress. */
  private connectionGone: AbortController | undefined;
  /** From losing a connection that was up until reconnected or ended. */
  private reconnecting = false;
  private reconnectController: AbortController | undefined;
  private reconnectLoop: Promise<void> | undefined;
  /** Why reconnecting was stopped from outside: `undefined` for `close()`. */
  private stopReason: Error | undefined;
  /** Cancels a `connect({ retry: true })` in progress, for `close()`. */
  private connectRetry: AbortController | undefined;
  /** When the current connection became ready, and after how many attempts (0: by `connect()`). */
  private upSince = 0;
  private lastAttempt = 0;
  /** From `connect()` until the client ends (`end`, `close()`, or a failed `connect()`): what `for await` loops last for. */
  private running = false;
  /** The `for await` loops over this client's messages. */
  private readonly iterators = new Set<MessageSink<T>>();
  /** Held while a loop is full: the socket is paused then. */
  private readonly readGate = new ReadGate(() => {
    this.applyReadGate();
  });
  /** Whether the current socket is paused by `readGate`. */
  private readingPaused = false;

  /**
   * Checks every option at once, so that a wrong one throws here (a `TypeError` or
   * `RangeError` naming it and its value) rather than failing later inside a timer or a socket.
   */
  constructor(options: ChatClientOptions<T> = {}) {
    super();
    if (typeof options !== 'object' || (options as unknown) === null) throw new TypeError(`options must be an object, got ${shown(options)}`);
    this.path = options.path === undefined ? undefined : nonEmptyString('path', options.path);
    if (this.path !== undefined && (options.host !== undefined || options.port !== undefined)) {
      const other = options.host === undefined ? `port ${shown(options.port)}` : `host ${shown(options.host)}`;
      throw new TypeError(`give path (a Unix socket) or host and port (TCP), not both; got path ${shown(this.path)} and ${other}`);
    }
    this.host = options.host === undefined ? '127.0.0.1' : nonEmptyString('host', options.host);
    this.port = portNumber('port', options.port ?? DEFAULT_PORT);
    if (options.framing === 'json' || options.framing === 'mixed') {
      // The hub's JSON codec reads what clients send, not what hubs send: JsonChatClient speaks the other side.
      throw new TypeError(`ChatClient speaks 'line', 'raw', 'auto' and 'length'; for a '${options.framing}' hub use JsonChatClient`);
    }
    checkFraming(options.framing);
    this.codec = resolveCodec(options.framing);
    this.encoder = this.codec;
    this.maxMessageBytes = positive('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_CLIENT_MAX_MESSAGE_BYTES);
    this.invalidUtf8 = oneOf('invalidUtf8', options.invalidUtf8 ?? 'replace', ['replace', 'reject']);
    this.connectTimeout = timeout('connectTimeout', options.connectTimeout ?? 10_000);
    this.keepAliveDelay = nonNegative('keepAliveDelay', options.keepAliveDelay ?? DEFAULT_KEEPALIVE_DELAY_MS);
    this.tls = resolveTls(options.tls);
    optionalOfType('token', options.token, 'string');
    this.token = options.token;
    this.reconnectPolicy = resolveReconnect(options.reconnect, turnedAway);
    this.offline = new OfflineQueue(count('maxOfflineMessages', options.maxOfflineMessages ?? DEFAULT_MAX_OFFLINE_MESSAGES), count('maxOfflineBytes', options.maxOfflineBytes ?? DEFAULT_MAX_OFFLINE_BYTES));
    optionalOfType('restore', options.restore, 'function');
    this.restore = options.restore;
    this.controlEnvelopes = isStructuredCodec(this.codec);
    const heartbeat = checkHeartbeatTimeout(options.heartbeatTimeout) ?? (this.controlEnvelopes ? 'auto' : false);
    this.liveness =
      heartbeat === false
        ? undefined
        : new LivenessMonitor(heartbeat, (silentMs) => {
            this.declareDead(silentMs);
          });
  }

  /** Whether the connection is up (and, after a reconnection, restored). */
  get isConnected(): boolean {
    return this.ready;
  }

  /** Whether the client lost its connection and is trying to get it back. */
  get isReconnecting(): boolean {
    return this.reconnecting;
  }

  /** Messages `send()` queued while reconnecting, waiting for the connection to come back. */
  get offlineQueueLength(): number {
    return this.offline.length;
  }

  /** The framing spoken on this connection (for `'auto'`, what was detected once the hub spoke). */
  get framing(): string {
    return this.encoder.name;
  }

  /**
   * Connects to the hub. Rejects with a `ConnectError` naming the address and the reason
   * (`connection refused`, say) when no hub answers, or with an `AbortError`. Reconnecting
   * starts only once this has succeeded: a hub that is not there is reported at once, unless
   * `options.retry` asks to wait for it. Rejects with an `AlreadyConnectedError` while the client
   * is connected, connecting or reconnecting (until `close()` has resolved).
   */
  async connect(options: ChatClientConnectOptions = {}): Promise<void> {
    const { signal } = options;
    throwIfAborted(signal);
    if (this.socket !== undefined || this.reconnecting || this.connectRetry !== undefined) throw new AlreadyConnectedError();
    this.closeRequested = false;
    this.running = true;
    let socket: Socket;
    try {
      socket = options.retry === true ? await this.openWithRetry(signal) : await this.open(signal);
    } catch (error) {
      // Never connected: loops taken meanwhile end, as they would had it connected and closed.
      this.stopIterators();
      throw error;
    }
    this.attach(socket);
    this.ready = true;
    this.applyReadGate();
    this.upSince = performance.now();
    this.lastAttempt = 0;
    this.emit('connect');
  }

  /**
   * The messages from the hub, for `for await`: each value the `message` event carries, in
   * order, until the client closes for good (`close()`, or `end`: reconnect gave up, was
   * stopped, or is off). A loop that falls `highWaterMark` messages behind pauses reading from
   * the hub until it has caught up half-way, so nothing is dropped and memory stays bounded;
   * the hub then holds the rest, within its own limits. `break` stops the loop and lets go of
   * what it buffered; `options.signal` stops it with an `AbortError`. Taken while the client is
   * not connected, connecting or reconnecting, the loop ends at once.
   */
  messages(options: MessageIteratorOptions = {}): MessageIterator<T> {
    return this.selectMessages((message) => message, options);
  }

  /** `for await (const message of client)`: `client.messages()` with its defaults. */
  [Symbol.asyncIterator](): MessageIterator<T> {
    return this.messages();
  }

  /**
   * `messages()` for a client that wraps this one (`JsonChatClient`): the loop yields
   * `select(message)`, and skips the messages it maps to `undefined`.
   * @internal
   */
  selectMessages<M>(select: (message: T) => M | undefined, options: MessageIteratorOptions = {}): MessageIterator<M> {
    const iterator = new BufferedMessageIterator<T, M>(this.readGate, this.iterators, select, options);
    if (!this.running) iterator.end();
    return iterator;
  }

  /**
   * Sends one message. Returns `false` when the message waits in memory: the operating system
   * is not keeping up (wait for `drain` before sending much more), or the client is
   * reconnecting and queued it (it goes out, in order, once reconnected; `drain` follows).
   * Throws `NotConnectedError` when there is no connection and no reconnect under way, and
   * `OfflineQueueFullError` when reconnecting with the offline queue full.
   */
  send(message: T | string | Uint8Array): boolean {
    // After close() the socket is ending: a message sent now could only be lost silently.
    if (this.closeRequested) throw new NotConnectedError();
    if (this.ready && this.queue !== undefined) {
      this.queue.enqueue(this.encoder.encode(message));
      return !this.queue.isBlocked;
    }
    if (!this.reconnecting) throw new NotConnectedError();
    this.offline.push(message, this.encoder.encode(message).length);
    return false;
  }

  /**
   * Flushes what is queued, ends the connection and resolves once the socket is closed. While
   * reconnecting, stops: a wait or attempt in progress is cancelled, messages queued meanwhile
   * are handed back on `unsent`, and it resolves once nothing of the client is left open.
   */
  async close(): Promise<void> {
    const socket = this.socket;
    if (!this.closeRequested) {
      this.closeRequested = true;
      // The loops end now, with what they hold: the socket reads freely again, so it can close.
      this.stopIterators();
      if (this.reconnecting) {
        this.stopReconnecting(undefined);
      } else if (this.connectRetry !== undefined) {
        this.connectRetry.abort();
      } else if (socket !== undefined) {
        // A hub that never reads or never closes its side must not hold us open for ever.
        const timer = setTimeout(() => socket.destroy(), DEFAULT_CLOSE_TIMEOUT_MS);
        timer.unref();
        socket.once('close', () => {
          clearTimeout(timer);
        });
        this.endAfterFlush(socket);
      }
    }
    await this.closed;
    await this.reconnectLoop;
  }

  /** Closes the client; lets `await using client = new ChatClient()` clean up. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Opens a socket to the hub and resolves once it is connected, or rejects (`ConnectError`,
   * `AbortError`) once the failed socket is fully closed, so that no handle outlives a failure.
   */
  private async open(signal: AbortSignal | undefined): Promise<Socket> {
    this.socketError = undefined;
    this.hubBye = undefined;
    this.silence = undefined;
    const target = this.path === undefined ? { host: this.host, port: this.port } : { path: this.path };
    const socket = this.tls === undefined ? netConnect({ ...target, noDelay: true }) : tlsConnect({ ...this.tls, ...target }).setNoDelay(true);
    if (this.keepAliveDelay > 0) socket.setKeepAlive(true, this.keepAliveDelay);
    // A TLS connection is up once its handshake (and the certificate check) is done.
    const connected = this.tls === undefined ? 'connect' : 'secureConnect';
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    const markClosed = this.markClosed;
    try {
      await new Promise<void>((resolve, reject) => {
        const settle = (): void => {
          socket.off(connected, onConnect);
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
          reject(connectError(this, error));
        };
        const timer = setTimeout(() => {
          settle();
          const error = Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });
          reject(connectError(this, error));
        }, this.connectTimeout);
        timer.unref();
        const stopWatchingAbort = whenAborted(signal, (error) => {
          settle();
          reject(error);
        });
        socket.once(connected, onConnect);
        socket.once('error', onError);
      });
    } catch (error) {
      socket.on('error', ignore);
      if (this.socket === socket) this.socket = undefined;
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
    return socket;
  }

  /** `open()`, retried on the reconnect schedule while no hub answers (`connect({ retry: true })`). */
  private async openWithRetry(signal: AbortSignal | undefined): Promise<Socket> {
    const policy = this.reconnectPolicy ?? resolveReconnect(true, () => false);
    const controller = new AbortController();
    this.connectRetry = controller;
    const stopWatching = whenAborted(signal, (error) => {
      controller.abort(error.cause);
    });
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await this.open(controller.signal);
        } catch (error) {
          // Only "nobody answered" is worth waiting out; an abort is final.
          if (!(error instanceof ConnectError)) throw error;
          const delay = policy.delay(attempt, error);
          if (delay === undefined) throw new ReconnectFailedError(attempt, error);
          this.emit('reconnecting', attempt, delay, error);
          await sleep(delay, controller.signal);
        }
      }
    } finally {
      stopWatching();
      this.connectRetry = undefined;
    }
  }

  /** Wires a connected socket: queue, decoder, liveness check, and what happens when it closes. */
  private attach(socket: Socket): void {
    const markClosed = this.markClosed;
    const gone = new AbortController();
    this.connectionGone = gone;
    this.queue = new OutboundQueue(socket, shared, this.codec.delimited);
    this.decoder = this.codec.createDecoder({
      maxMessageBytes: this.maxMessageBytes,
      invalidUtf8: this.invalidUtf8,
      onMessage: (message) => {
        this.receive(message);
      },
      onError: (error) => {
        if (this.listenerCount('error') > 0) this.emit('error', error);
      },
      onFramingDetected: (codec) => {
        this.encoder = codec;
        if (this.queue !== undefined) this.queue.coalesce = codec.delimited;
      },
    });
    const liveness = this.liveness;
    socket.on('data', (chunk: Buffer) => {
      liveness?.activity();
      this.decoder?.push(chunk);
    });
    socket.on('end', () => this.decoder?.end());
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (error) => {
      this.socketError ??= error;
    });
    socket.once('close', () => {
      const wasReady = this.ready;
      liveness?.stop();
      this.connected = false;
      this.ready = false;
      this.socket = undefined;
      this.queue = undefined;
      this.decoder = undefined;
      this.connectionGone = undefined;
      this.readingPaused = false;
      this.encoder = this.codec;
      this.adoptTextFarewell();
      const reason = this.disconnectReason();
      const lost = new ConnectionLostError(reason, this.silence ?? this.socketError, this.hubBye);
      gone.abort(lost);
      markClosed();
      // A socket lost while being restored is a failed reconnect attempt: the loop handles it.
      if (!wasReady) return;
      this.emit('disconnect', reason, this.silence ?? this.socketError);
      this.afterLoss(lost);
    });
    this.connected = true;
    liveness?.start();
    // Credentials go first, ahead of anything queued, on every connection.
    // As `/auth <token>` over text: a hub that asks for no credentials then drops the line
    // instead of relaying the token to everyone.
    if (this.token !== undefined) this.queue.enqueue(this.encoder.encode(this.controlEnvelopes ? { v: 1, type: 'hello', token: this.token } : `${AUTH_PREFIX}${this.token}`));
  }

  /** Handles a decoded message: the hub's control envelopes here, everything else as `message`. */
  private receive(message: T): void {
    const control = this.controlEnvelopes ? asControlEnvelope(message) : undefined;
    if (control === undefined) {
      if (!this.controlEnvelopes) this.noteTextFarewell(message);
      // The loops first: a `message` listener that throws must not cost them the message.
      if (this.iterators.size > 0) for (const iterator of this.iterators) iterator.push(message);
      this.emit('message', message);
      return;
    }
    this.onControl(control);
  }

  /**
   * A text hub says why it closes in one line (`* server shutting down; reconnect in 7 s`).
   * It counts as the hub's `bye` only if it is the last thing before the connection closes,
   * soon after: on a plain relay anyone can send such a line, but not close our connection.
   */
  private noteTextFarewell(message: T): void {
    // Every message passes here: most cost one character test, and only a farewell reads the clock.
    // Raw framing has no lines: two peers' chunks can merge into anything, so nothing there is a farewell.
    const farewell = typeof message === 'string' && this.encoder.delimited && message.charCodeAt(0) === 0x2a ? parseFarewellLine(message) : undefined;
    if (farewell === undefined || !isKnownReason(farewell.reason)) {
      this.textFarewell = undefined;
      return;
    }
    // Capped as a bye's is: a hub (or an impostor) must not park the client for days.
    const retryAfterMs = farewell.retryAfterMs === undefined ? undefined : Math.min(farewell.retryAfterMs, MAX_RETRY_AFTER_MS);
    this.textFarewell = { reason: farewell.reason, message: farewell.message, retryAfterMs };
    this.textFarewellAt = Date.now();
  }

  /** At close: the text farewell that came last and recently, if any, becomes the hub's `bye`. */
  private adoptTextFarewell(): void {
    const farewell = this.textFarewell;
    this.textFarewell = undefined;
    // A hub that says goodbye then closes in order; a reset is the network's doing, whatever came before it.
    if (farewell === undefined || this.hubBye !== undefined || this.socketError !== undefined || this.closeRequested || Date.now() - this.textFarewellAt > TEXT_FAREWELL_WINDOW_MS) return;
    this.hubBye = farewell;
    this.emit('bye', farewell);
  }

  private onControl(control: ControlEnvelope): void {
    switch (control.type) {
      case 'ping':
        this.liveness?.ping();
        // Answered at once, even while restoring: the hub judges liveness by it.
        this.queue?.enqueue(this.encoder.encode(control.ts === undefined ? { v: 1, type: 'pong' } : { v: 1, type: 'pong', ts: control.ts }));
        return;
      case 'pong':
        return;
      case 'bye': {
        const bye: HubBye = { reason: control.reason, message: control.message, retryAfterMs: control.retryAfterMs };
        this.hubBye = bye;
        this.emit('bye', bye);
        return;
      }
    }
  }

  /** The liveness check found the hub silent for too long: drop the connection so that it reconnects. */
  private declareDead(silentMs: number): void {
    const socket = this.socket;
    if (socket === undefined || this.closeRequested) return;
    this.silence = new ConnectionError(`the hub sent nothing for ${silentMs} ms (heartbeat timeout)`, undefined);
    socket.destroy();
  }

  /** A connection that was up is gone: reconnect, or end. */
  private afterLoss(lost: ConnectionLostError): void {
    if (this.closeRequested) {
      this.stopIterators();
      this.emit('end');
      return;
    }
    const policy = this.reconnectPolicy;
    if (policy === undefined) {
      this.stopIterators();
      this.emit('end', lost);
      return;
    }
    if (policy.signal?.aborted === true) {
      this.stopIterators();
      this.emit('end', new AbortError(policy.signal.reason));
      return;
    }
    // A connection lost soon after a reconnection is not a recovery: go on with the schedule
    // where it was, so that a hub that accepts and drops at once (full, say) is not hammered at
    // the first, shortest delays for ever, and so that maxAttempts still ends a flapping link.
    const firstAttempt = this.lastAttempt > 0 && performance.now() - this.upSince < STABLE_CONNECTION_MS ? this.lastAttempt + 1 : 1;
    this.reconnecting = true;
    this.stopReason = undefined;
    const controller = new AbortController();
    this.reconnectController = controller;
    const stopWatching = whenAborted(policy.signal, (error) => {
      this.stopReconnecting(error);
    });
    this.reconnectLoop = this.runReconnect(policy, lost, controller.signal, firstAttempt)
      .catch((error: unknown) => {
        // Not expected: every failure inside is handled. Should one slip through, end rather than hang.
        this.finishReconnecting(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(stopWatching);
  }

  /** Cancels reconnecting; the loop then cleans up and ends with `reason` (`undefined` for `close()`). */
  private stopReconnecting(reason: Error | undefined): void {
    if (!this.reconnecting || this.reconnectController === undefined) return;
    this.stopReason = reason;
    this.reconnectController.abort(reason);
  }

  /**
   * The reconnect loop: wait, try, restore; on failure ask the policy again. Every wait and
   * attempt listens to `signal`, so `close()` or `reconnect.signal` stops it at any point, and
   * it settles only once any socket it opened is closed.
   */
  private async runReconnect(policy: ReconnectPolicy, lost: ConnectionLostError, signal: AbortSignal, firstAttempt: number): Promise<void> {
    let error: Error = lost;
    for (let attempt = firstAttempt; ; attempt += 1) {
      let delay: number | undefined;
      try {
        delay = policy.delay(attempt, error);
      } catch (thrown) {
        // A retryStrategy that throws cannot say when to retry: give up, and say why.
        error = thrown instanceof Error ? thrown : new Error(String(thrown));
      }
      if (delay === undefined) {
        this.finishReconnecting(new ReconnectFailedError(attempt - firstAttempt, error));
        return;
      }
      // The hub said when to come back: not before, whatever the schedule says.
      const retryAfter = error instanceof ConnectionLostError ? error.bye?.retryAfterMs : undefined;
      if (retryAfter !== undefined) delay = Math.max(delay, retryAfter);
      this.emitSafely('reconnecting', attempt, delay, error);
      try {
        await sleep(delay, signal);
        const socket = await this.open(signal);
        this.attach(socket);
        await this.runRestore(signal);
        if (signal.aborted) throw new AbortError(signal.reason);
      } catch (failure) {
        // Whatever failed, the socket of this attempt must be gone before going on.
        const socket = this.socket;
        if (socket !== undefined) {
          socket.on('error', ignore);
          socket.destroy();
        }
        await this.closed;
        if (signal.aborted) {
          this.finishReconnecting(this.stopReason);
          return;
        }
        error = failure instanceof Error ? failure : new Error(String(failure));
        continue;
      }
      this.reconnecting = false;
      this.reconnectController = undefined;
      this.ready = true;
      this.applyReadGate();
      this.upSince = performance.now();
      this.lastAttempt = attempt;
      // Queued messages go first, before anything the listeners below may send.
      const flushed = this.flushOffline();
      this.emitSafely('connect');
      this.emitSafely('reconnect', attempt);
      // Senders told `false` while offline wait for 'drain': if the socket took it all, that is now.
      if (flushed && this.queue?.isBlocked === false) this.emitSafely('drain');
      return;
    }
  }

  /** Runs the `restore` hook on a fresh connection, bounded by `connectTimeout` and cancelled when the connection drops. */
  private async runRestore(signal: AbortSignal): Promise<void> {
    const restore = this.restore;
    const gone = this.connectionGone;
    if (restore === undefined || gone === undefined) return;
    const both = new AbortController();
    const stop = (): void => {
      both.abort(gone.signal.aborted ? gone.signal.reason : new AbortError(signal.reason));
    };
    if (gone.signal.aborted || signal.aborted) stop();
    gone.signal.addEventListener('abort', stop, { once: true });
    signal.addEventListener('abort', stop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const send = (message: T | string | Uint8Array): void => {
        if (this.queue === undefined) throw new NotConnectedError();
        this.queue.enqueue(this.encoder.encode(message));
      };
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(connectError(this, new Error(`connected, but not restored within ${this.connectTimeout} ms`)));
        }, this.connectTimeout);
      });
      const aborted = new Promise<never>((_, reject) => {
        if (both.signal.aborted) reject(both.signal.reason as Error);
        both.signal.addEventListener('abort', () => {
          reject(both.signal.reason as Error);
        });
      });
      await Promise.race([restore(send, both.signal), timedOut, aborted]);
    } catch (error) {
      // Timed out: tell the hook too, so that it stops waiting and lets go of its listeners.
      if (!both.signal.aborted) both.abort(error);
      throw error;
    } finally {
      clearTimeout(timer);
      gone.signal.removeEventListener('abort', stop);
      signal.removeEventListener('abort', stop);
    }
  }

  /** Sends what was queued while reconnecting, in order, ahead of anything sent from here on. Returns whether there was any. */
  private flushOffline(): boolean {
    const queue = this.queue;
    if (queue === undefined || this.offline.length === 0) return false;
    for (const message of this.offline.take()) queue.enqueue(this.encoder.encode(message));
    queue.flush();
    return true;
  }

  /** Ends reconnecting: hands back what was queued, then `end`. */
  private finishReconnecting(error: Error | undefined): void {
    this.reconnecting = false;
    this.reconnectController = undefined;
    const unsent = this.offline.take();
    if (unsent.length > 0) this.emitSafely('unsent', unsent, error ?? new ConnectionLostError('closed'));
    this.stopIterators();
    if (error === undefined) this.emitSafely('end');
    else this.emitSafely('end', error);
  }

  /**
   * Emits from the reconnect loop. A listener that throws must not leave the client stuck
   * half-way through a reconnection, so the error is rethrown on the next tick, where it
   * surfaces as an uncaught exception just as it would from any other event.
   */
  private emitSafely<E extends keyof ChatClientEvents<T>>(event: E, ...args: Parameters<ChatClientEvents<T>[E]>): void {
    try {
      this.emit(event, ...args);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
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

  /** The client closed for good: every loop ends once it has taken what it holds. */
  private stopIterators(): void {
    this.running = false;
    for (const iterator of this.iterators) iterator.end();
  }

  /**
   * Pauses or resumes reading as `readGate` says, on a connection that is up for the
   * application: a restore in progress must read the hub's answers whatever the loops' backlog.
   * The liveness check sleeps meanwhile: a hub we do not read from is not a silent hub.
   */
  private applyReadGate(): void {
    const socket = this.socket;
    if (socket === undefined || !this.ready) return;
    const pause = this.readGate.held;
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    if (pause) {
      socket.pause();
      this.liveness?.stop();
    } else {
      socket.resume();
      this.liveness?.start();
    }
  }

  private disconnectReason(): DisconnectReason {
    if (this.closeRequested) return 'closed';
    if (this.silence !== undefined) return 'heartbeat';
    if (this.hubBye !== undefined) return byeReason(this.hubBye);
    if (this.socketError === undefined) return 'hub-closed';
    return (this.socketError as NodeJS.ErrnoException).code === 'ECONNRESET' ? 'reset' : 'error';
  }
}

function ignore(): void {
  // errors of a socket that is being thrown away
}

/** `framing` is a name (checked by `resolveCodec`) or must look like a `Codec`. */
function checkFraming(framing: unknown): void {
  if (framing === undefined || typeof framing === 'string') return;
  if (typeof framing !== 'object' || framing === null || !('encode' in framing) || typeof framing.encode !== 'function' || !('createDecoder' in framing) || typeof framing.createDecoder !== 'function') {
    throw new TypeError(`framing must be a framing name or a Codec, got ${shown(framing)}`);
  }
}

/** The `tls` option as `tls.connect()` options, or `undefined` for plain TCP. */
function resolveTls(tls: unknown): ConnectionOptions | undefined {
  if (tls === undefined || tls === false) return undefined;
  if (tls === true) return {};
  if (typeof tls !== 'object' || tls === null) throw new TypeError(`tls must be true, false or tls.connect() options, got ${shown(tls)}`);
  return tls;
}

/** The `heartbeatTimeout` option, checked; `undefined` for the framing's default. */
function checkHeartbeatTimeout(value: unknown): HeartbeatTimeout | undefined {
  if (value === undefined || value === false || value === 'auto') return value;
  if (typeof value !== 'number') throw new TypeError(`heartbeatTimeout must be a number of ms, 'auto' or false, got ${shown(value)}`);
  return timeout('heartbeatTimeout', value);
}
