import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MachineInfo } from '../machine-info.js';
import { median } from '../stats.js';
import { ROOT } from '../systems.js';
import { describePinning } from './fanout-pinning.js';
import type { FanoutRun } from './fanout-options.js';
import type { FanoutSample } from './measure-fanout.js';

/** An issue's goal: the hub at least `factor` times the best of `against`, per receiver count. */
export interface FanoutGoal {
  readonly text: string;
  readonly hub: string;
  readonly against: readonly string[];
  readonly factor: number;
}

/** The medians of one system at one receiver count, over its rounds. */
export interface FanoutRow {
  readonly system: string;
  readonly label: string;
  readonly receivers: number;
  readonly rounds: number;
  readonly messagesPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly serverCpuPercent: number;
  readonly deliveriesPerServerCpuSecond: number;
  readonly loadgenCpuPercent: number;
  readonly busiestReceiverCpuPercent: number;
  /** Rounds in which the load generators were at their limit. */
  readonly loadgenBoundRounds: number;
  readonly otherCpuPercent: number;
  readonly quietRounds: number;
  readonly errors: number;
}

/** Everything the report is made from. */
export interface FanoutReportInput {
  /** File stem: `<name>-<time>.md` and `latest-<name>.md`. */
  readonly name: string;
  readonly title: string;
  readonly command: string;
  readonly startedAt: Date;
  readonly run: FanoutRun;
  readonly machine: MachineInfo;
  /** Versions of the servers that are not npm packages. */
  readonly serverVersions: Readonly<Record<string, string>>;
  /** What the hub's server ran: the build or src/. */
  readonly hubSource: string;
  readonly samples: readonly FanoutSample[];
  readonly failures: readonly string[];
  readonly goal: FanoutGoal;
}

const pick = (samples: readonly FanoutSample[], value: (sample: FanoutSample) => number | null): number => median(samples.flatMap((sample) => value(sample) ?? []));

/** Medians per system and receiver count, in the order the samples were first taken. */
export function fanoutRows(samples: readonly FanoutSample[]): FanoutRow[] {
  const keys = [...new Set(samples.map((sample) => `${sample.receivers}\u0000${sample.system}`))];
  return keys.map((key) => {
    const taken = samples.filter((sample) => `${sample.receivers}\u0000${sample.system}` === key);
    const firstSample = taken[0];
    if (firstSample === undefined) throw new Error('no samples');
    return {
      system: firstSample.system,
      label: firstSample.label,
      receivers: firstSample.receivers,
      rounds: taken.length,
      messagesPerSecond: pick(taken, (sample) => sample.messagesPerSecond),
      deliveriesPerSecond: pick(taken, (sample) => sample.deliveriesPerSecond),
      serverCpuPercent: pick(taken, (sample) => sample.serverCpuPercent),
      deliveriesPerServerCpuSecond: pick(taken, (sample) => sample.deliveriesPerServerCpuSecond),
      loadgenCpuPercent: pick(taken, (sample) => sample.loadgenCpuPercent),
      busiestReceiverCpuPercent: pick(taken, (sample) => sample.busiestReceiverCpuPercent),
      loadgenBoundRounds: taken.filter((sample) => sample.loadgenBound).length,
      otherCpuPercent: pick(taken, (sample) => sample.otherCpuPercent),
      quietRounds: taken.filter((sample) => sample.quiet).length,
      errors: taken.reduce((sum, sample) => sum + sample.errors, 0),
    };
  });
}

const whole = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–');
const percent = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)}%` : '–');

/** The goal per receiver count, on the rate and on deliveries per server CPU-second. */
function goalLines(rows: readonly FanoutRow[], goal: FanoutGoal): string[] {
  const lines = ['| receivers | measure | hub | best other | ratio | met |', '| ---: | --- | ---: | --- | ---: | --- |'];
  for (const receivers of [...new Set(rows.map((row) => row.receivers))]) {
    const hub = rows.find((row) => row.receivers === receivers && row.system === goal.hub);
    const others = rows.filter((row) => row.receivers === receivers && goal.against.includes(row.system));
    if (hub === undefined || others.length === 0) continue;
    const measures: [string, (row: FanoutRow) => number][] = [
      ['deliveries/s', (row) => row.deliveriesPerSecond],
      ['deliveries per server CPU-s', (row) => row.deliveriesPerServerCpuSecond],
    ];
    for (const [name, value] of measures) {
      const best = others.reduce((top, row) => (value(row) > value(top) ? row : top));
      const ratio = value(hub) / value(best);
      const bound = name === 'deliveries/s' && (hub.loadgenBoundRounds > 0 || best.loadgenBoundRounds > 0) ? ' (load generator at its limit: see per CPU-s)' : '';
      lines.push(`| ${whole(receivers)} | ${name} | ${whole(value(hub))} | ${best.label}: ${whole(value(best))} | ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'} | ${Number.isFinite(ratio) ? (ratio >= goal.factor ? 'yes' : '**no**') : 'n/a'}${bound} |`);
    }
  }
  return lines;
}

