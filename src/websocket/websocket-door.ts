import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_MAX_MESSAGE_BYTES, END_GRACE_MS } from '../defaults.js';
import type { BroadcastHub } from '../hub/hub.js';
import { shutdownWords, type DrainOptions } from '../hub/drain.js';
import type { Peer } from '../hub/peer.js';
import { seconds } from '../protocol/farewell.js';
import { framedWebSocketJsonProtocol } from '../protocol/websocket-json.js';
import { TypedEventEmitter } from '../typed-event-emitter.js';
import { originCheck, type OriginPolicy } from './origin-policy.js';
import { PingSweeper } from './ping-sweeper.js';
import { WebSocketStream } from './websocket-stream.js';

/** Options for `attachWebSocket()`. */
export interface AttachWebSocketOptions {
  /** The HTTP or HTTPS server whose upgrade requests to take (the application's own, or one `serveChatPage` made). */
  server: HttpServer | HttpsServer;
  /** The path WebSockets connect to; upgrade requests for other paths are left to other listeners. Default `/ws`. */
  path?: string;
  /** Which pages may connect (see `OriginPolicy`). Default `'same-origin'`; others are refused with 403 before the upgrade. */
  origins?: OriginPolicy;
  /**
   * Largest WebSocket message accepted, in bytes; a larger one closes the connection with 1009
   * before it is read. Default: the hub's `maxMessageBytes`.
   */
  maxPayload?: number;
  /**
   * Milliseconds between WebSocket pings; a WebSocket that has not answered one by the next is
   * closed with reason `heartbeat`. Browsers answer by themselves. Default 30000; `0` turns it off.
   */
  heartbeatInterval?: number;
  /**
   * The client's address, for `maxClientsPerAddress` and `peer.remoteAddress`. Default: the
   * TCP peer's. Behind a proxy, read the header that proxy sets (and only from that proxy).
   */
  remoteAddress?: (request: IncomingMessage) => string;
}

/** Why an upgrade request was refused before it became a WebSocket. */
export type UpgradeRefusal = 'origin' | 'path';

/** Listener signatures of `WebSocketDoor`. */
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type WebSocketDoorEvents = {
  /** An upgrade request was answered with an HTTP error instead: a foreign `Origin` (403), or a path nobody serves (404). */
  refused: (request: IncomingMessage, reason: UpgradeRefusal) => void;
};

/** Options for `door.close()`: what the WebSockets it let in are told (see `DrainOptions`). */
export type WebSocketDoorCloseOptions = DrainOptions;

/**
 * The hub's WebSocket entrance on an HTTP server: checks each upgrade request's path and origin,
 * upgrades it with `ws`, and hands the WebSocket to `hub.accept()` as a peer speaking
 * `websocketJsonProtocol`. The hub frames what it sends (`framed: true`) and the stream writes
 * the frames to the upgraded connection itself, so a broadcast is framed once for every
 * WebSocket and a turn's frames leave in one write; ws does the handshake, reads, and sends
 * pings, pongs and the close frame. Created by `attachWebSocket()`.
 */
export class WebSocketDoor<D = Record<string, unknown>> extends TypedEventEmitter<WebSocketDoorEvents> {
  /** The path WebSockets connect to. */
  readonly path: string;
  private readonly hub: BroadcastHub<unknown, D>;
  private readonly server: HttpServer | HttpsServer;
  private readonly sockets: WebSocketServer;
  private readonly allowed: (request: IncomingMessage) => boolean;
  private readonly addressOf: (request: IncomingMessage) => string;
  private readonly sweeper: PingSweeper;
  private readonly heartbeatFarewell: string;
  /** The streams of the WebSockets let in, until they close. */
  private readonly streams = new Map<WebSocketStream, Peer<D> | undefined>();
  private closed = false;
  private streamsGone: (() => void) | undefined;

