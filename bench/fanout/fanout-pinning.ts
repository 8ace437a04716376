import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { detectPinning, type CpuPinning } from '../cpu-pinning.js';

/**
 * Where the fan-out benchmarks run what: the server alone on core 0, and the load generators
 * (the receiver processes and the parent with the sender) on every other core, so that the
 * server never waits for a core behind its own load. On two cores that is core 0 and core 1.
 */
export interface FanoutPinning {
  /** For `startServer`: core 0 and the niceness, or `null` for neither. */
  readonly server: CpuPinning | null;
  /** The load generators' cores as a `taskset` list (`1`, `1-3`), or `undefined` unpinned. */
  readonly loadgenCores: string | undefined;
  /** How many cores the load generators can use between them. */
  readonly loadgenCoreCount: number;
}

/** Pins when `pin` and `taskset` and at least two cores allow it; `niceness` as `detectPinning` takes it. */
export function planPinning(pin: boolean, niceness: number | undefined): FanoutPinning {
  const cores = availableParallelism();
  const detected = detectPinning(niceness);
  const server: CpuPinning | null = detected === null ? null : pin ? detected : detected.niceness === undefined ? null : { serverCore: undefined, loadgenCore: undefined, niceness: detected.niceness };
  if (server?.serverCore === undefined) return { server, loadgenCores: undefined, loadgenCoreCount: cores };
  return { server, loadgenCores: cores === 2 ? '1' : `1-${cores - 1}`, loadgenCoreCount: cores - 1 };
}

/** `command args` prefixed as the load generators run: `nice -n N taskset -c <cores>`. */
export function loadgenCommand(plan: FanoutPinning, command: string, args: readonly string[]): { command: string; args: string[] } {
  let line = [command, ...args];
  if (plan.loadgenCores !== undefined) line = ['taskset', '-c', plan.loadgenCores, ...line];
  if (plan.server?.niceness !== undefined) line = ['nice', '-n', String(plan.server.niceness), ...line];
  return { command: line[0] ?? command, args: line.slice(1) };
}

/** Moves this process (the sender's) and all its threads onto the load generators' cores. */
export function pinSelf(plan: FanoutPinning): void {
  if (plan.loadgenCores === undefined) return;
  spawnSync('taskset', ['-a', '-p', '-c', plan.loadgenCores, String(process.pid)], { stdio: 'ignore' });
}

/** One line for the report. */
export function describePinning(plan: FanoutPinning, loadgens: number): string {
  const where = plan.loadgenCores === undefined ? 'nothing pinned' : `server on core 0; the sender's process and ${loadgens} receiver process(es) on core(s) ${plan.loadgenCores} (taskset)`;
  return plan.server?.niceness === undefined ? where : `${where}; server and receiver processes at nice ${plan.server.niceness}, each in its own session`;
}
