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
 * the machine to go quiet; default 30000), --max-other PERCENT and --max-tries N (a pair during
 * which other work took more than this share of a core, default 25, is run again, up to N times,
 * default 4), --out DIR, --nice N.
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
import { cpuMilliseconds, machineBusyMilliseconds } from './proc-stats.js';
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
  /** What else the machine did meanwhile (machine minus server minus load generator), in percent of one core. */
  readonly otherCpuPercent: number | null;
  readonly errors: readonly string[];
}

interface Settings {
  readonly workloads: readonly WorkloadId[];
  readonly mode: Mode;
  readonly repetitions: number;
  readonly maxCostPercent: number;
  /** How long to wait, before each run, for the rest of the machine to go quiet. */
  readonly quietWaitMs: number;
  /** A pair counts as clean when neither run saw more than this much other work (percent of one core). */
  readonly maxOtherPercent: number;
  /** Attempts at a clean pair before the last one is kept as it is. */
  readonly maxTries: number;
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
      'max-other': { type: 'string' },
      'max-tries': { type: 'string' },
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
    const marks = new Map<MarkName, { at: number; cpu: number | null; loadgen: number | null; machine: number | null }>();
    const result = await runLoadgen(job, {
      pinning,
      timeoutMs: 180_000,
      onMark(name, pid) {
        marks.set(name, { at: performance.now(), cpu: running.cpuMilliseconds(), loadgen: cpuMilliseconds(pid), machine: machineBusyMilliseconds() });
      },
    });
    const start = marks.get('measure-start');
    const end = marks.get('measure-end');
    const percent = (from: number | null | undefined, to: number | null | undefined): number | null =>
      from == null || to == null || start === undefined || end === undefined || end.at <= start.at ? null : ((to - from) * 100) / (end.at - start.at);
    const serverCpuPercent = percent(start?.cpu, end?.cpu);
    const value = result.metrics[spec.metric] ?? null;
    const perServerCpuSecond = spec.unit === 'deliveries/s' && value !== null && serverCpuPercent !== null && serverCpuPercent > 0 ? value / (serverCpuPercent / 100) : null;
    const machineBusyPercent = percent(start?.machine, end?.machine);
    const loadgenCpuPercent = percent(start?.loadgen, end?.loadgen);
    const otherCpuPercent = machineBusyPercent === null || serverCpuPercent === null || loadgenCpuPercent === null ? null : Math.max(0, machineBusyPercent - serverCpuPercent - loadgenCpuPercent);
    return { ...base, ok: result.verified && value !== null, value, perServerCpuSecond, serverCpuPercent, machineBusyPercent, otherCpuPercent, errors: result.errors };
  } catch (error) {
    const message = error instanceof Error ? error.message.slice(0, 2000) : String(error);
    return { ...base, ok: false, value: null, perServerCpuSecond: null, serverCpuPercent: null, machineBusyPercent: null, otherCpuPercent: null, errors: [message] };
  } finally {
    await server?.stop();
  }
}

/** Whether both runs of a pair were measured with the rest of the machine quiet enough. */
function isClean(pair: readonly Sample[], settings: Settings): boolean {
  return pair.length === 2 && pair.every((sample) => sample.ok && sample.otherCpuPercent !== null && sample.otherCpuPercent <= settings.maxOtherPercent);
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
    maxOtherPercent: Number(values['max-other'] ?? '25'),
    maxTries: positiveInteger('--max-tries', values['max-tries'] ?? '4'),
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
        // Other work on two shared cores moves a run far more than history could: a pair during
        // which the machine was busy elsewhere is run again, up to maxTries times.
        for (let attempt = 1; attempt <= settings.maxTries; attempt += 1) {
          const pair: Sample[] = [];
          for (const side of order) {
            const sample = await measure(workload, side, repetition, entry, settings, pinning);
            pair.push(sample);
            const unit = workloadSpec(workload).unit;
            process.stderr.write(
              `${workload} #${repetition + 1}.${attempt} history ${side}: ${
                sample.ok
                  ? `${(sample.value ?? 0).toFixed(unit === 'ms' ? 2 : 0)} ${unit}, server CPU ${Math.round(sample.serverCpuPercent ?? 0)}%, other ${Math.round(sample.otherCpuPercent ?? 0)}%`
                  : `FAILED ${sample.errors.slice(0, 2).join('; ')}`
              }\n`,
            );
          }
          if (isClean(pair, settings) || attempt === settings.maxTries) {
            samples.push(...pair);
            break;
          }
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
      // Each pair ran back to back: its own cost cancels what the machine did over the whole run.
      const pairCosts: number[] = [];
      const cleanCosts: number[] = [];
      for (let repetition = 0; repetition < settings.repetitions; repetition += 1) {
        const pair = samples.filter((sample) => sample.workload === workload && sample.repetition === repetition && sample.ok && sample.value !== null);
        const pairOff = pair.find((sample) => sample.side === 'off')?.value;
        const pairOn = pair.find((sample) => sample.side === 'on')?.value;
        if (pairOff == null || pairOn == null) continue;
        const cost = spec.better === 'higher' ? (1 - pairOn / pairOff) * 100 : (pairOn / pairOff - 1) * 100;
        pairCosts.push(cost);
        if (isClean(pair, settings)) cleanCosts.push(cost);
      }
      const pairedCostPercent = median(pairCosts);
      const cleanPairs = cleanCosts.length;
      // Judged on the clean pairs only, and only when at least half the pairs were clean.
      const verdict: 'within' | 'over' | 'undecided' = cleanPairs * 2 < settings.repetitions ? 'undecided' : median(cleanCosts) <= settings.maxCostPercent ? 'within' : 'over';
      return { workload, title: spec.title, unit: spec.unit, off, on, costPercent, pairedCostPercent, pairCosts, cleanPairs, cleanCostPercent: median(cleanCosts), verdict, cpuOff, cpuOn, efficiencyOff, efficiencyOn, efficiencyCostPercent };
    });
    const allOk = samples.every((sample) => sample.ok);
    const within = allOk && rows.every((row) => row.verdict === 'within');
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
      '| row | history off | history on | cost | cost per pair (clean of all) | cost, median of clean pairs | server CPU off / on | per server CPU-second off / on (cost) |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (row) =>
          `| ${row.title} | ${format(row.off, row.unit)} | ${format(row.on, row.unit)} | ${row.costPercent.toFixed(1)}% | ${row.pairCosts.map((cost) => `${cost.toFixed(0)}%`).join(', ')} (${row.cleanPairs} of ${settings.repetitions}) | ${
            row.cleanPairs === 0 ? '—' : `${row.cleanCostPercent.toFixed(1)}%`
          } | ${Math.round(row.cpuOff)}% / ${Math.round(row.cpuOn)}% | ${
            row.efficiencyCostPercent === null ? '—' : `${Math.round(row.efficiencyOff).toLocaleString('en-US')} / ${Math.round(row.efficiencyOn).toLocaleString('en-US')} (${row.efficiencyCostPercent.toFixed(1)}%)`
          } |`,
      ),
      '',
      `Within ${settings.maxCostPercent}% on every row: ${within ? 'yes' : 'no'}${allOk ? '' : ' (some runs failed: see the JSON)'}; ${rows.map((row) => `${row.workload}: ${row.verdict}`).join(', ')} (judged on clean pairs, when at least half were: another process took at most ${settings.maxOtherPercent}% of a core during both runs).`,
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