/** The report as markdown. */
export function renderFanoutReport(input: FanoutReportInput): string {
  const { machine, run } = input;
  const rows = fanoutRows(input.samples);
  const quiet = input.samples.filter((sample) => sample.quiet).length;
  const minutes = (Date.now() - input.startedAt.getTime()) / 60_000;
  const versions = Object.entries({ ...input.serverVersions, ws: machine.versions.ws ?? 'unknown', tsx: machine.versions.tsx ?? 'unknown' })
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const settings = run.settings;
  return [
    `# ${input.title}`,
    '',
    `- Run: ${input.startedAt.toISOString()}, ${run.rounds} round(s) of every system, ${(settings.measureMs / 1000).toFixed(1)} s measured after ${(settings.warmupMs / 1000).toFixed(1)} s of warm-up, window ${settings.window}; ${minutes.toFixed(1)} min.`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}; Node ${machine.node}; commit ${machine.commit}.`,
    `- Versions: broadcast-chat ${machine.versions['broadcast-chat'] ?? '?'}, ${versions}.`,
    `- The hub ran: ${input.hubSource}.`,
    `- Load generators: ${settings.loadgens} receiver process(es) and the sender's process; ${describePinning(settings.pinning, settings.loadgens)}.`,
    `- Quiet: ${quiet} of ${input.samples.length} measurements had other work at ≤ ${settings.maxOtherPercent}% of a core over the measured interval (each waited up to ${(settings.quietWaitMs / 1000).toFixed(0)} s for a quiet machine first).`,
    `- Command: \`${input.command}\`.`,
    '',
    'Medians over the rounds. CPU columns are % of one core over exactly the measured interval, from /proc/<pid>/stat (user + system, all threads, children excluded). **Deliveries per server CPU-s** is what the server spends per delivery, whoever limits the rate: where the load generator is at its limit (†), compare that column, not the rate. A server near 100% is the limit itself; where neither side is near its limit, the window (messages in flight) and the round trip set the rate, and CPU per delivery is higher at low rates, since each wake-up moves fewer messages.',
    '',
    '| receivers | system | messages/s | deliveries/s | server CPU | deliveries per server CPU-s | load-gen CPU (busiest receiver process) | other CPU | quiet rounds | out of order |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${whole(row.receivers)} | ${row.label} | ${whole(row.messagesPerSecond)} | ${whole(row.deliveriesPerSecond)}${row.loadgenBoundRounds > 0 ? ' †' : ''} | ${percent(row.serverCpuPercent)} | ${whole(row.deliveriesPerServerCpuSecond)} | ${percent(row.loadgenCpuPercent)} (${percent(row.busiestReceiverCpuPercent)}) | ${percent(row.otherCpuPercent)} | ${row.quietRounds}/${row.rounds} | ${row.errors} |`,
    ),
    '',
    '† the load generators were at their limit (a receiver process at ≥ 90% of a core, or all of them at ≥ 90% of their cores) in at least one round.',
    '',
    `## Goal: ${input.goal.text}`,
    '',
    ...goalLines(rows, input.goal),
    '',
    '## Failures',
    '',
    input.failures.length === 0 ? 'None.' : input.failures.map((failure) => `- ${failure.replace(/\s+/g, ' ').slice(0, 400)}`).join('\n'),
    '',
  ].join('\n');
}

/** Writes `<name>-<time>.{json,md}` and `latest-<name>.{json,md}`; returns the timestamped markdown's path. */
export function writeFanoutReport(input: FanoutReportInput): string {
  const markdown = renderFanoutReport(input);
  const stamp = input.startedAt.toISOString().replace(/[:.]/g, '-');
  mkdirSync(input.run.outDir, { recursive: true });
  const json = {
    name: input.name,
    title: input.title,
    startedAt: input.startedAt.toISOString(),
    command: input.command,
    receiverCounts: input.run.receiverCounts,
    rounds: input.run.rounds,
    settings: input.run.settings,
    machine: input.machine,
    serverVersions: input.serverVersions,
    hubSource: input.hubSource,
    goal: input.goal,
    rows: fanoutRows(input.samples),
    samples: input.samples,
    failures: input.failures,
  };
  for (const stem of [`${input.name}-${stamp}`, `latest-${input.name}`]) {
    writeFileSync(join(input.run.outDir, `${stem}.json`), JSON.stringify(json, null, 2));
    writeFileSync(join(input.run.outDir, `${stem}.md`), markdown);
  }
  return relative(ROOT, join(input.run.outDir, `${input.name}-${stamp}.md`));
}
