import { detectPinning, type CpuPinning } from './cpu-pinning.js';
import { freePort } from './free-port.js';
import { runLoadgen } from './loadgen-process.js';
import type { MarkName } from './protocol.js';
import { cpuMilliseconds, machineBusyMilliseconds } from './proc-stats.js';
import { waitForQuiet } from './quiet-machine.js';
import { startServer, type RunningServer } from './server-process.js';
import { ROOT, systemSpec, type SystemId } from './systems.js';
import { workloadSpec, type Mode, type WorkloadId } from './workloads.js';

/** What to run. */
export interface BenchOptions {
  readonly mode: Mode;
  readonly systems: readonly SystemId[];
  readonly workloads: readonly WorkloadId[];
  /** Runs of each (workload, system) pair. */
  readonly repetitions: number;
  /** Compare every payload byte (always on in quick mode). */
  readonly fullCheck: boolean;
  /** Start nothing new once this many minutes have passed. */
  readonly maxMinutes: number;
  /** Extra node flags for the hub process (`--cpu-prof` ...). */
  readonly hubNodeFlags: readonly string[];
  /** The run's copy of the hub's build (see `hub-build.ts`). */
  readonly hubBuild: string;
  /** Priority for the server and load generator (`nice`), or `undefined` to leave it. */
  readonly niceness: number | undefined;
  /** Longest wait, before each measurement, for other work on the machine to quieten. */
  readonly quietWaitMs: number;
  /** Progress lines. */
  readonly progress: (line: string) => void;
}

/** One measurement of one system on one workload. */
export interface Sample {
  readonly workload: WorkloadId;
  readonly system: SystemId;
  readonly repetition: number;
  /** Position in its repetition's order (systems alternate). */
  readonly order: number;
  /** Measured and every delivery verified. */
  readonly ok: boolean;
  readonly verified: boolean;
  /** The workload's headline number, or `null` if the run failed. */
  readonly value: number | null;
  readonly metrics: Readonly<Record<string, number>>;
  readonly deliveries: number;
  readonly expectedDeliveries: number;
  readonly serverCpuPercent: number | null;
  readonly loadgenCpuPercent: number | null;
  /** CPU used by anything else on the machine during the measured window, in % of one core. */
  readonly otherCpuPercent: number | null;
  readonly errors: readonly string[];
  readonly launch: string;
}

/** Everything a run produced. */
export interface BenchRun {
  readonly samples: Sample[];
  readonly skipped: { readonly system: SystemId; readonly reason: string }[];
  readonly pinning: CpuPinning | null;
  readonly startedAt: string;
  readonly minutes: number;
  /** Pairs not run because the time limit was reached. */
  readonly cutShort: number;
}

/** Milliseconds the server gets to settle before its memory is read. */
const SETTLE_MS = 1000;

/**
 * Runs every (workload, repetition, system) with a fresh server and a fresh load generator
 * each time. Within a repetition the systems run in turn, and the order flips from one
 * repetition to the next so that the hub and each baseline alternate.
 */
export async function runBenchmarks(options: BenchOptions): Promise<BenchRun> {
  const pinning = detectPinning(options.niceness);
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const samples: Sample[] = [];
  const skipped: BenchRun['skipped'] = [];
  const systems = options.systems.filter((id) => {
    const reason = systemSpec(id).unavailable();
    if (reason !== null) skipped.push({ system: id, reason });
    return reason === null;
  });
  let cutShort = 0;
  for (const workload of options.workloads) {
    for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
      const order = repetition % 2 === 0 ? systems : [...systems].reverse();
      for (const [position, system] of order.entries()) {
        if ((Date.now() - started) / 60_000 > options.maxMinutes) {
          cutShort += 1;
          continue;
        }
        const sample = await measure(workload, system, repetition, position, options, pinning);
        samples.push(sample);
        const shown = sample.value === null ? 'FAILED' : sample.value.toFixed(sample.value < 100 ? 2 : 0);
        options.progress(
          `${workload} #${repetition + 1} ${system}: ${shown}${sample.ok ? '' : ` (${sample.errors.slice(0, 2).join('; ')})`}` +
            (sample.serverCpuPercent === null ? '' : ` server ${sample.serverCpuPercent.toFixed(0)}% cpu`) +
            (sample.loadgenCpuPercent === null ? '' : `, loadgen ${sample.loadgenCpuPercent.toFixed(0)}%`) +
            (sample.otherCpuPercent === null ? '' : `, other ${sample.otherCpuPercent.toFixed(0)}%`),
        );
      }
    }
  }
  return { samples, skipped, pinning, startedAt, minutes: (Date.now() - started) / 60_000, cutShort };
}

