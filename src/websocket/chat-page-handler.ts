import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadPageFiles, type PageFile } from './page-files.js';

/**
 * The page's Content-Security-Policy: scripts and styles from the page's own origin only (no
 * inline script, no `eval`, nothing from elsewhere), WebSockets to its own origin, no plugins,
 * no forms posting elsewhere, not framed by other sites. A message that somehow reached the DOM
 * as HTML would still run nothing.
 */
export const CHAT_PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Options for `chatPageHandler()`. */
export interface ChatPageOptions {
  /** The path the page is served at, ending in `/`; its files are served beside it. Default `/`. */
  path?: string;
  /** Where the page opens its WebSocket: a path, relative to the page or absolute. Default `ws` (beside the page). */
  websocketPath?: string;
  /** The page's title. Default `broadcast-chat`. */
  title?: string;
}

/**
 * A request handler for the chat page, for a server of the application's own: answers the
 * page's paths (`GET` and `HEAD` of the page, `chat.css`, `icon.svg`, `chat-page.js`, `browser.js`) and
 * returns `true`, or returns `false` for any other path and leaves the response alone. Every
 * answer carries `CHAT_PAGE_CSP`. The files are read from the package once, when it is made.
 */
export function chatPageHandler(options: ChatPageOptions = {}): (request: IncomingMessage, response: ServerResponse) => boolean {
  const base = options.path ?? '/';
  if (typeof base !== 'string' || !base.startsWith('/') || !base.endsWith('/')) throw new TypeError(`path must start and end with '/', got ${JSON.stringify(base)}`);
  const websocketPath = options.websocketPath ?? 'ws';
  if (typeof websocketPath !== 'string' || websocketPath === '') throw new TypeError('websocketPath must be a path such as ws or /chat/ws');
  const title = options.title ?? 'broadcast-chat';
  if (typeof title !== 'string') throw new TypeError('title must be a string');
  const files = new Map(loadPageFiles());
  const page = files.get('index.html');
  if (page !== undefined) files.set('index.html', { type: page.type, body: Buffer.from(fillPage(page.body.toString('utf8'), websocketPath, title), 'utf8') });
  files.set('', files.get('index.html') ?? { type: 'text/plain', body: Buffer.alloc(0) });
  return (request, response) => {
    const path = pathOf(request);
    if (path === base.slice(0, -1) && base !== '/') {
      respond(response, 308, { Location: base }, undefined, request.method === 'HEAD');
      return true;
    }
    if (!path.startsWith(base)) return false;
    const file = files.get(path.slice(base.length));
    if (file === undefined) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      respond(response, 405, { Allow: 'GET, HEAD' }, undefined, false);
      return true;
    }
    respond(response, 200, {}, file, request.method === 'HEAD');
    return true;
  };
}

function respond(response: ServerResponse, status: number, headers: Record<string, string>, file: PageFile | undefined, head: boolean): void {
  response.writeHead(status, {
    'Content-Security-Policy': CHAT_PAGE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
    'Content-Type': file?.type ?? 'text/plain; charset=utf-8',
    'Content-Length': String(file?.body.length ?? 0),
    ...headers,
  });
  response.end(head ? undefined : file?.body);
}

/** The page with its WebSocket path and title filled in, escaped for the attribute and the element they go in. */
function fillPage(html: string, websocketPath: string, title: string): string {
  return html
    .replace('<meta name="broadcast-chat-websocket" content="ws">', `<meta name="broadcast-chat-websocket" content="${escapeHtml(websocketPath)}">`)
    .replace('<title>broadcast-chat</title>', `<title>${escapeHtml(title)}</title>`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
