import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ownSession, prioritise } from '../cpu-pinning.js';
import { cpuMilliseconds } from '../proc-stats.js';
import { ROOT } from '../systems.js';
import { loadgenCommand, type FanoutPinning } from './fanout-pinning.js';
import type { ReceiverCommand, ReceiverJob, ReceiverReport } from './receiver-protocol.js';

const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 5_000;

/** The receivers of one measurement, spread over load-generator processes. */
export interface ReceiverPool {
  /** Messages 0 .. n-1 have reached every receiver (as last reported). */
  completed(): number;
  /** Messages that reached a receiver out of order, over all receivers. */
  errors(): number;
  /** CPU time (user + system) of each receiver process so far, in ms (`null` once one is gone or off Linux). */
  cpuMilliseconds(): (number | null)[];
  /** Called whenever `completed()` may have moved. */
  onProgress: (() => void) | undefined;
  /** Asks every process to close its receivers and exit; kills what has not exited in 5 s. */
  stop(): Promise<void>;
}

interface Member {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  done: number;
  errors: number;
}

/** The sizes of `loadgens` shares of `receivers`, as even as they come. */
function shares(receivers: number, loadgens: number): number[] {
  const count = Math.max(1, Math.min(loadgens, receivers));
  return Array.from({ length: count }, (_, index) => Math.floor(receivers / count) + (index < receivers % count ? 1 : 0));
}

/**
 * Starts `loadgens` receiver processes (bench/fanout/receiver-process.ts) on the load
 * generators' cores, each with its share of `receivers`, and resolves once every receiver of
 * every process is in.
 */
export async function startReceivers(options: {
  readonly door: ReceiverJob['door'];
  readonly port: number;
  readonly receivers: number;
  readonly loadgens: number;
  readonly window: number;
  readonly pinning: FanoutPinning;
}): Promise<ReceiverPool> {
  const script = join(ROOT, 'bench', 'fanout', 'receiver-process.ts');
  const members: Member[] = [];
  let first = 0;
  let stderr = '';
  let fail: ((error: Error) => void) | undefined;
  let readyCount = 0;
  let allReady: (() => void) | undefined;
  const pool: ReceiverPool = {
    completed: () => members.reduce((least, member) => Math.min(least, member.done), Number.POSITIVE_INFINITY),
    errors: () => members.reduce((sum, member) => sum + member.errors, 0),
    cpuMilliseconds: () => members.map((member) => (member.child.pid === undefined ? null : cpuMilliseconds(member.child.pid))),
    onProgress: undefined,
    async stop() {
      for (const member of members) {
        if (member.child.connected) member.child.send({ type: 'stop' } satisfies ReceiverCommand);
      }
      await Promise.all(
        members.map(async (member) => {
          const timer = setTimeout(() => member.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await member.exited;
          clearTimeout(timer);
        }),
      );
    },
  };
  const ready = new Promise<void>((resolve, reject) => {
    allReady = resolve;
    fail = reject;
  });
  const sizes = shares(options.receivers, options.loadgens);
  for (const count of sizes) {
    const job: ReceiverJob = { door: options.door, port: options.port, first, count, window: options.window };
    first += count;
    const { command, args } = loadgenCommand(options.pinning, process.execPath, ['--import', 'tsx', script, JSON.stringify(job)]);
    const child = spawn(command, args, { cwd: ROOT, detached: ownSession(options.pinning.server), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    prioritise(options.pinning.server, child.pid);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code) => {
        if (readyCount < sizes.length) fail?.(new Error(`a receiver process exited (${code}) before its receivers were in\n${stderr}`));
        resolve();
      });
    });
    const member: Member = { child, exited, done: 0, errors: 0 };
    members.push(member);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.once('error', (error) => fail?.(error));
    child.on('message', (report: ReceiverReport) => {
      if (report.type === 'progress') {
        member.done = report.done;
        member.errors = report.errors;
        pool.onProgress?.();
      } else if (report.type === 'ready') {
        readyCount += 1;
        if (readyCount === sizes.length) allReady?.();
      } else {
        fail?.(new Error(`receiver process: ${report.error}`));
      }
    });
  }
  const timer = setTimeout(() => fail?.(new Error(`receivers not in after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  try {
    await ready;
    return pool;
  } catch (error) {
    await pool.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
