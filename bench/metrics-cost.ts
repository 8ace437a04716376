/**
 * `npm run bench:metrics`: what production visibility costs on the benchmark's fan-out row.
 * Runs one fan-out workload (default `fanout-1000x64`, the headline row) against the library
 * hub with metrics off and on, in alternation (off, on, on, off, ...), each run with a fresh
 * server and load generator pinned apart as `npm run bench` does. "On" is the same hub with
 * `serveMetrics()` and a scraper here that fetches `/metrics` every `--scrape-ms` (default 1000:
 * fifteen times Prometheus's default rate) and checks each answer. The hub counts in both: the
 * counters are always on, and `--baseline-entry` measures them too, by running "off" on another
 * build (one without them).
 *
 * Reports the medians of deliveries/s and of deliveries per server CPU-second, and whether
 * "on" stays within `--max-cost` percent (default 3) of "off"; exits 1 when it does not.
 * Writes bench/results/metrics-cost-<time>.{json,md} and latest-metrics-cost.{json,md}.
 *
 * Options: --workload ID, --repetitions N (pairs; default 5), --quick, --scrape-ms N,
 * --diagnostics (also subscribe to the connection channels when on), --entry FILE (the build's
 * index.js to measure; default a copy of dist/), --baseline-entry FILE, --max-cost PERCENT,
 * --out DIR, --nice N.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { detectPinning, type CpuPinning } from './cpu-pinning.js';
import { freePort } from './free-port.js';
import { snapshotHubBuild } from './hub-build.js';
import { runLoadgen } from './loadgen-process.js';
import { machineInfo } from './machine-info.js';
import type { MarkName } from './protocol.js';
import { startServer } from './server-process.js';
import { median } from './stats.js';
import { ROOT } from './systems.js';
import { WORKLOAD_IDS, workloadSpec, type Mode, type WorkloadId } from './workloads.js';

/** One side of the comparison. */
interface Side {
  readonly name: 'off' | 'on';
  /** The build's `index.js` (or src/index.ts). */
  readonly entry: string;
  readonly metrics: boolean;
  readonly diagnostics: boolean;
}

/** One measurement of one side. */
interface Sample {
  readonly side: Side['name'];
  readonly repetition: number;
  readonly ok: boolean;
  readonly deliveriesPerSecond: number | null;
  readonly deliveriesPerServerCpuSecond: number | null;
  readonly serverCpuPercent: number | null;
  readonly scrapes: number;
  readonly scrapeFailures: number;
  /** The hub's own `deliveries_total` at the last scrape, against the load generator's count. */
  readonly scrapedDeliveries: number | null;
  readonly deliveries: number;
  readonly errors: readonly string[];
}

interface Settings {
  readonly workload: WorkloadId;
  readonly mode: Mode;
  readonly repetitions: number;
  readonly scrapeMs: number;
  readonly maxCostPercent: number;
}

function parseSettings(): { settings: Settings; values: ReturnType<typeof parseCommandLine>['values'] } {
  const { values } = parseCommandLine();
  const workload = (values.workload ?? 'fanout-1000x64') as WorkloadId;
  if (!WORKLOAD_IDS.includes(workload) || !workload.startsWith('fanout')) throw new Error(`--workload must be a fan-out workload: ${WORKLOAD_IDS.filter((id) => id.startsWith('fanout')).join(', ')}`);
  const settings: Settings = {
    workload,
    mode: values.quick ? 'quick' : 'full',
    repetitions: positiveInteger('--repetitions', values.repetitions ?? '5'),
    scrapeMs: positiveInteger('--scrape-ms', values['scrape-ms'] ?? '1000'),
    maxCostPercent: Number(values['max-cost'] ?? '3'),
  };
  return { settings, values };
}

function parseCommandLine() {
  return parseArgs({
    options: {
      workload: { type: 'string' },
      repetitions: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'scrape-ms': { type: 'string' },
      diagnostics: { type: 'boolean', default: false },
      entry: { type: 'string' },
      'baseline-entry': { type: 'string' },
      'max-cost': { type: 'string' },
      out: { type: 'string' },
      nice: { type: 'string' },
    },
  });
}

function positiveInteger(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return number;
}

