import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { CpuPinning } from './cpu-pinning.js';
import { ownSession, pinned, prioritise } from './cpu-pinning.js';
import { cpuMilliseconds, residentBytes } from './proc-stats.js';
import type { LaunchSpec } from './systems.js';

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** A server process started for one measurement. */
export interface RunningServer {
  readonly pid: number;
  readonly port: number;
  /** Every port, when the server announced several (`PORTS a,b,c`, a cluster of hubs). */
  readonly ports?: readonly number[];
  /** Resident memory now, in bytes. */
  residentBytes(): number | null;
  /** CPU time used so far, in ms. */
  cpuMilliseconds(): number | null;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. Resolves once it has exited. */
  stop(): Promise<void>;
}

/** Starts `launch` on the server core and resolves once it accepts connections on loopback. */
export async function startServer(launch: LaunchSpec, pinning: CpuPinning | null, cwd: string): Promise<RunningServer> {
  const { command, args } = pinned(pinning, 'server', launch.command, launch.args);
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...launch.env },
    detached: ownSession(pinning),
    stdio: ['ignore', launch.discardOutput === true ? 'ignore' : 'pipe', 'pipe'],
  });
  prioritise(pinning, child.pid);
  let output = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const remember = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  child.once('error', (error) => {
    output += `\n${error.message}`;
  });

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  };

  try {
    const port = launch.port === 'announce' ? await announced(() => output, () => exited) : await polled(launch.port, () => exited);
    const pid = child.pid;
    if (pid === undefined) throw new Error('no pid');
    const ports = /PORTS (\d+(?:,\d+)*)/.exec(output)?.[1]?.split(',').map(Number);
    return {
      pid,
      port,
      ...(ports === undefined ? {} : { ports }),
      residentBytes: () => residentBytes(pid),
      cpuMilliseconds: () => cpuMilliseconds(pid),
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${launch.describe} did not start: ${error instanceof Error ? error.message : String(error)}\n${output}`, { cause: error });
  }
}

async function announced(output: () => string, exited: () => boolean): Promise<number> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const match = /LISTENING (\d+)/.exec(output());
    if (match?.[1] !== undefined) return Number(match[1]);
    if (exited()) throw new Error('exited before listening');
    if (Date.now() > deadline) throw new Error('never said LISTENING');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function polled(port: number, exited: () => boolean): Promise<number> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await accepts(port)) return port;
    if (exited()) throw new Error('exited before listening');
    if (Date.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}
