import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { throwIfAborted, whenAborted } from './abort.js';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_PORT,
} from './defaults.js';
import type { DisconnectReason } from './disconnect-reason.js';
import { HubClosedError, ListenError, ListenerError } from './errors.js';
import { FlushScheduler } from './flush-scheduler.js';
import { resolveCodec, type Framing } from './framing/builtin-codecs.js';
import type { Codec, InvalidUtf8Policy } from './framing/codec.js';
import { FrameCache } from './frame-cache.js';
import { Peer, type OversizedMessagePolicy, type PeerHost } from './peer.js';
import { TypedEventEmitter } from './typed-event-emitter.js';


/** Options for `new BroadcastHub()`. Every limit has a safe default. */
export interface HubOptions<T = string> {
  /** Wire format: `'line'` (default), `'raw'`, `'auto'`, `'length'` (with `BroadcastHub<Buffer>`) or your own `Codec`. */
  framing?: Framing<T>;
  /** Largest message a client may send, in bytes. Default 64 KiB. */
  maxMessageBytes?: number;
  /** What happens to a client that sends a larger one: `'drop'` the message (default) or `'disconnect'` the client. */
  oversizedMessage?: OversizedMessagePolicy;
  /** Invalid UTF-8 in text framings: `'replace'` with U+FFFD (default) or `'reject'` the message. */
  invalidUtf8?: InvalidUtf8Policy;
  /** Most bytes that may wait for one client before it is cut as a slow consumer. Default 4 MiB. */
  maxQueuedBytes?: number;
  /** Milliseconds a closing client gets to take what is queued before it is cut. Default 5000. */
  closeTimeout?: number;
  /** Relay each client's message to the others (default `true`); turn off to route messages yourself. */
  relay?: boolean;
  /** Send each relayed message back to its sender too. Default `false`. */
  echo?: boolean;
  /** Serve on this existing `net.Server` or `tls.Server` instead of creating one. The hub never closes it. */
  server?: Server;
}

/** Options for `hub.listen()`. */
export interface HubListenOptions {
  /** Port to listen on; `0` picks a free one. Default 8000. */
  port?: number;
  /** Address to bind. Default `0.0.0.0`. */
  host?: string;
  /** Length of the queue of pending connections. */
  backlog?: number;
  /** Cancels a listen that has not completed yet. */
  signal?: AbortSignal;
}

/** Options for `hub.close()`. */
export interface HubCloseOptions {
  /** Milliseconds clients get to take what is queued before they are cut. Default: the hub's `closeTimeout`. */
  timeout?: number;
}

/** Who a broadcast goes to. */
export interface BroadcastOptions<D = Record<string, unknown>> {
  /** Leave this client out (the relay leaves out the sender). */
  except?: Peer<D> | undefined;
}

/** Listener signatures of `BroadcastHub`. */
// typed-emitter needs a type alias: an interface has no implicit index signature.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type HubEvents<T = string, D = Record<string, unknown>> = {
  /** The hub is accepting connections. */
  listening: (address: AddressInfo) => void;
  /** A client connected. */
  connect: (peer: Peer<D>) => void;
  /** A client sent a message; it is relayed after the listeners return. */
  message: (message: T, peer: Peer<D>) => void;
  /** A client is gone, and why. `error` is the socket error, if there was one. */
  disconnect: (peer: Peer<D>, reason: DisconnectReason, error?: Error) => void;
  /** One client's trouble (bad input, a reset, a slow consumer, a listener that threw on its message). The hub goes on. */
  clientError: (error: Error, peer: Peer<D>) => void;
  /** A client stopped reading; it is cut right after this event. */
  slowConsumer: (peer: Peer<D>, queuedBytes: number) => void;
  /** The hub's own trouble, such as its server failing after it started listening. */
  error: (error: Error) => void;
  /** `close()` finished: every client socket is closed. */
  close: () => void;
};

/**
 * A TCP server that relays each client's message to every other client, as the documented
 * Python server does, with framing, limits and typed events.
 *
 * @typeParam T - the message type: `string` for text framings, `Buffer` for `'length'`.
 * @typeParam D - the type of each peer's `data`.
 */
export class BroadcastHub<T = string, D = Record<string, unknown>> extends TypedEventEmitter<HubEvents<T, D>> {
  private readonly server: Server;
  private readonly ownsServer: boolean;
  private readonly connectionEvent: 'connection' | 'secureConnection';
  private readonly peers = new Set<Peer<D>>();
  private readonly host: PeerHost<T, D>;
  private readonly relay: boolean;
  private readonly echo: boolean;
  private listenPending = false;
  private closing: Promise<void> | undefined;
  private allPeersClosed: (() => void) | undefined;

  constructor(options: HubOptions<T> = {}) {
    super();
    const codec: Codec<T> = resolveCodec(options.framing);
    this.relay = options.relay ?? true;
    this.echo = options.echo ?? false;
    this.host = {
      codec,
      scheduler: new FlushScheduler(),
      maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
      maxQueuedBytes: positive('maxQueuedBytes', options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES),
      oversizedMessage: options.oversizedMessage ?? 'drop',
      invalidUtf8: options.invalidUtf8 ?? 'replace',
      closeTimeout: positive('closeTimeout', options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS),
      peerMessage: (peer, message) => {
        this.onPeerMessage(peer, message);
      },
      peerError: (peer, error) => {
        this.emit('clientError', error, peer);
      },
      peerSlow: (peer, queuedBytes) => {
        this.emit('slowConsumer', peer, queuedBytes);
      },
      peerClosed: (peer, reason, error) => {
        this.onPeerClosed(peer, reason, error);
      },
    };
    this.ownsServer = options.server === undefined;
    this.server = options.server ?? createServer({ noDelay: true });
    this.connectionEvent = this.server instanceof TlsServer ? 'secureConnection' : 'connection';
    this.server.on(this.connectionEvent, this.onConnection);
    this.server.on('error', this.onServerError);
  }

