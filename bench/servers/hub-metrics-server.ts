/**
 * The library hub of `hub-server.ts` with what an operator turns on in production, for
 * bench/metrics-cost.ts: `serveMetrics()` on `BENCH_METRICS_PORT` (unset: no metrics server,
 * the "off" side), and with `BENCH_DIAGNOSTICS=1` a subscriber on every diagnostics channel but
 * `message` (what a tracer of connections does). The same file serves both sides, so that
 * nothing but the metrics differs. `BENCH_HUB_ENTRY` names the build, as for `hub-server.ts`;
 * `broadcast-chat/prometheus` is taken from beside it.
 */
import { subscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { announceListening, LOOPBACK, portArgument } from './announce.js';

type Library = typeof import('../../src/index.js');
type Prometheus = typeof import('../../src/prometheus.js');

const built = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const source = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const entry = process.env.BENCH_HUB_ENTRY ?? (existsSync(built) ? built : source);
const { BroadcastHub } = (await import(pathToFileURL(entry).href)) as Library;

const hub = new BroadcastHub({ framing: 'line' });
hub.on('clientError', () => undefined);
const address = await hub.listen({ host: LOOPBACK, port: portArgument() });

const metricsPort = process.env.BENCH_METRICS_PORT;
if (metricsPort !== undefined) {
  const prometheusEntry = entry.endsWith('.ts') ? join(dirname(entry), 'prometheus.ts') : join(dirname(entry), 'prometheus.js');
  const { serveMetrics } = (await import(pathToFileURL(prometheusEntry).href)) as Prometheus;
  await serveMetrics(hub, { port: Number(metricsPort), host: LOOPBACK });
}
if (process.env.BENCH_DIAGNOSTICS === '1') {
  let events = 0;
  const count = (): void => {
    events += 1;
  };
  for (const name of ['connect', 'disconnect', 'refused', 'slow-consumer', 'adapter-status']) subscribe(`broadcast-chat:${name}`, count);
  process.once('exit', () => {
    process.stderr.write(`diagnostics events: ${events}\n`);
  });
}
announceListening(address.port, () => hub.close({ timeout: 1000 }));
