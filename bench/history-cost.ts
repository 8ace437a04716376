/**
 * What keeping a history costs the relay (issue 17): the fan-out row (1 -> 1,000 receivers,
 * 64 B: deliveries/s) and the many-to-many row (100 clients each sending every 100 ms: p99
 * latency) against a chat-mode hub with history off and on, in alternation (off, on, on, off,
 * ...), each run with a fresh server and load generator pinned apart as `npm run bench` does.
 * Both sides are `bench/servers/hub-history-server.ts`; only `BENCH_HISTORY` differs.
 *
 * Reports the medians per row and side, and whether "on" stays within `--max-cost` percent
 * (default 10) of "off" on every row; exits 1 when it does not. Writes
 * bench/results/history-cost-<time>.{json,md} and latest-history-cost.{json,md}.
 *
 * Options: --workloads a,b (default fanout-1000x64,many-to-many), --repetitions N (pairs;
 * default 3), --quick, --entry FILE (the build's index.js; default a copy of dist/),
 * --max-cost PERCENT, --quiet-wait MS (before each run, wait at most this long for the rest of
 * the machine to go quiet; default 30000), --out DIR, --nice N.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { detectPinning, type CpuPinning } from './cpu-pinning.js';
import { snapshotHubBuild } from './hub-build.js';
import { runLoadgen } from './loadgen-process.js';
import { machineInfo } from './machine-info.js';
import type { MarkName } from './protocol.js';
import { startServer } from './server-process.js';
import { machineBusyMilliseconds } from './proc-stats.js';
import { waitForQuiet } from './quiet-machine.js';
import { median } from './stats.js';
import { ROOT } from './systems.js';
import { WORKLOAD_IDS, workloadSpec, type Mode, type WorkloadId } from './workloads.js';

type SideName = 'off' | 'on';

/** One measurement of one side on one row. */
interface Sample {
  readonly workload: WorkloadId;
  readonly side: SideName;
  readonly repetition: number;
  readonly ok: boolean;
  /** The row's number: deliveries/s for a fan-out, p99 ms for many-to-many. */
  readonly value: number | null;
  /** Fan-out rows: deliveries per second of the server's CPU, which other work on the machine skews less than the rate. */
  readonly perServerCpuSecond: number | null;
  readonly serverCpuPercent: number | null;
  /** How busy the whole machine was while measuring, in percent of one core (server and load generator included). */
  readonly machineBusyPercent: number | null;
  readonly errors: readonly string[];
}

interface Settings {
  readonly workloads: readonly WorkloadId[];
  readonly mode: Mode;
  readonly repetitions: number;
  readonly maxCostPercent: number;
  /** How long to wait, before each run, for the rest of the machine to go quiet. */
  readonly quietWaitMs: number;
}

