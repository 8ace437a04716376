import type { BenchRun, Sample } from './runner.js';
import { median, range } from './stats.js';
import type { SystemId } from './systems.js';
import { workloadSpec, type WorkloadId } from './workloads.js';

/** The results of one system on one workload. */
export interface Cell {
  readonly workload: WorkloadId;
  readonly system: SystemId;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Runs measured and verified. */
  readonly ok: number;
  /** Runs in all. */
  readonly runs: number;
  readonly serverCpuPercent: number;
  readonly loadgenCpuPercent: number;
  readonly otherCpuPercent: number;
  /** Median deliveries per CPU-second the server used (throughput workloads). */
  readonly deliveriesPerServerCpuSecond: number;
}

/** The hub against one other system on one workload: > 1 means the hub did better for "higher is better". */
export interface Ratio {
  readonly workload: WorkloadId;
  readonly hub: SystemId;
  readonly other: SystemId;
  /** hub median / other median. */
  readonly ratio: number;
  /** Smallest and largest hub/other ratio of the runs of the same repetition. */
  readonly pairedMin: number;
  readonly pairedMax: number;
}

/** One of the goals, judged on this run. */
export interface Goal {
  readonly goal: string;
  /** Which hub system it was judged for. */
  readonly hub: SystemId;
  /** `null` when a needed number is missing. */
  readonly met: boolean | null;
  readonly detail: string;
}

/** What the report shows. */
export interface Summary {
  readonly cells: Cell[];
  readonly ratios: Ratio[];
  readonly goals: Goal[];
  readonly allVerified: boolean;
}

const HUBS: readonly SystemId[] = ['hub', 'hub-lib'];

/** Medians with min-max per (workload, system), ratios of each hub to every other system, and the goals. */
export function summarize(run: BenchRun, workloads: readonly WorkloadId[], systems: readonly SystemId[]): Summary {
  const cells: Cell[] = [];
  for (const workload of workloads) {
    for (const system of systems) {
      const samples = run.samples.filter((sample) => sample.workload === workload && sample.system === system);
      if (samples.length === 0) continue;
      const values = okValues(samples);
      const { min, max } = range(values);
      cells.push({
        workload,
        system,
        median: median(values),
        min,
        max,
        ok: values.length,
        runs: samples.length,
        serverCpuPercent: median(numbers(samples.map((sample) => sample.serverCpuPercent))),
        loadgenCpuPercent: median(numbers(samples.map((sample) => sample.loadgenCpuPercent))),
        otherCpuPercent: median(numbers(samples.map((sample) => sample.otherCpuPercent))),
        deliveriesPerServerCpuSecond: median(numbers(samples.map((sample) => (sample.ok ? (sample.metrics.deliveriesPerServerCpuSecond ?? null) : null)))),
      });
    }
  }
  const ratios: Ratio[] = [];
  for (const workload of workloads) {
    for (const hub of HUBS) {
      const hubCell = cells.find((cell) => cell.workload === workload && cell.system === hub);
      if (hubCell === undefined) continue;
      for (const other of systems) {
        if (other === hub) continue;
        const otherCell = cells.find((cell) => cell.workload === workload && cell.system === other);
        if (otherCell === undefined) continue;
        const paired = pairedRatios(run.samples, workload, hub, other);
        const { min, max } = range(paired);
        ratios.push({ workload, hub, other, ratio: hubCell.median / otherCell.median, pairedMin: min, pairedMax: max });
      }
    }
  }
  const goals = HUBS.filter((hub) => cells.some((cell) => cell.system === hub)).flatMap((hub) => judgeGoals(cells, run.samples, hub));
  return { cells, ratios, goals, allVerified: run.samples.every((sample) => sample.ok) };
}

function okValues(samples: readonly Sample[]): number[] {
  return samples.flatMap((sample) => (sample.ok && sample.value !== null ? [sample.value] : []));
}

function numbers(values: readonly (number | null)[]): number[] {
  return values.filter((value): value is number => value !== null && Number.isFinite(value));
}

