import type { IncomingMessage } from 'node:http';

/**
 * Which pages may open a WebSocket to the hub, by the `Origin` header browsers send:
 *
 * - `'same-origin'` (default): pages served from the same host and port as the WebSocket
 *   (the request's `Host` header), whatever the scheme, since a TLS-terminating proxy in front
 *   makes `https` pages arrive as plain HTTP;
 * - a list of origins (`['https://chat.example.com']`), compared exactly (scheme, host and port);
 * - `'*'`: any page (only for a hub that holds nothing worth protecting);
 * - a function deciding for each request.
 *
 * A request without an `Origin` header is not from a browser (browsers always send one on a
 * WebSocket), so it cannot be a page abusing a visitor's cookies: it is let in, as it would be by TCP.
 */
export type OriginPolicy = 'same-origin' | '*' | readonly string[] | ((origin: string, request: IncomingMessage) => boolean);

/** Checks an `OriginPolicy` once and returns the test each upgrade request goes through. */
export function originCheck(policy: OriginPolicy = 'same-origin'): (request: IncomingMessage) => boolean {
  if (policy === '*') return () => true;
  if (policy === 'same-origin') return (request) => withOrigin(request, (origin) => sameHost(origin, request.headers.host));
  if (typeof policy === 'function') return (request) => withOrigin(request, (origin) => policy(origin, request));
  if (!Array.isArray(policy)) throw new TypeError(`origins must be 'same-origin', '*', a list of origins or a function, got ${String(policy)}`);
  const allowed = new Set<string>();
  for (const entry of policy as readonly unknown[]) {
    const origin = typeof entry === 'string' ? normalOrigin(entry) : undefined;
    if (origin === undefined) throw new TypeError(`origins: ${JSON.stringify(entry)} is not an origin such as 'https://chat.example.com'`);
    allowed.add(origin);
  }
  return (request) => withOrigin(request, (origin) => allowed.has(normalOrigin(origin) ?? ''));
}

/** Lets requests without an `Origin` through; asks `test` about the others. */
function withOrigin(request: IncomingMessage, test: (origin: string) => boolean): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return test(origin);
  } catch {
    // A policy function that throws is a refusal, not a crash in the server's upgrade handler.
    return false;
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return url.host === hostWithoutDefaultPort(host.toLowerCase(), url.protocol);
}

/** `Host: example.com:80` names the same host as the origin `http://example.com`. */
function hostWithoutDefaultPort(host: string, protocol: string): string {
  if (protocol === 'http:' && host.endsWith(':80')) return host.slice(0, -3);
  if (protocol === 'https:' && host.endsWith(':443')) return host.slice(0, -4);
  return host;
}

/** `scheme://host[:port]` as browsers write it (lower case, default port left out), or `undefined`. */
function normalOrigin(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}
