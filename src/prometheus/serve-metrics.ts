import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListenError } from '../errors.js';
import { PROMETHEUS_CONTENT_TYPE } from './exposition.js';
import { hubLiveness, hubReadiness, type HealthCheck, type ReadyCheck } from './health.js';
import { hubMetricsText, resolveMetricsOptions, type AnyBroadcastHub, type HubMetricsOptions } from './hub-metrics.js';

/** Default port of `serveMetrics()`: 9464, the one OpenTelemetry's Prometheus exporters use. */
export const DEFAULT_METRICS_PORT = 9464;
/** Default address of `serveMetrics()`: every IPv4 interface, as the hub's own default, so that a scraper in another container reaches it. */
export const DEFAULT_METRICS_HOST = '0.0.0.0';

/** Options for `serveMetrics()`: where to listen, the readiness check, and what the metrics look like. */
export interface ServeMetricsOptions extends HubMetricsOptions {
  /** Port to listen on; `0` picks a free one. Default 9464. */
  port?: number;
  /** Address to bind. Default `0.0.0.0`. */
  host?: string;
  /** The application's own readiness check, for `/readyz`: `false`, a throw or a rejection mean not ready. */
  ready?: ReadyCheck;
}

/** The HTTP server `serveMetrics()` started. */
export interface MetricsServer {
  /** Where it listens. */
  readonly address: AddressInfo;
  /** The HTTP server itself. */
  readonly server: Server;
  /** Stops it (it also stops when the hub closes); resolves once it is closed. Calling it again returns the same promise. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts an HTTP server for the hub's operators: `GET /metrics` (the hub's metrics in the
 * Prometheus text format), `/healthz` (200 while the hub listens, else 503) and `/readyz` (200
 * while it listens, its cluster link, if any, is connected, and `options.ready` passes; else
 * 503 with the reason). Resolves once it listens; rejects with a `ListenError` (the port is
 * taken, say). It closes by itself when the hub closes.
 */
export async function serveMetrics(hub: AnyBroadcastHub, options: ServeMetricsOptions = {}): Promise<MetricsServer> {
  const { port = DEFAULT_METRICS_PORT, host = DEFAULT_METRICS_HOST, ready, ...metrics } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  if (typeof host !== 'string' || host === '') throw new TypeError('host must be a non-empty string');
  if (ready !== undefined && typeof ready !== 'function') throw new TypeError('ready must be a function');
  // Checked now, so that a bad option fails here rather than at every scrape.
  resolveMetricsOptions(metrics);

  const server = createServer((request, response) => {
    handle(hub, metrics, ready, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new ListenError(`${host}:${port}`, error));
    };
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Errors after listening (a failed accept) must not end the process: the next scrape tries again.
  server.on('error', () => undefined);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      hub.off('close', onHubClose);
      server.close(() => {
        resolve();
      });
      // A scraper's keep-alive connection would hold the close open.
      server.closeAllConnections();
    });
    return closing;
  };
  const onHubClose = (): void => {
    void close();
  };
  hub.once('close', onHubClose);
  const address = server.address() as AddressInfo;
  return { address, server, close, [Symbol.asyncDispose]: close };
}

function handle(hub: AnyBroadcastHub, metrics: HubMetricsOptions, ready: ReadyCheck | undefined, request: IncomingMessage, response: ServerResponse): void {
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    respond(request, response, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    return;
  }
  const path = (request.url ?? '/').split('?', 1)[0];
  switch (path) {
    case '/metrics': {
      let body: string;
      try {
        body = hubMetricsText(hub, metrics);
      } catch (error) {
        respond(request, response, 500, `could not collect the metrics: ${error instanceof Error ? error.message : String(error)}\n`);
        return;
      }
      respond(request, response, 200, body, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
      return;
    }
    case '/healthz':
      answerCheck(request, response, hubLiveness(hub));
      return;
    case '/readyz':
      void hubReadiness(hub, ready).then((check) => {
        answerCheck(request, response, check);
      });
      return;
    default:
      respond(request, response, 404, 'not found: try /metrics, /healthz or /readyz\n');
  }
}

function answerCheck(request: IncomingMessage, response: ServerResponse, check: HealthCheck): void {
  respond(request, response, check.ok ? 200 : 503, `${check.reason}\n`);
}

function respond(request: IncomingMessage, response: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  // The client may have gone while an asynchronous readiness check ran.
  if (response.destroyed) return;
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