/** Fetches `/metrics` every `everyMs` until stopped; counts answers and keeps the hub's last `deliveries_total`. */
function startScraper(port: number, everyMs: number): { stop(): Promise<{ scrapes: number; failures: number; deliveries: number | null }> } {
  let scrapes = 0;
  let failures = 0;
  let deliveries: number | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`);
        const text = await response.text();
        const match = /^broadcast_chat_deliveries_total (\d+)$/m.exec(text);
        if (response.status === 200 && match?.[1] !== undefined) {
          scrapes += 1;
          deliveries = Number(match[1]);
        } else failures += 1;
      } catch {
        failures += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { scrapes, failures, deliveries };
    },
  };
}

async function measure(side: Side, repetition: number, settings: Settings, pinning: CpuPinning | null): Promise<Sample> {
  const metricsPort = side.metrics ? await freePort() : undefined;
  const env: Record<string, string> = { BENCH_HUB_ENTRY: side.entry };
  if (metricsPort !== undefined) env.BENCH_METRICS_PORT = String(metricsPort);
  if (side.diagnostics) env.BENCH_DIAGNOSTICS = '1';
  const base = { side: side.name, repetition };
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let scraper: ReturnType<typeof startScraper> | undefined;
  try {
    server = await startServer(
      {
        command: process.execPath,
        args: ['--import', 'tsx', join(ROOT, 'bench', 'servers', 'hub-metrics-server.ts'), '--port', '0'],
        port: 'announce',
        describe: `node bench/servers/hub-metrics-server.ts (metrics ${side.name})`,
        env,
      },
      pinning,
      ROOT,
    );
    const running = server;
    if (metricsPort !== undefined) scraper = startScraper(metricsPort, settings.scrapeMs);
    const job = workloadSpec(settings.workload).job({ protocol: 'line', host: '127.0.0.1', port: server.port }, settings.mode, false);
    const marks = new Map<MarkName, { at: number; cpu: number | null }>();
    const result = await runLoadgen(job, {
      pinning,
      timeoutMs: 180_000,
      onMark(name) {
        marks.set(name, { at: performance.now(), cpu: running.cpuMilliseconds() });
      },
    });
    const scraped = scraper === undefined ? { scrapes: 0, failures: 0, deliveries: null } : await scraper.stop();
    scraper = undefined;
    const start = marks.get('measure-start');
    const end = marks.get('measure-end');
    const serverCpuPercent =
      start?.cpu == null || end?.cpu == null || end.at <= start.at ? null : ((end.cpu - start.cpu) * 100) / (end.at - start.at);
    const rate = result.metrics.deliveriesPerSecond ?? null;
    const ok = result.verified && rate !== null && scraped.failures === 0 && (!side.metrics || scraped.scrapes > 0);
    return {
      ...base,
      ok,
      deliveriesPerSecond: rate,
      deliveriesPerServerCpuSecond: rate !== null && serverCpuPercent !== null && serverCpuPercent > 0 ? rate / (serverCpuPercent / 100) : null,
      serverCpuPercent,
      scrapes: scraped.scrapes,
      scrapeFailures: scraped.failures,
      scrapedDeliveries: scraped.deliveries,
      deliveries: result.deliveries,
      errors: [...result.errors, ...(scraped.failures > 0 ? [`${scraped.failures} scrapes failed`] : [])],
    };
  } catch (error) {
    return {
      ...base,
      ok: false,
      deliveriesPerSecond: null,
      deliveriesPerServerCpuSecond: null,
      serverCpuPercent: null,
      scrapes: 0,
      scrapeFailures: 0,
      scrapedDeliveries: null,
      deliveries: 0,
      errors: [error instanceof Error ? error.message.slice(0, 2000) : String(error)],
    };
  } finally {
    await scraper?.stop();
    await server?.stop();
  }
}

/** Per repetition with both sides good: on's deliveries per server CPU-second over off's. */
function pairRatios(samples: readonly Sample[], repetitions: number): number[] {
  const ratios: number[] = [];
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const pick = (side: Side['name']): number | null => samples.find((sample) => sample.repetition === repetition && sample.side === side && sample.ok)?.deliveriesPerServerCpuSecond ?? null;
    const off = pick('off');
    const on = pick('on');
    if (off !== null && on !== null && off > 0) ratios.push(on / off);
  }
  return ratios;
}

/** The median of a side's values of one number, over its good samples. */
function medianOf(samples: readonly Sample[], side: Side['name'], pick: (sample: Sample) => number | null): number {
  return median(samples.filter((sample) => sample.side === side && sample.ok).flatMap((sample) => pick(sample) ?? []));
}

async function main(): Promise<number> {
  const { settings, values } = parseSettings();
  const pinning = detectPinning(values.nice === undefined ? undefined : Number(values.nice));
  // A copy of dist/, so that a rebuild while the benchmark runs cannot pull the hub away.
  const build = values.entry === undefined ? snapshotHubBuild() : undefined;
  try {
    const onEntry = values.entry ?? (build?.files.includes('index.js') === true ? join(build.dir, 'index.js') : join(ROOT, 'src', 'index.ts'));
    const off: Side = { name: 'off', entry: values['baseline-entry'] ?? onEntry, metrics: false, diagnostics: false };
    const on: Side = { name: 'on', entry: onEntry, metrics: true, diagnostics: values.diagnostics };
    const samples: Sample[] = [];
    for (let repetition = 0; repetition < settings.repetitions; repetition += 1) {
      // Alternating which goes first cancels a drift of the machine over the run.
      const order = repetition % 2 === 0 ? [off, on] : [on, off];
      for (const side of order) {
        const sample = await measure(side, repetition, settings, pinning);
        samples.push(sample);
        process.stderr.write(
          `${settings.workload} #${repetition + 1} metrics ${side.name}: ` +
            (sample.ok ? `${Math.round(sample.deliveriesPerSecond ?? 0)} deliveries/s, ${Math.round(sample.deliveriesPerServerCpuSecond ?? 0)} per server CPU-second` : `FAILED ${sample.errors.slice(0, 2).join('; ')}`) +
            (side.metrics ? `, ${sample.scrapes} scrapes` : '') +
            '\n',
        );
      }
    }
    const summary = {
      off: { deliveriesPerSecond: medianOf(samples, 'off', (sample) => sample.deliveriesPerSecond), perCpuSecond: medianOf(samples, 'off', (sample) => sample.deliveriesPerServerCpuSecond) },
      on: { deliveriesPerSecond: medianOf(samples, 'on', (sample) => sample.deliveriesPerSecond), perCpuSecond: medianOf(samples, 'on', (sample) => sample.deliveriesPerServerCpuSecond) },
    };
    const costPercent = (1 - summary.on.deliveriesPerSecond / summary.off.deliveriesPerSecond) * 100;
    // Each pair ran back to back: its ratio is less moved by a drift of the machine's load than the medians are.
    const pairedCostPercent = (1 - median(pairRatios(samples, settings.repetitions))) * 100;
    const cpuCostPercent = (1 - summary.on.perCpuSecond / summary.off.perCpuSecond) * 100;
    const allOk = samples.every((sample) => sample.ok);
    const within = allOk && costPercent <= settings.maxCostPercent;
    const machine = machineInfo();
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const outDir = values.out ?? join(ROOT, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    const report = { settings, baselineEntry: values['baseline-entry'] ?? null, diagnostics: values.diagnostics, machine, pinning, summary, costPercent, cpuCostPercent, pairedCostPercent, within, samples };
    const markdown = [
      `# Metrics cost: ${settings.workload} (${settings.mode}), ${settings.repetitions} pairs`,
      '',
      `Library hub, metrics off${values['baseline-entry'] === undefined ? '' : ` (build ${values['baseline-entry']})`} against on (\`serveMetrics()\`, scraped every ${settings.scrapeMs} ms${values.diagnostics ? ', diagnostics channels subscribed' : ''}); ${machine.cores} cores${pinning === null ? '' : ', server and load generator pinned apart'}.`,
      '',
      '| | deliveries/s (median) | deliveries per server CPU-second (median) |',
      '| --- | ---: | ---: |',
      `| metrics off | ${Math.round(summary.off.deliveriesPerSecond)} | ${Math.round(summary.off.perCpuSecond)} |`,
      `| metrics on | ${Math.round(summary.on.deliveriesPerSecond)} | ${Math.round(summary.on.perCpuSecond)} |`,
      `| cost | ${costPercent.toFixed(1)}% | ${cpuCostPercent.toFixed(1)}% |`,
      '',
      `Median of the pairs' own costs (deliveries per server CPU-second, each pair run back to back): ${pairedCostPercent.toFixed(1)}%.`,
      '',
      `Within ${settings.maxCostPercent}%: ${within ? 'yes' : 'no'}${allOk ? '' : ' (some runs failed: see the JSON)'}.`,
      '',
    ].join('\n');
    for (const name of [`metrics-cost-${stamp}`, 'latest-metrics-cost']) {
      writeFileSync(join(outDir, `${name}.json`), JSON.stringify(report, null, 2));
      writeFileSync(join(outDir, `${name}.md`), markdown);
    }
    process.stderr.write(`${markdown}\nreport: ${relative(ROOT, join(outDir, `metrics-cost-${stamp}.md`))}\n`);
    return within ? 0 : 1;
  } finally {
    build?.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
