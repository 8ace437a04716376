/**
 * Shared by the Redis and NATS cluster tests: brokers of their own on free ports, hubs in
 * child processes (test/fixtures/cluster-hub.ts), and probes that tell whether a broker is
 * there at all, so that a machine without one skips the tests and says which server is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, hasCommand, ROOT, Spawned } from '../fixtures/spawned.js';
import { it } from 'vitest';
import type { BrokerAdapterStats } from '../../src/index.js';

/** Which broker a suite runs on. */
export type BrokerKind = 'redis' | 'nats';

/** The shared broker of this machine, or the one named by `REDIS_URL` / `NATS_URL`. */
export function sharedBrokerUrl(kind: BrokerKind): string {
  return kind === 'redis' ? (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : (process.env.NATS_URL ?? '127.0.0.1:4222');
}

/** Whether something accepts TCP connections at `url`'s host and port. */
export function reachable(url: string, ms = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url.includes('://') ? url : `nats://${url}`);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => {
      done(false);
    }, ms);
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

/**
 * Why the suite for `kind` cannot run here (no broker reachable, or no server binary to start
 * one of its own), or `undefined` when it can.
 */
export async function missingBroker(kind: BrokerKind): Promise<string | undefined> {
  const url = sharedBrokerUrl(kind);
  const binary = kind === 'redis' ? 'redis-server' : 'nats-server';
  if (!(await reachable(url))) return `no ${kind} server reachable at ${url} (start ${binary}, or set ${kind === 'redis' ? 'REDIS_URL' : 'NATS_URL'})`;
  if (!hasCommand(binary) && !hasCommand(`/usr/sbin/${binary}`)) return `${binary} is not installed (the broker-restart tests start their own)`;
  return undefined;
}

/**
 * Declares the test that stands for a suite that cannot run here: skipped, naming what is
 * missing, or failed where brokers are required (`REQUIRE_BROKERS=1`, as CI sets), so that CI
 * can never pass by skipping them.
 */
export function missingBrokerTest(missing: string): void {
  if (process.env.REQUIRE_BROKERS === '1') {
    it(`needs a broker: ${missing}`, () => {
      throw new Error(`REQUIRE_BROKERS=1 but ${missing}`);
    });
  } else {
    it.skip(`skipped: ${missing}`, () => undefined);
  }
}

/** A namespace of channels and keys of its own, so that runs never see each other. */
export function testPrefix(): string {
  return `bctest-${randomBytes(4).toString('hex')}`;
}

/** A broker process of the test's own, on a free port; `stop()` and `start()` it to test recovery. */
export class OwnBroker {
  readonly kind: BrokerKind;
  readonly port: number;
  private child: ChildProcess | undefined;
  private readonly storeDir: string;

  private constructor(kind: BrokerKind, port: number) {
    this.kind = kind;
    this.port = port;
    this.storeDir = mkdtempSync(join(tmpdir(), `bc-${kind}-`));
  }

  static async start(kind: BrokerKind): Promise<OwnBroker> {
    const broker = new OwnBroker(kind, await freePort());
    await broker.start();
    return broker;
  }

  get url(): string {
    return this.kind === 'redis' ? `redis://127.0.0.1:${this.port}` : `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const [command, args] =
      this.kind === 'redis'
        ? ['redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.storeDir]]
        : [hasCommand('nats-server') ? 'nats-server' : '/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir]];
    this.child = spawn(command, args, { stdio: 'ignore' });
    const deadline = Date.now() + 8000;
    while (!(await reachable(this.url, 200))) {
      if (Date.now() > deadline) throw new Error(`${command} did not start on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Kills the server at once, as a crash would. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/** Timings of a test cluster: short, so that expiry is tested in seconds. */
export interface Timings {
  readonly heartbeat: number;
  readonly timeout: number;
}

/** A hub process of a test cluster. */
export interface HubProcess {
  readonly process: Spawned;
  readonly port: number;
  readonly hubId: string;
}

/** Starts a hub process on `url` (with a fixed `hubId` if given) and waits until it is subscribed and listening. */
export async function startHubProcess(kind: BrokerKind, url: string, prefix: string, timings: Timings = { heartbeat: 1000, timeout: 3000 }, hubId?: string): Promise<HubProcess> {
  const fixture = join(ROOT, 'test', 'fixtures', 'cluster-hub.ts');
  const args = ['--import', 'tsx', fixture, kind, url, prefix, String(timings.heartbeat), String(timings.timeout), ...(hubId === undefined ? [] : [hubId])];
  const process_ = new Spawned(`hub-${kind}`, process.execPath, args);
  const match = await process_.waitFor(/READY (\d+) (\S+)\n/, 'stdout', 15_000);
  return { process: process_, port: Number(match[1]), hubId: match[2] ?? '' };
}

/** A hub process's adapter counters, asked for on its standard input. */
export async function hubStats(hub: HubProcess): Promise<BrokerAdapterStats> {
  hub.process.type('stats\n');
  const match = await hub.process.waitFor(/STATS (\{.*\})\n/);
  return JSON.parse(match[1] ?? '{}') as BrokerAdapterStats;
}

/** Deletes what a NATS suite left on the shared server: its KV bucket. */
export async function removeNatsBucket(url: string, prefix: string): Promise<void> {
  const { connect: natsConnect } = await import('nats');
  const connection = await natsConnect({ servers: url, reconnect: false });
  try {
    const manager = await connection.jetstreamManager();
    await manager.streams.delete(`KV_${prefix}-nicks`).catch(() => false);
  } finally {
    await connection.close();
  }
}