  /** The connected clients, live. */
  get clients(): ReadonlySet<Peer<D>> {
    return this.peers;
  }

  /** The framing the hub was created with (`'auto'` peers report what was detected in `peer.framing`). */
  get framing(): string {
    return this.host.codec.name;
  }

  /** The bound address, or `null` before `listen()` completes and after `close()`. */
  address(): AddressInfo | null {
    const address = this.server.address();
    return typeof address === 'object' ? address : null;
  }

  /**
   * Starts accepting connections. Resolves with the bound address; rejects with a
   * `ListenError` (port taken, say) or an `AbortError`. Defaults: `0.0.0.0:8000`.
   */
  async listen(options: HubListenOptions | number = {}): Promise<AddressInfo> {
    const { port = DEFAULT_PORT, host = DEFAULT_HOST, backlog, signal } = typeof options === 'number' ? { port: options } : options;
    if (this.closing !== undefined) throw new HubClosedError();
    throwIfAborted(signal);
    const bound = this.address();
    if (bound !== null) return bound;
    const server = this.server;
    this.listenPending = true;
    try {
      return await new Promise<AddressInfo>((resolve, reject) => {
        const settle = (): void => {
          server.off('error', onError);
          server.off('listening', onListening);
          stopWatchingAbort();
        };
        const onError = (error: Error): void => {
          settle();
          reject(new ListenError(`${host}:${port}`, error));
        };
        const onListening = (): void => {
          settle();
          const address = server.address() as AddressInfo;
          this.emit('listening', address);
          resolve(address);
        };
        const stopWatchingAbort = whenAborted(signal, (error) => {
          settle();
          server.close();
          reject(error);
        });
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen({ port, host, ...(backlog === undefined ? {} : { backlog }) });
      });
    } finally {
      this.listenPending = false;
    }
  }

  /**
   * Sends a message to every connected client (but `options.except`). It is encoded once
   * per framing in use and the same bytes are queued for every receiver.
   * Returns how many clients it was queued for.
   */
  broadcast(message: T | string | Uint8Array, options?: BroadcastOptions<D>): number {
    const except = options?.except;
    const frames = new FrameCache(message);
    let delivered = 0;
    for (const peer of this.peers) {
      if (peer !== except && peer.deliver(frames.frameFor(peer.frameEncoder))) delivered += 1;
    }
    return delivered;
  }

  /**
   * Stops accepting connections, flushes what is queued to every client, closes them, and
   * resolves once every socket is closed. Clients that do not take their data within the
   * timeout are cut. Calling it again returns the same promise.
   */
  close(options: HubCloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options.timeout);
    return this.closing;
  }

  /** Closes the hub; lets `await using hub = new BroadcastHub()` clean up. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(timeout: number | undefined): Promise<void> {
    const serverClosed = this.ownsServer && this.server.listening ? closeServer(this.server) : Promise.resolve();
    if (!this.ownsServer) this.server.off(this.connectionEvent, this.onConnection);
    const peersClosed =
      this.peers.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.allPeersClosed = resolve;
          });
    for (const peer of this.peers) peer.close('shutdown');
    if (timeout !== undefined) {
      const timer = setTimeout(() => {
        for (const peer of this.peers) peer.destroy('shutdown');
      }, timeout);
      timer.unref();
      await peersClosed;
      clearTimeout(timer);
    } else {
      await peersClosed;
    }
    await serverClosed;
    this.server.off('error', this.onServerError);
    this.emit('close');
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const peer = new Peer<D>(socket, this.host);
    this.peers.add(peer);
    this.dispatch('connect', peer, () => this.emit('connect', peer));
  };

  private onPeerMessage(peer: Peer<D>, message: T): void {
    this.dispatch('message', peer, () => this.emit('message', message, peer));
    if (this.relay && peer.isOpen) {
      this.broadcast(message, this.echo ? undefined : { except: peer });
    }
  }

  private onPeerClosed(peer: Peer<D>, reason: DisconnectReason, error: Error | undefined): void {
    if (!this.peers.delete(peer)) return;
    this.emit('disconnect', peer, reason, error);
    if (this.peers.size === 0 && this.allPeersClosed !== undefined) {
      this.allPeersClosed();
      this.allPeersClosed = undefined;
    }
  }

  /** Runs listeners that a client's input triggers, so that one that throws cannot take the hub down. */
  private dispatch(event: string, peer: Peer<D>, emit: () => void): void {
    try {
      emit();
    } catch (error) {
      this.emit('clientError', new ListenerError(event, error), peer);
    }
  }

  private readonly onServerError = (error: Error): void => {
    // listen() reports its own failures; anything later is the hub's.
    if (!this.listenPending) this.emit('error', error);
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
