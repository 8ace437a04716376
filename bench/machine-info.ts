import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { findBinary, ROOT } from './systems.js';

/** What the numbers were measured on and with. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly commit: string;
}

function run(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Reads the machine, the tool versions and the commit. */
export function machineInfo(): MachineInfo {
  const redis = findBinary('redis-server');
  const nats = findBinary('nats-server');
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const dirty = run('git', ['status', '--porcelain']) === '' ? '' : ' (uncommitted changes)';
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    versions: {
      'broadcast-chat': own.version,
      'redis-server': redis === null ? 'absent' : (/v=(\S+)/.exec(run(redis, ['--version']))?.[1] ?? 'unknown'),
      'nats-server': nats === null ? 'absent' : run(nats, ['--version']).replace(/^nats-server:\s*/, ''),
      ws: packageVersion('ws'),
      'socket.io': packageVersion('socket.io'),
      'socket.io-client': packageVersion('socket.io-client'),
      tsx: packageVersion('tsx'),
    },
    commit: `${run('git', ['rev-parse', '--short', 'HEAD'])}${dirty}`,
  };
}