function pairedRatios(samples: readonly Sample[], workload: WorkloadId, hub: SystemId, other: SystemId): number[] {
  const ratios: number[] = [];
  for (const mine of samples) {
    if (mine.workload !== workload || mine.system !== hub || mine.value === null) continue;
    const theirs = samples.find((sample) => sample.workload === workload && sample.system === other && sample.repetition === mine.repetition);
    if (theirs?.value != null && theirs.value !== 0) ratios.push(mine.value / theirs.value);
  }
  return ratios;
}

function judgeGoals(cells: readonly Cell[], samples: readonly Sample[], hub: SystemId): Goal[] {
  const value = (workload: WorkloadId, system: SystemId): number | undefined => {
    const cell = cells.find((candidate) => candidate.workload === workload && candidate.system === system);
    return cell === undefined || cell.ok === 0 ? undefined : cell.median;
  };
  const format = (workload: WorkloadId, n: number): string => formatValue(n, workloadSpec(workload).unit);
  const goals: Goal[] = [];
  const judge = (goal: string, checks: { workload: WorkloadId; other?: SystemId; test: (mine: number, theirs: number) => boolean; says: string }[]): void => {
    let met: boolean | null = true;
    const details: string[] = [];
    for (const check of checks) {
      const mine = value(check.workload, hub);
      const theirs = check.other === undefined ? 0 : value(check.workload, check.other);
      if (mine === undefined || theirs === undefined) {
        met = null;
        details.push(`${check.says}: no number`);
        continue;
      }
      const ok = check.test(mine, theirs);
      if (!ok && met !== null) met = false;
      const against = check.other === undefined ? '' : ` vs ${check.other} ${format(check.workload, theirs)} (×${(mine / theirs).toFixed(2)})`;
      details.push(`${check.says}: ${format(check.workload, mine)}${against} ${ok ? 'ok' : 'MISSED'}`);
    }
    goals.push({ goal, hub, met, detail: details.join('; ') });
  };
  judge('Fan-out 1→1,000 × 64 B: ≥ 2× Redis and ≥ 0.9× the coalescing net relay', [
    { workload: 'fanout-1000x64', other: 'redis', test: (a, b) => a >= 2 * b, says: '≥ 2× redis' },
    { workload: 'fanout-1000x64', other: 'net-coalescing', test: (a, b) => a >= 0.9 * b, says: '≥ 0.9× coalescing' },
  ]);
  judge('Fan-out 1→100: at least Redis', [
    { workload: 'fanout-100x64', other: 'redis', test: (a, b) => a >= b, says: '64 B ≥ redis' },
    { workload: 'fanout-100x1k', other: 'redis', test: (a, b) => a >= b, says: '1 KiB ≥ redis' },
  ]);
  judge('p99 at 1,000 msg/s to 100: ≤ 1.5× Redis and ≤ 0.1× ws', [
    { workload: 'latency-100', other: 'redis', test: (a, b) => a <= 1.5 * b, says: '≤ 1.5× redis' },
    { workload: 'latency-100', other: 'ws', test: (a, b) => a <= 0.1 * b, says: '≤ 0.1× ws' },
  ]);
  judge('Memory per idle connection ≤ 6 KB', [{ workload: 'idle-memory', test: (a) => a <= 6000, says: '≤ 6,000 B' }]);
  const churnServed = samples.filter((sample) => sample.workload === 'churn' && sample.system === hub);
  judge('Churn: ≥ 0.9× the net relay, still serving afterwards', [
    { workload: 'churn', other: 'net-naive', test: (a, b) => a >= 0.9 * b && churnServed.every((sample) => sample.ok), says: '≥ 0.9× net, probe delivered' },
  ]);
  const m2m = samples.filter((sample) => sample.workload === 'many-to-many' && sample.system === hub);
  judge('Many-to-many: every delivery made, p99 ≤ 1.5× Redis', [
    { workload: 'many-to-many', other: 'redis', test: (a, b) => a <= 1.5 * b && m2m.every((sample) => sample.verified), says: 'all verified, ≤ 1.5× redis' },
  ]);
  return goals;
}

/** A number with its unit, shortened for tables. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  switch (unit) {
    case 'ms':
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
    case 'bytes':
      return `${(value / 1000).toFixed(1)} KB`;
    default:
      if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
      if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)}k`;
      return value.toFixed(0);
  }
}