function parseCommandLine() {
  return parseArgs({
    options: {
      workloads: { type: 'string' },
      repetitions: { type: 'string' },
      quick: { type: 'boolean', default: false },
      entry: { type: 'string' },
      'max-cost': { type: 'string' },
      'quiet-wait': { type: 'string' },
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

async function measure(workload: WorkloadId, side: SideName, repetition: number, entry: string, settings: Settings, pinning: CpuPinning | null): Promise<Sample> {
  const base = { workload, side, repetition };
  const spec = workloadSpec(workload);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    await waitForQuiet(settings.quietWaitMs);
    server = await startServer(
      {
        command: process.execPath,
        args: ['--import', 'tsx', join(ROOT, 'bench', 'servers', 'hub-history-server.ts'), '--port', '0'],
        port: 'announce',
        describe: `node bench/servers/hub-history-server.ts (history ${side})`,
        env: { BENCH_HUB_ENTRY: entry, BENCH_HISTORY: side === 'on' ? '1' : '0' },
      },
      pinning,
      ROOT,
    );
    const running = server;
    const job = spec.job({ protocol: 'line', host: '127.0.0.1', port: server.port }, settings.mode, false);
    const marks = new Map<MarkName, { at: number; cpu: number | null; machine: number | null }>();
    const result = await runLoadgen(job, {
      pinning,
      timeoutMs: 180_000,
      onMark(name) {
        marks.set(name, { at: performance.now(), cpu: running.cpuMilliseconds(), machine: machineBusyMilliseconds() });
      },
    });
    const start = marks.get('measure-start');
    const end = marks.get('measure-end');
    const percent = (from: number | null | undefined, to: number | null | undefined): number | null =>
      from == null || to == null || start === undefined || end === undefined || end.at <= start.at ? null : ((to - from) * 100) / (end.at - start.at);
    const serverCpuPercent = percent(start?.cpu, end?.cpu);
    const value = result.metrics[spec.metric] ?? null;
    const perServerCpuSecond = spec.unit === 'deliveries/s' && value !== null && serverCpuPercent !== null && serverCpuPercent > 0 ? value / (serverCpuPercent / 100) : null;
    return { ...base, ok: result.verified && value !== null, value, perServerCpuSecond, serverCpuPercent, machineBusyPercent: percent(start?.machine, end?.machine), errors: result.errors };
  } catch (error) {
    const message = error instanceof Error ? error.message.slice(0, 2000) : String(error);
    return { ...base, ok: false, value: null, perServerCpuSecond: null, serverCpuPercent: null, machineBusyPercent: null, errors: [message] };
  } finally {
    await server?.stop();
  }
}

function medianOf(samples: readonly Sample[], workload: WorkloadId, side: SideName, pick: (sample: Sample) => number | null): number {
  return median(samples.filter((sample) => sample.workload === workload && sample.side === side && sample.ok).flatMap((sample) => pick(sample) ?? []));
}

async function main(): Promise<number> {
  const { values } = parseCommandLine();
  const workloads = (values.workloads ?? 'fanout-1000x64,many-to-many').split(',').map((id) => id.trim()) as WorkloadId[];
  for (const id of workloads) if (!WORKLOAD_IDS.includes(id) || id === 'idle-memory' || id === 'churn') throw new Error(`--workloads: '${id}' is not a relay row`);
  const settings: Settings = {
    workloads,
    mode: values.quick ? 'quick' : 'full',
    repetitions: positiveInteger('--repetitions', values.repetitions ?? '3'),
    maxCostPercent: Number(values['max-cost'] ?? '10'),
    quietWaitMs: Number(values['quiet-wait'] ?? '30000'),
  };
  const pinning = detectPinning(values.nice === undefined ? undefined : Number(values.nice));
  const build = values.entry === undefined ? snapshotHubBuild() : undefined;
  try {
    const entry = values.entry ?? (build?.files.includes('index.js') === true ? join(build.dir, 'index.js') : join(ROOT, 'src', 'index.ts'));
    const samples: Sample[] = [];
    for (let repetition = 0; repetition < settings.repetitions; repetition += 1) {
      for (const workload of settings.workloads) {
        // Alternating which goes first cancels a drift of the machine over the run.
        const order: SideName[] = repetition % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
        for (const side of order) {
          const sample = await measure(workload, side, repetition, entry, settings, pinning);
          samples.push(sample);
          const unit = workloadSpec(workload).unit;
          process.stderr.write(
            `${workload} #${repetition + 1} history ${side}: ${
              sample.ok
                ? `${(sample.value ?? 0).toFixed(unit === 'ms' ? 2 : 0)} ${unit}, server CPU ${Math.round(sample.serverCpuPercent ?? 0)}%, machine ${Math.round(sample.machineBusyPercent ?? 0)}%`
                : `FAILED ${sample.errors.slice(0, 2).join('; ')}`
            }\n`,
          );
        }
      }
    }
    const rows = settings.workloads.map((workload) => {
      const spec = workloadSpec(workload);
      const off = medianOf(samples, workload, 'off', (sample) => sample.value);
      const on = medianOf(samples, workload, 'on', (sample) => sample.value);
      // A cost is worse for "on": fewer deliveries, or a longer p99.
      const costPercent = spec.better === 'higher' ? (1 - on / off) * 100 : (on / off - 1) * 100;
      const cpuOff = medianOf(samples, workload, 'off', (sample) => sample.serverCpuPercent);
      const cpuOn = medianOf(samples, workload, 'on', (sample) => sample.serverCpuPercent);
      const efficiencyOff = medianOf(samples, workload, 'off', (sample) => sample.perServerCpuSecond);
      const efficiencyOn = medianOf(samples, workload, 'on', (sample) => sample.perServerCpuSecond);
      const efficiencyCostPercent = spec.unit === 'deliveries/s' ? (1 - efficiencyOn / efficiencyOff) * 100 : null;
      return { workload, title: spec.title, unit: spec.unit, off, on, costPercent, cpuOff, cpuOn, efficiencyOff, efficiencyOn, efficiencyCostPercent };
    });
    const allOk = samples.every((sample) => sample.ok);
    const within = allOk && rows.every((row) => row.costPercent <= settings.maxCostPercent);
    const machine = machineInfo();
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const outDir = values.out ?? join(ROOT, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    const format = (value: number, unit: string): string => (unit === 'ms' ? `${value.toFixed(2)} ms` : `${Math.round(value).toLocaleString('en-US')} ${unit}`);
    const markdown = [
      `# History cost (${settings.mode}), ${settings.repetitions} pairs per row`,
      '',
      `Chat-mode library hub (line clients, messages rendered as their bare text), history off against on (defaults, no replay on join); ${machine.cores} cores${pinning === null ? '' : ', server and load generator pinned apart'}; medians.`,
      '',
      '| row | history off | history on | cost | server CPU off / on | per server CPU-second off / on (cost) |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (row) =>
          `| ${row.title} | ${format(row.off, row.unit)} | ${format(row.on, row.unit)} | ${row.costPercent.toFixed(1)}% | ${Math.round(row.cpuOff)}% / ${Math.round(row.cpuOn)}% | ${
            row.efficiencyCostPercent === null ? '—' : `${Math.round(row.efficiencyOff).toLocaleString('en-US')} / ${Math.round(row.efficiencyOn).toLocaleString('en-US')} (${row.efficiencyCostPercent.toFixed(1)}%)`
          } |`,
      ),
      '',
      `Within ${settings.maxCostPercent}% on every row: ${within ? 'yes' : 'no'}${allOk ? '' : ' (some runs failed: see the JSON)'}.`,
      '',
    ].join('\n');
    const report = { settings, machine, pinning, rows, within, samples };
    for (const name of [`history-cost-${stamp}`, 'latest-history-cost']) {
      writeFileSync(join(outDir, `${name}.json`), JSON.stringify(report, null, 2));
      writeFileSync(join(outDir, `${name}.md`), markdown);
    }
    process.stderr.write(`${markdown}\nreport: ${relative(ROOT, join(outDir, `history-cost-${stamp}.md`))}\n`);
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
