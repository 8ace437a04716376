import type { MetricsServer } from '../prometheus.js';
import type { ServeHub } from './operator-context.js';
import { importOptional } from './optional-module.js';

/** The `broadcast-chat/prometheus` entry, whose `serveMetrics` `--metrics` runs. */
export type PrometheusEntry = Pick<typeof import('../prometheus.js'), 'serveMetrics'>;

/**
 * Serves `/metrics`, `/healthz` and `/readyz` for `hub` on `--metrics PORT` (bound where the
 * hub is, or `metricsHost`). Loaded by the package's own name, as the other optional entries
 * are, so that the CLI holds one copy of the library; it needs no package beyond this one.
 * The server closes by itself when the hub does.
 */
export async function serveHubMetrics(hub: ServeHub, port: number, host: string): Promise<MetricsServer> {
  const { serveMetrics } = await importOptional<PrometheusEntry>('broadcast-chat/prometheus', 'broadcast-chat', '--metrics');
  return serveMetrics(hub, { port, host });
}
