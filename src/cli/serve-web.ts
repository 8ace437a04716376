import type { AddressInfo } from 'node:net';
import type { ChatPageServer, OriginPolicy, ServeChatPageOptions } from '../websocket.js';
import type { ServeData, ServeHub } from './operator-context.js';
import { importOptional } from './optional-module.js';
import type { ServeLog } from './serve-log.js';

/** What `serve --web` was asked for. */
export interface WebChoice {
  /** `--web PORT`: the chat page's port; none without `--web`. */
  readonly web?: number | undefined;
  /** `--web-host`; `host` (the hub's) when not given. */
  readonly webHost?: string | undefined;
  readonly host: string;
  /** `--web-origin`: origins, or `['*']` for any page; the page's own origin when not given. */
  readonly webOrigin?: readonly string[] | undefined;
  readonly maxMessageBytes?: number | undefined;
  readonly heartbeatInterval?: number | undefined;
}

/** The `broadcast-chat/websocket` entry, whose `serveChatPage` `--web` runs. */
export type WebSocketEntry = Pick<typeof import('../websocket.js'), 'serveChatPage'>;

/** The chat page's server as `serve` runs it. */
export type WebPage = ChatPageServer<ServeData>;

/**
 * Loads `broadcast-chat/websocket` for `--web`, or resolves `undefined` without it. By the
 * package's own name (see `importOptional`): it imports `ws`, an optional peer dependency that
 * the CLI must start without. Rejects with an `OptionalModuleError` (`--web needs the ws
 * package, which is not installed: npm install ws`) when `ws` is missing.
 */
export async function loadWebSocketEntry(choice: WebChoice): Promise<WebSocketEntry | undefined> {
  if (choice.web === undefined) return undefined;
  return importOptional<WebSocketEntry>('broadcast-chat/websocket', 'ws', '--web');
}

/**
 * Serves the chat page and its WebSocket for `hub` on `--web PORT`, with the hub's message
 * size and heartbeat, and logs the WebSockets its origin policy turns away. Resolves once it
 * listens; rejects as `serveChatPage` does (a `ListenError`, or an `AbortError` from `signal`).
 */
export async function serveWebPage(entry: WebSocketEntry, hub: ServeHub, choice: WebChoice & { readonly web: number }, log: ServeLog, signal: AbortSignal): Promise<WebPage> {
  const options: ServeChatPageOptions = { port: choice.web, host: webHost(choice), signal, origins: originPolicy(choice.webOrigin) };
  if (choice.maxMessageBytes !== undefined) options.maxPayload = choice.maxMessageBytes;
  if (choice.heartbeatInterval !== undefined) options.heartbeatInterval = choice.heartbeatInterval;
  const page = await entry.serveChatPage(hub, options);
  page.door.on('refused', (request, reason) => {
    const detail = reason === 'origin' ? request.headers.origin : (request.url ?? '/').split('?')[0];
    log.webRefused(request.socket.remoteAddress ?? '', reason, detail ?? '');
  });
  return page;
}

/** Where the chat page listens: `--web-host`, or the hub's own address. */
export function webHost(choice: WebChoice): string {
  return choice.webHost ?? choice.host;
}

/**
 * The page's address for people: the URL it is served at, with `localhost` for a server bound
 * to every interface (`http://0.0.0.0:8080/` is no address a browser should be sent to).
 */
export function pageUrl(page: WebPage): string {
  const address: AddressInfo = page.address();
  if (address.address !== '0.0.0.0' && address.address !== '::') return page.url;
  const url = new URL(page.url);
  url.hostname = 'localhost';
  return url.href;
}

function originPolicy(origins: readonly string[] | undefined): OriginPolicy {
  if (origins === undefined) return 'same-origin';
  return origins.includes('*') ? '*' : origins;
}