async function measure(
  workloadId: WorkloadId,
  systemId: SystemId,
  repetition: number,
  order: number,
  options: BenchOptions,
  pinning: CpuPinning | null,
): Promise<Sample> {
  const workload = workloadSpec(workloadId);
  const system = systemSpec(systemId);
  const hub = systemId === 'hub' || systemId === 'hub-lib' || systemId === 'hub-cluster';
  const launch = system.launch({ port: await freePort(), nodeFlags: hub ? options.hubNodeFlags : [], hubBuild: options.hubBuild });
  const base = { workload: workloadId, system: systemId, repetition, order, launch: launch.describe };
  let server: RunningServer | undefined;
  try {
    await waitForQuiet(options.quietWaitMs);
    server = await startServer(launch, pinning, ROOT);
    const running = server;
    const target = { protocol: system.protocol, host: '127.0.0.1', port: server.port, ...(server.ports === undefined ? {} : { ports: server.ports }) } as const;
    const job = workload.job(target, options.mode, options.fullCheck);
    const marks = new Map<MarkName, Mark>();
    const result = await runLoadgen(job, {
      pinning,
      timeoutMs: 180_000,
      async onMark(name, pid) {
        if (name.startsWith('idle')) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        marks.set(name, {
          at: performance.now(),
          cpu: running.cpuMilliseconds(),
          rss: running.residentBytes(),
          loadgenCpu: cpuMilliseconds(pid),
          machineCpu: machineBusyMilliseconds(),
        });
      },
    });
    const metrics: Record<string, number> = { ...result.metrics };
    const start = marks.get('measure-start');
    const end = marks.get('measure-end');
    const serverCpuPercent = cpuPercent(start, end, (mark) => mark.cpu);
    const loadgenCpuPercent = cpuPercent(start, end, (mark) => mark.loadgenCpu);
    const machineCpuPercent = cpuPercent(start, end, (mark) => mark.machineCpu);
    const otherCpuPercent =
      machineCpuPercent === null || serverCpuPercent === null || loadgenCpuPercent === null
        ? null
        : Math.max(0, machineCpuPercent - serverCpuPercent - loadgenCpuPercent);
    const idleBase = marks.get('idle-base')?.rss;
    const idleFull = marks.get('idle-full')?.rss;
    if (job.kind === 'idle-memory' && idleBase != null && idleFull != null) {
      metrics.bytesPerConnection = (idleFull - idleBase) / job.connections;
      metrics.residentBytesBase = idleBase;
      metrics.residentBytesFull = idleFull;
    }
    const rate = metrics.deliveriesPerSecond;
    // Deliveries per CPU-second the server spent: barely moved by other load on the machine.
    if (rate !== undefined && serverCpuPercent !== null && serverCpuPercent > 0) metrics.deliveriesPerServerCpuSecond = rate / (serverCpuPercent / 100);
    const value = metrics[workload.metric];
    const ok = result.verified && value !== undefined && Number.isFinite(value);
    return {
      ...base,
      ok,
      verified: result.verified,
      value: ok ? value : null,
      metrics,
      deliveries: result.deliveries,
      expectedDeliveries: result.expectedDeliveries,
      serverCpuPercent,
      loadgenCpuPercent: loadgenCpuPercent ?? result.loadgenCpuPercent,
      otherCpuPercent,
      errors: result.errors,
    };
  } catch (error) {
    return {
      ...base,
      ok: false,
      verified: false,
      value: null,
      metrics: {},
      deliveries: 0,
      expectedDeliveries: 0,
      serverCpuPercent: null,
      loadgenCpuPercent: null,
      otherCpuPercent: null,
      errors: [error instanceof Error ? error.message.slice(0, 2000) : String(error)],
    };
  } finally {
    await server?.stop();
  }
}

/** What the runner reads at each mark. */
interface Mark {
  readonly at: number;
  readonly cpu: number | null;
  readonly rss: number | null;
  readonly loadgenCpu: number | null;
  readonly machineCpu: number | null;
}

function cpuPercent(start: Mark | undefined, end: Mark | undefined, read: (mark: Mark) => number | null): number | null {
  if (start === undefined || end === undefined || end.at <= start.at) return null;
  const before = read(start);
  const after = read(end);
  if (before === null || after === null) return null;
  return ((after - before) * 100) / (end.at - start.at);
}
