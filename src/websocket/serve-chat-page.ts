import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { throwIfAborted, whenAborted } from '../abort.js';
import { DEFAULT_HOST } from '../defaults.js';
import { ListenError } from '../errors.js';
import type { BroadcastHub } from '../hub/hub.js';
import { CHAT_PAGE_CSP, chatPageHandler, type ChatPageOptions } from './chat-page-handler.js';
import { attachWebSocket, type AttachWebSocketOptions, type WebSocketDoor, type WebSocketDoorCloseOptions } from './websocket-door.js';

/** The port `serveChatPage()` listens on when given none. */
export const DEFAULT_WEB_PORT = 8080;

/** Options for `serveChatPage()`: where to listen, the page's, and the WebSocket door's. */
export interface ServeChatPageOptions extends Omit<ChatPageOptions, 'websocketPath'>, Omit<AttachWebSocketOptions, 'server' | 'path'> {
  /** Port to listen on; `0` picks a free one. Default 8080. */
  port?: number;
  /** Address to bind. Default `0.0.0.0`, as the hub's. */
  host?: string;
  /** Cancels a listen that has not completed yet. */
  signal?: AbortSignal;
}

/** The chat page's HTTP server, as `serveChatPage()` returns it. */
export interface ChatPageServer<D = Record<string, unknown>> {
  /** The HTTP server: the page at `path`, its WebSocket at `path` + `ws`. */
  readonly server: HttpServer;
  /** The WebSocket door on it. */
  readonly door: WebSocketDoor<D>;
  /** The page's address, such as `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** The bound address. */
  address(): AddressInfo;
  /**
   * Closes the WebSockets of the page (told to come back later, as at a hub shutdown) and the
   * HTTP server; resolves once both are closed. The hub is left running: close it first (or
   * after) as usual.
   */
  close(options?: WebSocketDoorCloseOptions): Promise<void>;
}

/**
 * Serves the chat page and its WebSocket for `hub` on an HTTP server of its own: the page at
 * `options.path` (default `/`) and the WebSocket beside it (`/ws`), on `port` (default 8080).
 * Resolves once listening; rejects with a `ListenError` (the port is taken, say) or an `AbortError`.
 */
export async function serveChatPage<T, D>(hub: BroadcastHub<T, D>, options: ServeChatPageOptions = {}): Promise<ChatPageServer<D>> {
  const { port = DEFAULT_WEB_PORT, host = DEFAULT_HOST, signal, path = '/', title, ...doorOptions } = options;
  throwIfAborted(signal);
  const page = chatPageHandler({ path, websocketPath: 'ws', ...(title === undefined ? {} : { title }) });
  const server = createServer((request, response) => {
    if (page(request, response)) return;
    response.writeHead(404, { 'Content-Security-Policy': CHAT_PAGE_CSP, 'X-Content-Type-Options': 'nosniff', 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('not found\n');
  });
  const door = attachWebSocket(hub, { ...doorOptions, server, path: `${path}ws` });
  try {
    await listen(server, port, host, signal);
  } catch (error) {
    await door.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    server,
    door,
    url: `http://${shownHost}:${address.port}${path}`,
    address: () => address,
    close: (closeOptions) =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => {
          resolve();
        }));
        server.closeIdleConnections();
        await door.close(closeOptions);
        // The WebSockets said goodbye; what a browser still holds open (a keep-alive connection that
        // went idle meanwhile, a request in flight) must not hold the close.
        server.closeAllConnections();
        await closed;
      })()),
  };
}

function listen(server: HttpServer, port: number, host: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (): void => {
      server.off('error', onError);
      server.off('listening', onListening);
      stopWatching();
    };
    const onError = (error: Error): void => {
      settle();
      reject(new ListenError(`${host}:${port}`, error));
    };
    const onListening = (): void => {
      settle();
      resolve();
    };
    const stopWatching = whenAborted(signal, (error) => {
      settle();
      server.close();
      reject(error);
    });
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host });
  });
}
