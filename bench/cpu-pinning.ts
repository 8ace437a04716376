import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Which core the server and which the load generator run on, through `taskset`, and at what priority. */
export interface CpuPinning {
  readonly serverCore: number | undefined;
  readonly loadgenCore: number | undefined;
  /** A `nice` value for both (negative: ahead of other work on the machine), or `undefined`. */
  readonly niceness: number | undefined;
}

/**
 * Pins the server to core 0 and the load generator to core 1 when `taskset` exists and
 * there are at least two cores. With `niceness`, both also run at that priority when
 * `nice` allows it (a negative value needs root), so that other work sharing the machine
 * disturbs a measurement less. `null` when neither applies.
 */
export function detectPinning(niceness?: number): CpuPinning | null {
  const canPin = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
  const canNice = niceness !== undefined && spawnSync('nice', ['-n', String(niceness), 'true'], { stdio: 'pipe' }).stderr.length === 0;
  if (!canPin && !canNice) return null;
  return { serverCore: canPin ? 0 : undefined, loadgenCore: canPin ? 1 : undefined, niceness: canNice ? niceness : undefined };
}

/** `command args` prefixed with `nice -n N` and `taskset -c core` as configured. */
export function pinned(pinning: CpuPinning | null, role: 'server' | 'loadgen', command: string, args: readonly string[]): { command: string; args: string[] } {
  let line = [command, ...args];
  const core = role === 'server' ? pinning?.serverCore : pinning?.loadgenCore;
  if (core !== undefined) line = ['taskset', '-c', String(core), ...line];
  if (pinning?.niceness !== undefined) line = ['nice', '-n', String(pinning.niceness), ...line];
  return { command: line[0] ?? command, args: line.slice(1) };
}

/**
 * Applies the niceness to a process started with `detached: true`. With autogroup
 * scheduling on (Linux's default for desktop-style kernels), every session is its own
 * scheduling group and `nice` only ranks processes within one, so the benchmark's process
 * gets a session of its own and that group's priority is set here. Best effort.
 */
export function prioritise(pinning: CpuPinning | null, pid: number | undefined): void {
  if (pinning?.niceness === undefined || pid === undefined) return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(pinning.niceness));
  } catch {
    // No autogroup support: the `nice` prefix is all there is.
  }
}

/** Whether children should get a session (and so an autogroup) of their own. */
export function ownSession(pinning: CpuPinning | null): boolean {
  return pinning?.niceness !== undefined;
}