  /** @internal Use `attachWebSocket()`. */
  constructor(hub: BroadcastHub<unknown, D>, options: AttachWebSocketOptions) {
    super();
    if (!hub.isChat) throw new TypeError('attachWebSocket needs a chat hub (chat: true): WebSocket clients speak the JSON envelopes of chat mode');
    const server = options.server as Partial<HttpServer> | undefined;
    if (server === undefined || typeof server.on !== 'function' || typeof server.listeners !== 'function') throw new TypeError('attachWebSocket needs a server: an http.Server or https.Server');
    this.hub = hub;
    this.server = options.server;
    this.path = checkPath(options.path ?? '/ws');
    this.allowed = originCheck(options.origins);
    if (options.remoteAddress !== undefined && typeof options.remoteAddress !== 'function') throw new TypeError('remoteAddress must be a function of the request');
    this.addressOf = options.remoteAddress ?? ((request) => request.socket.remoteAddress ?? '');
    const maxPayload = options.maxPayload ?? hubMaxMessageBytes(hub);
    if (!Number.isInteger(maxPayload) || maxPayload <= 0) throw new RangeError(`maxPayload must be a positive number of bytes, got ${String(maxPayload)}`);
    const heartbeatInterval = options.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    if (!Number.isFinite(heartbeatInterval) || heartbeatInterval < 0) throw new RangeError(`heartbeatInterval must be 0 (off) or a positive number, got ${String(heartbeatInterval)}`);
    this.heartbeatFarewell = `no answer to ping within ${seconds(heartbeatInterval)}`;
    this.sweeper = new PingSweeper(heartbeatInterval, this.onDead);
    // noServer: the door routes upgrades itself, so that other paths stay the application's.
    this.sockets = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false });
    this.server.on('upgrade', this.onUpgrade);
    hub.once('close', this.onHubClose);
  }

  /** WebSockets let in through this door that are still open. */
  get connections(): number {
    return this.streams.size;
  }

  /**
   * Stops taking upgrade requests (the server is left to its owner) and closes the WebSockets
   * this door let in, telling them to come back later (reason `shutdown`, close code 1001 with
   * the retry hint). Resolves once they are gone. The hub's own `close()` closes them too.
   */
  async close(options: WebSocketDoorCloseOptions = {}): Promise<void> {
    const words = shutdownWords(options);
    this.stop();
    if (this.streams.size === 0) return;
    const gone = new Promise<void>((resolve) => {
      this.streamsGone = resolve;
    });
    for (const [stream, peer] of this.streams) {
      if (peer === undefined) stream.destroy();
      else peer.close('shutdown', { ...words(), ...(options.drainTimeout === undefined ? {} : { timeout: options.drainTimeout }) });
    }
    await gone;
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.off('upgrade', this.onUpgrade);
    this.hub.off('close', this.onHubClose);
    this.sweeper.stop();
  }

  private readonly onHubClose = (): void => {
    this.stop();
  };

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(request) !== this.path) {
      // Another listener's path; when there is none, say so rather than leave the socket hanging.
      if (this.server.listeners('upgrade').length === 1) this.refuse(request, socket, 404, 'path');
      return;
    }
    if (!this.allowed(request)) {
      this.refuse(request, socket, 403, 'origin');
      return;
    }
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => {
      this.admit(webSocket, request, socket);
    });
  };

  private admit(webSocket: WebSocket, request: IncomingMessage, connection: Duplex): void {
    const stream: WebSocketStream = new WebSocketStream(webSocket, {
      // The socket ws took over: permessage-deflate is off, so ws writes whole frames to it at once, in order with ours.
      rawSocket: connection,
      onTooLarge: () => {
        // ws has closed it with 1009 already: the hub reports why.
        const peer = this.streams.get(stream);
        if (peer === undefined) stream.destroy();
        else peer.destroy('too-large');
      },
    });
    this.streams.set(stream, undefined);
    stream.once('close', () => {
      this.sweeper.forget(webSocket);
      this.streams.delete(stream);
      if (this.streams.size === 0 && this.streamsGone !== undefined) {
        this.streamsGone();
        this.streamsGone = undefined;
      }
    });
    if (this.closed) {
      stream.destroy();
      return;
    }
    const peer = this.hub.accept(stream, { remoteAddress: this.addressOf(request), remotePort: request.socket.remotePort ?? 0, protocol: framedWebSocketJsonProtocol });
    if (peer === undefined || stream.destroyed) return;
    this.streams.set(stream, peer);
    this.sweeper.watch(webSocket);
  }

  private readonly onDead = (webSocket: WebSocket): void => {
    for (const [stream, peer] of this.streams) {
      if (stream.socket !== webSocket) continue;
      if (peer === undefined) stream.destroy();
      else peer.close('heartbeat', this.heartbeatFarewell);
      return;
    }
  };

  private refuse(request: IncomingMessage, socket: Duplex, status: number, reason: UpgradeRefusal): void {
    socket.on('error', ignore);
    const text = status === 403 ? 'this page may not connect to the chat (Origin refused)\n' : 'no WebSocket here\n';
    if (socket.writable) {
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    }
    setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
    try {
      this.emit('refused', request, reason);
    } catch {
      // A listener that throws must not break the server's upgrade handling.
    }
  }
}

/**
 * Lets WebSockets into `hub` through `options.server` on `options.path`: each is a peer of the
 * hub like its TCP clients (same events, handlers, commands, rooms, limits and cluster), speaking
 * the `json` envelopes one per WebSocket text message. The hub must be a chat hub. Returns the
 * door, whose `close()` stops it.
 */
export function attachWebSocket<T, D>(hub: BroadcastHub<T, D>, options: AttachWebSocketOptions): WebSocketDoor<D> {
  if (typeof options !== 'object' || (options as unknown) === null) throw new TypeError('attachWebSocket needs options with a server');
  return new WebSocketDoor<D>(hub, options);
}

/**
 * The hub's `maxMessageBytes`, which `maxPayload` defaults to.
 * The hub exposes it as a read-only getter where it has one; otherwise the default.
 */
function hubMaxMessageBytes(hub: object): number {
  const value = (hub as unknown as { readonly maxMessageBytes?: unknown }).maxMessageBytes;
  return typeof value === 'number' ? value : DEFAULT_MAX_MESSAGE_BYTES;
}

function checkPath(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`path must start with '/', got ${JSON.stringify(path)}`);
  return path;
}

/** The path of a request's URL, without its query. */
function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function ignore(): void {
  // A refused client that resets is of no concern.
}
