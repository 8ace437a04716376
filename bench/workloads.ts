import type { Job, Target } from './protocol.js';

/** The workloads of the table. */
export const WORKLOAD_IDS = ['fanout-1000x64', 'fanout-100x64', 'fanout-100x1k', 'latency-100', 'idle-memory', 'churn', 'many-to-many'] as const;
/** One of `WORKLOAD_IDS`. */
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

/** `full` for the report, `quick` for a smoke run that verifies every delivery in a minute or two. */
export type Mode = 'full' | 'quick';

/** A workload: what it measures, and the job for each mode. */
export interface WorkloadSpec {
  readonly id: WorkloadId;
  readonly title: string;
  /** Column header of the summary table. */
  readonly short: string;
  /** Name of the number taken from a sample's metrics. */
  readonly metric: string;
  readonly unit: 'deliveries/s' | 'ms' | 'bytes' | 'connections/s';
  readonly better: 'higher' | 'lower';
  job(target: Target, mode: Mode, fullCheck: boolean): Job;
}

const quick = (mode: Mode, full: number, small: number): number => (mode === 'full' ? full : small);

function fanout(id: WorkloadId, receivers: number, payloadBytes: number, title: string, short: string): WorkloadSpec {
  return {
    id,
    title,
    short,
    metric: 'deliveriesPerSecond',
    unit: 'deliveries/s',
    better: 'higher',
    job: (target, mode, fullCheck) => ({
      kind: 'fanout',
      target,
      fullCheck,
      payloadBytes,
      receivers: quick(mode, receivers, Math.min(receivers, 50)),
      warmupMs: quick(mode, 1000, 150),
      measureMs: quick(mode, 3000, 300),
    }),
  };
}

/** Every workload, in report order. */
export const WORKLOADS: readonly WorkloadSpec[] = [
  fanout('fanout-1000x64', 1000, 64, '1 -> 1,000 receivers, 64 B', '1→1000 × 64 B'),
  fanout('fanout-100x64', 100, 64, '1 -> 100 receivers, 64 B', '1→100 × 64 B'),
  fanout('fanout-100x1k', 100, 1024, '1 -> 100 receivers, 1 KiB', '1→100 × 1 KiB'),
  {
    id: 'latency-100',
    title: '1,000 msg/s to 100 receivers, p99 latency',
    short: 'p99 @ 1k msg/s → 100',
    metric: 'p99Ms',
    unit: 'ms',
    better: 'lower',
    job: (target, mode, fullCheck) => ({
      kind: 'latency',
      target,
      fullCheck,
      payloadBytes: 64,
      receivers: quick(mode, 100, 20),
      messagesPerSecond: quick(mode, 1000, 500),
      warmupMs: quick(mode, 1000, 200),
      measureMs: quick(mode, 5000, 500),
    }),
  },
  {
    id: 'idle-memory',
    title: 'server memory per idle connection',
    short: 'memory / idle conn',
    metric: 'bytesPerConnection',
    unit: 'bytes',
    better: 'lower',
    job: (target, mode, fullCheck) => ({
      kind: 'idle-memory',
      target,
      fullCheck,
      payloadBytes: 64,
      baseConnections: quick(mode, 100, 20),
      connections: quick(mode, 2000, 100),
    }),
  },
  {
    id: 'churn',
    title: 'connect + close per second (2,000 clients)',
    short: 'connect+close /s',
    metric: 'connectsPerSecond',
    unit: 'connections/s',
    better: 'higher',
    job: (target, mode, fullCheck) => ({
      kind: 'churn',
      target,
      fullCheck,
      payloadBytes: 64,
      connections: quick(mode, 2000, 100),
      concurrency: 50,
    }),
  },
  {
    id: 'many-to-many',
    title: '100 clients each sending every 100 ms, p99 latency',
    short: 'many-to-many p99',
    metric: 'p99Ms',
    unit: 'ms',
    better: 'lower',
    job: (target, mode, fullCheck) => ({
      kind: 'many-to-many',
      target,
      fullCheck,
      payloadBytes: 64,
      members: quick(mode, 100, 10),
      intervalMs: 100,
      warmupMs: quick(mode, 1000, 200),
      measureMs: quick(mode, 5000, 500),
    }),
  },
];

/** The spec of `id`. */
export function workloadSpec(id: WorkloadId): WorkloadSpec {
  const spec = WORKLOADS.find((workload) => workload.id === id);
  if (spec === undefined) throw new Error(`unknown workload ${id}`);
  return spec;
}
